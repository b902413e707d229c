/** What a command reads and writes besides AWS: injected, so tests run commands in-process. */
export interface CliIo {
  /** Writes one line to standard output. */
  readonly out: (line: string) => void;
  /** Writes one line to standard error (progress, warnings, errors). */
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on Ctrl-C: commands stop at the next safe point. */
  readonly signal: AbortSignal;
}

/** The process's own streams, environment and directory; `signal` is aborted by the caller's SIGINT handler. */
export function processIo(signal: AbortSignal): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
    signal,
  };
}

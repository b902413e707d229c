import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A child process of a test, with what it printed so far and its exit code to come. */
export interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Start `command` in `cwd`, collecting its output. */
export function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; detached?: boolean }): Running {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The value after `prefix` on its line of `text`, trimmed. */
export function lineAfter(text: string, prefix: string): string | undefined {
  return text
    .split('\n')
    .find((entry) => entry.startsWith(prefix))
    ?.slice(prefix.length)
    .trim();
}

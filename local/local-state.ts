import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { GaugeName } from '../lambda/metrics.ts';
import type { LocalEnvironment } from './environment.ts';

/**
 * Local mode's state file: while `cfiq local` runs, it says where its queues and endpoints are and what the handler
 * last reported, so that `cfiq send`, `wait`, `status` and `dlq` started in the same directory find it without flags.
 * `cfiq local` writes it when Ready and removes it when it stops; a file whose process is gone is ignored.
 */

/** The environment variable naming the state file (for a local mode started in another directory, and for tests). */
export const LOCAL_STATE_VARIABLE = 'CFIQ_LOCAL_STATE';
/** Where the state file is, relative to the directory `cfiq local` was started in. */
export const DEFAULT_LOCAL_STATE_FILE = '.cfiq/local.json';

/** The latest value of one of the handler's gauges, and when it was reported (ISO 8601). */
export interface LocalGauge {
  readonly value: number;
  readonly at: string;
}

/** The latest gauges per distribution, by gauge name. */
export type LocalGauges = Record<string, Partial<Record<GaugeName, LocalGauge>>>;

export interface LocalState {
  /** The process running local mode. */
  readonly pid: number;
  readonly startedAt: string;
  readonly region: string;
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly cloudfrontEndpoint: string;
  readonly distributionIds: readonly string[];
  /** The configuration file local mode runs with (absolute), so that the other commands route as it does. */
  readonly configFile: string;
  /** What the handler last reported per distribution (PathsWaiting, OldestWaitingAgeSeconds, InvalidationsInProgress). */
  readonly gauges: LocalGauges;
}

/** What local mode writes about itself: where its emulators and queues are, and what the handler last reported. */
export function localStateOf(env: LocalEnvironment, configFile: string, gauges: LocalGauges): LocalState {
  return {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    region: env.region,
    sqsEndpoint: env.sqsEndpoint,
    queueUrl: env.queueUrl,
    deadLetterQueueUrl: env.deadLetterQueueUrl,
    cloudfrontEndpoint: env.cloudfrontEndpoint,
    distributionIds: env.distributionIds,
    configFile,
    gauges,
  };
}

/** Where the state file is for commands started in `cwd`: `CFIQ_LOCAL_STATE`, else `.cfiq/local.json` there. */
export function localStatePath(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  return resolve(cwd, env[LOCAL_STATE_VARIABLE] || DEFAULT_LOCAL_STATE_FILE);
}

/** What reading a state file found. */
export type LocalStateLookup =
  | { readonly kind: 'running'; readonly path: string; readonly state: LocalState }
  | { readonly kind: 'stale'; readonly path: string; readonly pid: number }
  | { readonly kind: 'none'; readonly path: string };

/**
 * Read the state file of a local mode: `running` when its process is alive, `stale` when the process is gone (a
 * local mode killed with SIGKILL leaves it behind), `none` when there is no readable file.
 */
export function readLocalState(path: string): LocalStateLookup {
  let state: LocalState;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as LocalState;
  } catch {
    return { kind: 'none', path };
  }
  if (typeof state !== 'object' || state === null || typeof state.pid !== 'number' || typeof state.queueUrl !== 'string') return { kind: 'none', path };
  return isAlive(state.pid) ? { kind: 'running', path, state: { ...state, gauges: state.gauges ?? {} } } : { kind: 'stale', path, pid: state.pid };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The state file a running local mode owns: claimed at start (unless another live local mode owns it), rewritten
 * whole (write, then rename) when the gauges change, removed at stop.
 */
export class LocalStateFile {
  readonly #path: string;
  #state: LocalState;
  #removed = false;

  private constructor(path: string, state: LocalState) {
    this.#path = path;
    this.#state = state;
  }

  /**
   * Write the state file, unless a live local mode owns it already.
   *
   * @returns the file, or the other local mode's pid when it owns the path
   * @throws the file system's error when the file cannot be written
   */
  public static claim(path: string, state: LocalState): LocalStateFile | { readonly ownedBy: number } {
    const existing = readLocalState(path);
    if (existing.kind === 'running' && existing.state.pid !== state.pid) return { ownedBy: existing.state.pid };
    const file = new LocalStateFile(path, state);
    mkdirSync(dirname(path), { recursive: true });
    file.#write();
    return file;
  }

  public get path(): string {
    return this.#path;
  }

  /** Record the latest gauges and rewrite the file. Never throws: the state is a convenience, not the pipeline. */
  public updateGauges(gauges: LocalGauges): void {
    if (this.#removed) return;
    this.#state = { ...this.#state, gauges };
    try {
      this.#write();
    } catch {
      // A full disk or a removed directory: status will say "no data".
    }
  }

  /** Remove the file (idempotent). */
  public remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    rmSync(this.#path, { force: true });
  }

  #write(): void {
    const temporary = `${this.#path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.#state, null, 2)}\n`);
    renameSync(temporary, this.#path);
  }
}

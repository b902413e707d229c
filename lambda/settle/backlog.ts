import type { SQSRecord } from 'aws-lambda';
import type { HandlerSettings } from '../config.ts';
import { MAX_PATHS_PER_INVALIDATION, MAX_SQS_DELAY_SECONDS } from '../limits.ts';
import { firstEnqueuedAt } from '../plan/admission.ts';
import type { InProgressSnapshot } from '../submit/in-progress.ts';

/**
 * A batch's view of the backlog on each distribution, for pacing the messages that wait for CloudFront's in-progress
 * budget: when they come back, and when they have waited too long. Waiting spends no receive: a waiting message is
 * acknowledged and what it owes re-sent with a delay (as a remainder), paced by when the invalidations ahead of it
 * are expected to complete rather than by exponential backoff.
 */
export class Backlog {
  readonly #snapshots: ReadonlyMap<string, InProgressSnapshot>;
  readonly #created: ReadonlyMap<string, number>;
  readonly #settings: Pick<HandlerSettings, 'invalidationSeconds' | 'backlogRecheckSeconds' | 'maxBacklogAgeSeconds'>;
  /** Epoch milliseconds the batch is settled at. */
  public readonly now: number;

  /**
   * @param snapshots - what was in progress per distribution when the batch started
   * @param created - invalidations the batch created per distribution
   */
  public constructor(
    snapshots: ReadonlyMap<string, InProgressSnapshot>,
    created: ReadonlyMap<string, number>,
    settings: Pick<HandlerSettings, 'invalidationSeconds' | 'backlogRecheckSeconds' | 'maxBacklogAgeSeconds'>,
    now: number,
  ) {
    this.#snapshots = snapshots;
    this.#created = created;
    this.#settings = settings;
    this.now = now;
  }

  /**
   * Seconds until a message waiting on `distributionId` with `pathsAhead` distinct paths ahead of it should look
   * again: until the oldest invalidation in progress is `invalidationSeconds` old (at least `backlogRecheckSeconds`),
   * plus `invalidationSeconds` per full round of the in-progress limit ahead of it; at most SQS's 900 s.
   *
   * @example
   * // Nothing in progress before the batch, which created one invalidation; 6,500 paths ahead (2 rounds), 60 s each:
   * backlog.delaySeconds('E1', 6500); // 60 + 2 x 60 = 180
   */
  public delaySeconds(distributionId: string, pathsAhead: number): number {
    const { invalidationSeconds, backlogRecheckSeconds } = this.#settings;
    const oldest = this.#oldestInProgress(distributionId);
    const firstFree = oldest === undefined ? 0 : (oldest + invalidationSeconds * 1000 - this.now) / 1000;
    const rounds = Math.floor(pathsAhead / MAX_PATHS_PER_INVALIDATION);
    return Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(Math.max(backlogRecheckSeconds, firstFree) + rounds * invalidationSeconds));
  }

  /** Seconds since the record's first version was enqueued (0 when unknown). */
  public ageSeconds(record: SQSRecord): number {
    const enqueuedAt = firstEnqueuedAt(record);
    return enqueuedAt === 0 ? 0 : Math.max(0, (this.now - enqueuedAt) / 1000);
  }

  /** Has the record waited longer than `maxBacklogAge`? */
  public expired(record: SQSRecord): boolean {
    return this.ageSeconds(record) >= this.#settings.maxBacklogAgeSeconds;
  }

  /** Paths in progress on the distribution when the batch started (files and wildcards). */
  public pathsInProgress(distributionId: string): number {
    const snapshot = this.#snapshots.get(distributionId);
    return snapshot === undefined ? 0 : snapshot.files + snapshot.wildcards;
  }

  /** Invalidations in progress on the distribution: those seen before the batch and those it created. */
  public invalidationsInProgress(distributionId: string): number {
    return (this.#snapshots.get(distributionId)?.invalidations ?? 0) + (this.#created.get(distributionId) ?? 0);
  }

  /** When the oldest invalidation in progress was created: one seen before the batch, else one it created (now). */
  #oldestInProgress(distributionId: string): number | undefined {
    return this.#snapshots.get(distributionId)?.oldestCreatedAt ?? ((this.#created.get(distributionId) ?? 0) > 0 ? this.now : undefined);
  }
}

/** `1 h 05 min`, `12 min 30 s` or `40 s`: a wait as a reader wants it. */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  if (minutes > 0) return `${minutes} min ${String(rest).padStart(2, '0')} s`;
  return `${rest} s`;
}

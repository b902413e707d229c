import { GetInvalidationCommand, ListInvalidationsCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { mapConcurrently } from '../../lambda/concurrency.ts';
import { Coverage } from '../../lambda/plan/coverage.ts';
import { ORIGINAL_MESSAGE_ID_ATTRIBUTE, REMAINDER_OF_ATTRIBUTE } from '../../lambda/settle/remainders.ts';
import { DEAD_LETTER_ATTRIBUTES } from '../../lambda/settle/sqs.ts';
import { describeMessage, peekMessages, type DeadLetteredMessage } from './dlq-list.ts';
import { AwsCallError, awsCall } from './errors.ts';
import type { CliIo } from './io.ts';

/**
 * Watching a message's paths until CloudFront has purged them: which invalidations created since the message was
 * sent cover each path, and whether one of them has completed. The message itself is not followed through the
 * queue (reading it there would take it from the handler): CloudFront says what was invalidated, whatever message
 * (the original, a remainder, a deferred re-send, or another message asking for the same path) asked for it.
 */

/** ListInvalidations page size (CloudFront's maximum). */
const PAGE_SIZE = 100;
/** Pages read per distribution and poll at most: 1,000 invalidations created since the send. */
const MAX_PAGES = 10;
/** GetInvalidation calls in flight at once: CloudFront's API is rate limited per account. */
const GET_CONCURRENCY = 4;
/**
 * An invalidation counts when CloudFront created it at most this long before the send: the machine's clock and
 * CloudFront's may differ by a little. (An invalidation created that little before the send was asked for by
 * another message, after the content it purges was published, as a CMS sends after it publishes.)
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 2_000;
/** Dead-letter entries read at most per look (each look makes them invisible to others for a moment). */
export const DEAD_LETTER_SCAN_MAX = 1_000;

/** Where a path stands: no covering invalidation yet, one in progress, or one completed (the purge is live). */
export type PathState = 'queued' | 'in-progress' | 'completed';

/** An invalidation created since the send, as listed. */
export interface SeenInvalidation {
  readonly distributionId: string;
  readonly id: string;
  readonly createTime: Date;
  readonly status: string;
}

export interface WatchedPath {
  readonly distributionId: string;
  readonly path: string;
  readonly state: PathState;
  /** The invalidation that completed it, else the first one covering it. */
  readonly invalidationId?: string;
}

/** What changed in one poll, for the progress lines. */
export type PurgeEvent =
  | { readonly kind: 'created'; readonly invalidation: SeenInvalidation; readonly covers: number; readonly of: number }
  | { readonly kind: 'completed'; readonly invalidation: SeenInvalidation }
  /** CloudFront answered NoSuchDistribution: the handler will dead-letter the message, which the wait then reports. */
  | { readonly kind: 'unknown-distribution'; readonly distributionId: string; readonly message: string };

/**
 * The paths of one message, per distribution, and the invalidations created since `since` that cover them. Each poll
 * lists the distributions' newest invalidations (ListInvalidations, until one older than `since`), reads the paths of
 * each new one once (GetInvalidation), and takes their statuses from the listing.
 */
export class PurgeWatch {
  readonly #cloudfront: CloudFrontClient;
  readonly #paths: ReadonlyMap<string, readonly string[]>;
  readonly #since: number;
  readonly #signal: AbortSignal | undefined;
  /** Per invalidation (distribution/id): the paths it holds, as a coverage. */
  readonly #coverage = new Map<string, Coverage>();
  /** Per invalidation that covers at least one path: its latest listing. */
  readonly #covering = new Map<string, SeenInvalidation>();
  /** Per path (distribution/path): the ids of the invalidations covering it, in the order seen. */
  readonly #coveredBy = new Map<string, string[]>();
  readonly #completedBy = new Map<string, string>();
  readonly #unknown = new Set<string>();

  /**
   * @param paths - the normalized paths per distribution, as the handler resolves the message
   * @param since - epoch milliseconds: invalidations created before (less the clock allowance) don't count
   */
  public constructor(cloudfront: CloudFrontClient, paths: ReadonlyMap<string, readonly string[]>, since: number, signal?: AbortSignal) {
    this.#cloudfront = cloudfront;
    this.#paths = paths;
    this.#since = since - CLOCK_SKEW_ALLOWANCE_MS;
    this.#signal = signal;
  }

  /** Every path is covered by a completed invalidation. */
  public get live(): boolean {
    return this.paths().every((path) => path.state === 'completed');
  }

  /** Each path and where it stands, in the message's order per distribution. */
  public paths(): WatchedPath[] {
    return [...this.#paths].flatMap(([distributionId, paths]) =>
      paths.map((path) => {
        const key = `${distributionId} ${path}`;
        const completedBy = this.#completedBy.get(key);
        if (completedBy !== undefined) return { distributionId, path, state: 'completed' as const, invalidationId: completedBy };
        const first = this.#coveredBy.get(key)?.[0];
        return first === undefined ? { distributionId, path, state: 'queued' as const } : { distributionId, path, state: 'in-progress' as const, invalidationId: first };
      }),
    );
  }

  /** The invalidations seen covering at least one of the paths, oldest first. */
  public invalidations(): SeenInvalidation[] {
    return [...this.#covering.values()].sort((a, b) => a.createTime.getTime() - b.createTime.getTime());
  }

  /**
   * Read CloudFront once for every distribution with a path not yet live.
   *
   * @returns what changed: invalidations newly seen covering a path, and covering ones newly completed
   * @throws {AwsCallError} when a call fails
   */
  public async poll(): Promise<PurgeEvent[]> {
    const events: PurgeEvent[] = [];
    for (const [distributionId, paths] of this.#paths) {
      const open = paths.filter((path) => !this.#completedBy.has(`${distributionId} ${path}`));
      if (open.length === 0) continue;
      let listed: SeenInvalidation[];
      try {
        listed = await this.#listSince(distributionId);
      } catch (error) {
        if (!(error instanceof AwsCallError) || error.code !== 'NoSuchDistribution') throw error;
        if (!this.#unknown.has(distributionId)) events.push({ kind: 'unknown-distribution', distributionId, message: error.message.split('\n')[0]! });
        this.#unknown.add(distributionId);
        continue;
      }
      await mapConcurrently(
        listed.filter((invalidation) => !this.#coverage.has(`${distributionId}/${invalidation.id}`)),
        GET_CONCURRENCY,
        (invalidation) => this.#readPaths(invalidation),
      );
      // Oldest first, so that progress lines come in the order CloudFront created the invalidations.
      for (const invalidation of listed.reverse()) {
        const key = `${distributionId}/${invalidation.id}`;
        const coverage = this.#coverage.get(key)!;
        const covered = paths.filter((path) => coverage.covers(distributionId, path));
        if (covered.length === 0) continue;
        const known = this.#covering.get(key);
        this.#covering.set(key, invalidation);
        if (known === undefined) {
          for (const path of covered) {
            const pathKey = `${distributionId} ${path}`;
            this.#coveredBy.set(pathKey, [...(this.#coveredBy.get(pathKey) ?? []), invalidation.id]);
          }
          events.push({ kind: 'created', invalidation, covers: covered.length, of: paths.length });
        }
        if (isCompleted(invalidation.status)) {
          if (known === undefined || !isCompleted(known.status)) events.push({ kind: 'completed', invalidation });
          for (const path of covered) {
            const pathKey = `${distributionId} ${path}`;
            if (!this.#completedBy.has(pathKey)) this.#completedBy.set(pathKey, invalidation.id);
          }
        }
      }
    }
    return events;
  }

  /** The distribution's invalidations created since `since`, newest first. */
  async #listSince(distributionId: string): Promise<SeenInvalidation[]> {
    const seen: SeenInvalidation[] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const output = await awsCall(`ListInvalidations ${distributionId}`, () =>
        this.#cloudfront.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: PAGE_SIZE, Marker: marker }), {
          abortSignal: this.#signal,
        }),
      );
      const list = output.InvalidationList;
      let older = false;
      for (const item of list?.Items ?? []) {
        if (item.Id === undefined || item.CreateTime === undefined) continue;
        if (item.CreateTime.getTime() < this.#since) {
          older = true;
          continue;
        }
        seen.push({ distributionId, id: item.Id, createTime: item.CreateTime, status: item.Status ?? 'InProgress' });
      }
      if (older || list?.IsTruncated !== true || list.NextMarker === undefined) break;
      marker = list.NextMarker;
    }
    return seen;
  }

  async #readPaths(invalidation: SeenInvalidation): Promise<void> {
    const { distributionId, id } = invalidation;
    const output = await awsCall(`GetInvalidation ${distributionId} ${id}`, () =>
      this.#cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }), { abortSignal: this.#signal }),
    );
    const coverage = new Coverage();
    coverage.add(distributionId, output.Invalidation?.InvalidationBatch?.Paths?.Items ?? []);
    this.#coverage.set(`${distributionId}/${id}`, coverage);
  }
}

/**
 * Is this dead-letter entry the message, or a part of it? The handler's entries name the record they were made
 * from (`SourceMessageId`) and keep its attributes: a remainder or deferred re-send carries `OriginalMessageId`
 * (the producer's message) and `RemainderOf`. An entry the queue's redrive policy moved keeps the message's own id.
 */
export function isDeadLetterOf(message: Message, messageId: string): boolean {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  return (
    message.MessageId === messageId ||
    attribute(DEAD_LETTER_ATTRIBUTES.sourceMessageId) === messageId ||
    attribute(ORIGINAL_MESSAGE_ID_ATTRIBUTE) === messageId ||
    attribute(REMAINDER_OF_ATTRIBUTE) === messageId
  );
}

/**
 * Look through the dead-letter queue, without consuming it, for the message or a part of it.
 *
 * @returns the entry, described, or undefined
 * @throws {AwsCallError} when a receive fails
 */
export async function findDeadLetter(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  messageId: string,
  io: Pick<CliIo, 'err' | 'signal'>,
): Promise<DeadLetteredMessage | undefined> {
  const messages = await peekMessages(sqs, deadLetterQueueUrl, DEAD_LETTER_SCAN_MAX, io);
  const found = messages.find((message) => isDeadLetterOf(message, messageId));
  return found === undefined ? undefined : describeMessage(found);
}

/** CloudFront says `Completed`; moto, the reference emulator, `COMPLETED`. */
export function isCompleted(status: string): boolean {
  return status.toLowerCase() === 'completed';
}

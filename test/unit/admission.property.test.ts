import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admit } from '../../lambda/plan/admission.ts';
import { isWildcard } from '../../lambda/resolve/paths.ts';
import type { AcceptedMessage, PathCount, Requested, Target } from '../../lambda/types.ts';
import { SENT_TIMESTAMP, sqsRecord } from '../helpers/factories.ts';

/**
 * admit() on random batches and budgets: nothing lost and nothing twice, never over a distribution's budget, and
 * oldest first (per distribution and kind, the paths admitted are the first distinct ones in age order, as many as fit).
 */

const DISTRIBUTIONS = ['EAAAAA', 'EBBBBB'] as const;
/** A small pool, so messages share paths; a third of them wildcards. */
const PATHS = ['/a', '/b', '/c', '/d', '/e', '/f', '/g', '/h', '/x/*', '/y/*', '/z/*', '/*'] as const;

interface GeneratedMessage {
  readonly messageId: string;
  readonly targets: readonly Target[];
  /** Seconds after SENT_TIMESTAMP it was sent: few values, so ties happen. */
  readonly sentAt: number;
  /** Seconds after SENT_TIMESTAMP its first version was enqueued (a carried attribute), when re-sent. */
  readonly firstEnqueued?: number;
  readonly receiveCount: number;
}

const targetsArb = fc.uniqueArray(
  fc.record({ distributionId: fc.constantFrom(...DISTRIBUTIONS), path: fc.constantFrom(...PATHS) }),
  { minLength: 1, maxLength: 8, selector: (target) => `${target.distributionId} ${target.path}` },
);

const batchArb: fc.Arbitrary<GeneratedMessage[]> = fc
  .array(
    fc.record(
      {
        targets: targetsArb,
        sentAt: fc.integer({ min: 0, max: 3 }),
        firstEnqueued: fc.integer({ min: -3, max: 3 }),
        receiveCount: fc.integer({ min: 1, max: 3 }),
      },
      { requiredKeys: ['targets', 'sentAt', 'receiveCount'] },
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((messages) => messages.map((message, index) => ({ ...message, messageId: `m${index}` })));

const freeArb = fc.record({ files: fc.integer({ min: 0, max: 9 }), wildcards: fc.integer({ min: 0, max: 5 }) });
const budgetsArb = fc.record({ EAAAAA: freeArb, EBBBBB: freeArb });

function recordOf(message: GeneratedMessage): SQSRecord {
  const made = sqsRecord({
    messageId: message.messageId,
    body: '{}',
    receiveCount: message.receiveCount,
    messageAttributes:
      message.firstEnqueued === undefined
        ? {}
        : { FirstEnqueuedAt: { dataType: 'Number', stringValue: String(SENT_TIMESTAMP + message.firstEnqueued * 1_000) } },
  });
  return { ...made, attributes: { ...made.attributes, SentTimestamp: String(SENT_TIMESTAMP + message.sentAt * 1_000) } };
}

function requestedOf(messages: readonly AcceptedMessage[]): Map<string, Requested> {
  const requested = new Map<string, { paths: Set<string>; messageIds: string[] }>();
  for (const { messageId, targets } of messages) {
    for (const { distributionId, path } of targets) {
      let entry = requested.get(distributionId);
      if (entry === undefined) requested.set(distributionId, (entry = { paths: new Set(), messageIds: [] }));
      entry.paths.add(path);
      entry.messageIds.push(messageId);
    }
  }
  return new Map([...requested].map(([id, { paths, messageIds }]) => [id, { paths: [...paths], messageIds }]));
}

/** The messages in the order the contract states: first enqueued first, then the most received, then batch order. */
function inAgeOrder(messages: readonly GeneratedMessage[]): GeneratedMessage[] {
  const enqueuedAt = (message: GeneratedMessage) => message.firstEnqueued ?? message.sentAt;
  return messages
    .map((message, index) => ({ message, index }))
    .sort((a, b) => enqueuedAt(a.message) - enqueuedAt(b.message) || b.message.receiveCount - a.message.receiveCount || a.index - b.index)
    .map(({ message }) => message);
}

const key = (target: Target) => `${target.distributionId} ${target.path}`;

describe('admit (property)', () => {
  it('loses nothing, admits nothing twice, stays within each budget, and admits the oldest first', () => {
    fc.assert(
      fc.property(batchArb, budgetsArb, (batch, budgets) => {
        // Prepare
        const accepted: AcceptedMessage[] = batch.map(({ messageId, targets }) => ({ messageId, targets }));
        const free = (distributionId: string): PathCount => budgets[distributionId as (typeof DISTRIBUTIONS)[number]];

        // Act
        const admission = admit(accepted, batch.map(recordOf), free, requestedOf(accepted));

        // Assess: each admitted message once, with a subset of its own targets, none of them twice
        const admittedById = new Map<string, AcceptedMessage>();
        for (const message of admission.admitted) {
          expect(admittedById.has(message.messageId)).toBe(false);
          admittedById.set(message.messageId, message);
        }
        const admittedKeys = new Set<string>();
        const waitingKeys = new Set<string>();
        for (const message of accepted) {
          const admitted = new Set((admittedById.get(message.messageId)?.targets ?? []).map(key));
          const own = new Set(message.targets.map(key));
          expect(admitted.size).toBe(admittedById.get(message.messageId)?.targets.length ?? 0);
          for (const target of admitted) expect(own.has(target)).toBe(true);
          // Every target is admitted, or waits: its distribution is among the message's waiting ones, and not both
          const waitsOn = admission.waiting.get(message.messageId);
          for (const target of message.targets) {
            const isAdmitted = admitted.has(key(target));
            expect(isAdmitted || waitsOn?.has(target.distributionId) === true).toBe(true);
            (isAdmitted ? admittedKeys : waitingKeys).add(key(target));
          }
          // A message waits on a distribution only for a target of it that was not admitted
          for (const distributionId of waitsOn?.keys() ?? []) {
            expect(message.targets.some((target) => target.distributionId === distributionId && !admitted.has(key(target)))).toBe(true);
          }
        }
        // A path is admitted for every message naming it, or waits for every one: never admitted and waiting at once
        for (const target of admittedKeys) expect(waitingKeys.has(target)).toBe(false);
        expect(admission.all).toBe(waitingKeys.size === 0);
        if (admission.all) expect(admission.admitted).toBe(accepted);

        const order = inAgeOrder(batch);
        for (const distributionId of DISTRIBUTIONS) {
          // waitingPaths: the distinct paths waiting per distribution
          const waitingHere = [...waitingKeys].filter((target) => target.startsWith(`${distributionId} `));
          expect(admission.waitingPaths.get(distributionId) ?? 0).toBe(waitingHere.length);

          for (const wildcard of [false, true]) {
            // Oldest first: the admitted paths of a kind are the first distinct ones in age order, as many as fit
            const distinct: string[] = [];
            for (const message of order) {
              for (const target of message.targets) {
                if (target.distributionId === distributionId && isWildcard(target.path) === wildcard && !distinct.includes(target.path)) distinct.push(target.path);
              }
            }
            const room = wildcard ? budgets[distributionId].wildcards : budgets[distributionId].files;
            const admittedHere = distinct.filter((path) => admittedKeys.has(`${distributionId} ${path}`));
            expect(admittedHere.length).toBeLessThanOrEqual(room);
            expect(admittedHere).toStrictEqual(distinct.slice(0, Math.min(room, distinct.length)));
          }

          // pathsAhead: the distinct paths waiting on the distribution among the messages older than it
          const seen = new Set<string>();
          for (const message of order) {
            const ahead = admission.waiting.get(message.messageId)?.get(distributionId);
            if (ahead !== undefined) expect(ahead).toBe(seen.size);
            for (const target of message.targets) if (target.distributionId === distributionId && waitingKeys.has(key(target))) seen.add(target.path);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { admit, firstEnqueuedAt } from '../../lambda/plan/admission.ts';
import type { AcceptedMessage, PathCount, Requested } from '../../lambda/types.ts';
import { MEDIA_DISTRIBUTION_ID as MEDIA, SENT_TIMESTAMP, sqsRecord, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';

/**
 * Admission of a batch's targets into CloudFront's in-progress budget: oldest message first, files and wildcards
 * budgeted apart, the rest waiting with the number of distinct paths ahead of it.
 */

/** An accepted message with its paths given as `{ distributionId: paths }`. */
function accepted(messageId: string, pathsById: Record<string, string[]>): AcceptedMessage {
  return { messageId, targets: Object.entries(pathsById).flatMap(([distributionId, paths]) => paths.map((path) => ({ distributionId, path }))) };
}

/** A record for `messageId`: sent at `sentAt`, first enqueued at `firstEnqueued` (an attribute) when given. */
function record(messageId: string, options: { sentAt?: number; firstEnqueued?: number | string; receiveCount?: number } = {}): SQSRecord {
  const made = sqsRecord({
    messageId,
    body: '{}',
    receiveCount: options.receiveCount,
    messageAttributes:
      options.firstEnqueued === undefined ? {} : { FirstEnqueuedAt: { dataType: 'Number', stringValue: String(options.firstEnqueued) } },
  });
  return options.sentAt === undefined ? made : { ...made, attributes: { ...made.attributes, SentTimestamp: String(options.sentAt) } };
}

/** What the messages ask of each distribution, as readRecords builds it. */
function requestedOf(messages: readonly AcceptedMessage[]): Map<string, Requested> {
  const paths = new Map<string, Set<string>>();
  const ids = new Map<string, string[]>();
  for (const { messageId, targets } of messages) {
    for (const { distributionId, path } of targets) {
      if (!paths.has(distributionId)) paths.set(distributionId, new Set());
      paths.get(distributionId)!.add(path);
      ids.set(distributionId, [...(ids.get(distributionId) ?? []), messageId]);
    }
  }
  return new Map([...paths].map(([id, set]) => [id, { paths: [...set], messageIds: ids.get(id)! }]));
}

/** A budget of `files` and `wildcards` free on every distribution, or per distribution. */
function budget(free: PathCount | Record<string, PathCount>): (distributionId: string) => PathCount {
  return (distributionId) => ('files' in free ? (free as PathCount) : (free as Record<string, PathCount>)[distributionId] ?? { files: 3_000, wildcards: 15 });
}

/** `count` distinct file paths under `/prefix/`. */
function files(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `/${prefix}/${index}`);
}

/** Each admitted message's id and paths, in the order admitted. */
function admittedPaths(messages: readonly AcceptedMessage[]): Array<[string, string[]]> {
  return messages.map((message) => [message.messageId, message.targets.map((target) => target.path)]);
}

/** A map of maps as plain objects, for readable comparisons. */
function plain(map: ReadonlyMap<string, ReadonlyMap<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries([...map].map(([key, inner]) => [key, Object.fromEntries(inner)]));
}

describe('admit', () => {
  it('returns the accepted messages themselves, all: true, when everything fits', () => {
    // Prepare: 2,999 files and 15 wildcards asked; 2,999 and 15 free
    const messages = [accepted('m1', { [WWW]: files('a', 2_999) }), accepted('m2', { [WWW]: Array.from({ length: 15 }, (_, i) => `/w${i}/*`) })];
    const records = messages.map(({ messageId }) => record(messageId));

    // Act
    const admission = admit(messages, records, budget({ files: 2_999, wildcards: 15 }), requestedOf(messages));

    // Assess: the same array, nothing waiting
    expect(admission.admitted).toBe(messages);
    expect(admission.all).toBe(true);
    expect(admission.waiting.size).toBe(0);
    expect(admission.waitingPaths.size).toBe(0);
  });

  it('counts a path asked by many messages once when checking that everything fits', () => {
    // Prepare: three messages name the same two paths; two files free
    const messages = ['m1', 'm2', 'm3'].map((id) => accepted(id, { [WWW]: ['/a', '/b'] }));

    // Act
    const admission = admit(messages, messages.map(({ messageId }) => record(messageId)), budget({ files: 2, wildcards: 0 }), requestedOf(messages));

    // Assess
    expect(admission.all).toBe(true);
    expect(admission.admitted).toBe(messages);
  });

  it('admits the oldest message first by its FirstEnqueuedAt attribute, over a younger SentTimestamp', () => {
    // Prepare: "resent" is a remainder re-sent now, first enqueued an hour before "fresh" was sent; one file free
    const messages = [accepted('fresh', { [WWW]: ['/fresh'] }), accepted('resent', { [WWW]: ['/resent'] })];
    const records = [record('fresh', { sentAt: SENT_TIMESTAMP }), record('resent', { sentAt: SENT_TIMESTAMP + 1_000, firstEnqueued: SENT_TIMESTAMP - 3_600_000 })];

    // Act
    const admission = admit(messages, records, budget({ files: 1, wildcards: 15 }), requestedOf(messages));

    // Assess
    expect(admission.all).toBe(false);
    expect(admittedPaths(admission.admitted)).toStrictEqual([['resent', ['/resent']]]);
    expect(plain(admission.waiting)).toStrictEqual({ fresh: { [WWW]: 0 } });
    expect(Object.fromEntries(admission.waitingPaths)).toStrictEqual({ [WWW]: 1 });
  });

  it('orders by SentTimestamp when no FirstEnqueuedAt is carried, whatever the batch order', () => {
    // Prepare: "older" comes second in the batch, sent a second earlier
    const messages = [accepted('younger', { [WWW]: ['/y'] }), accepted('older', { [WWW]: ['/o'] })];
    const records = [record('younger', { sentAt: SENT_TIMESTAMP + 1_000 }), record('older', { sentAt: SENT_TIMESTAMP })];

    // Act
    const admission = admit(messages, records, budget({ files: 1, wildcards: 15 }), requestedOf(messages));

    // Assess
    expect(admittedPaths(admission.admitted)).toStrictEqual([['older', ['/o']]]);
    expect([...admission.waiting.keys()]).toStrictEqual(['younger']);
  });

  it('ignores a FirstEnqueuedAt that is not a positive number, falling back to SentTimestamp', () => {
    // Prepare: "garbled" claims an unreadable first enqueue; it was sent after "plain"
    const messages = [accepted('garbled', { [WWW]: ['/g'] }), accepted('plain', { [WWW]: ['/p'] })];
    const records = [record('garbled', { sentAt: SENT_TIMESTAMP + 1_000, firstEnqueued: 'yesterday' }), record('plain', { sentAt: SENT_TIMESTAMP })];

    // Act
    const admission = admit(messages, records, budget({ files: 1, wildcards: 15 }), requestedOf(messages));

    // Assess
    expect(admittedPaths(admission.admitted)).toStrictEqual([['plain', ['/p']]]);
    expect(firstEnqueuedAt(records[0]!)).toBe(SENT_TIMESTAMP + 1_000);
  });

  it('breaks a tie in age by the receive count, the most received first, then keeps the batch order', () => {
    // Prepare: all sent at the same instant; "retried" was received 3 times
    const messages = [accepted('first', { [WWW]: ['/1'] }), accepted('second', { [WWW]: ['/2'] }), accepted('retried', { [WWW]: ['/3'] })];
    const records = [record('first'), record('second'), record('retried', { receiveCount: 3 })];

    // Act
    const admission = admit(messages, records, budget({ files: 2, wildcards: 15 }), requestedOf(messages));

    // Assess
    expect(admittedPaths(admission.admitted)).toStrictEqual([
      ['retried', ['/3']],
      ['first', ['/1']],
    ]);
    expect([...admission.waiting.keys()]).toStrictEqual(['second']);
  });

  it('budgets files and wildcards apart: no wildcard left does not hold back a file', () => {
    // Prepare: the older message asks a wildcard (none free), the younger a file (one free)
    const messages = [accepted('older', { [WWW]: ['/news/*'] }), accepted('younger', { [WWW]: ['/page'] })];
    const records = [record('older', { sentAt: SENT_TIMESTAMP }), record('younger', { sentAt: SENT_TIMESTAMP + 1 })];

    // Act
    const admission = admit(messages, records, budget({ files: 1, wildcards: 0 }), requestedOf(messages));

    // Assess
    expect(admittedPaths(admission.admitted)).toStrictEqual([['younger', ['/page']]]);
    expect(plain(admission.waiting)).toStrictEqual({ older: { [WWW]: 0 } });
  });

  it('budgets each distribution apart: a full one holds back nothing on another', () => {
    // Prepare: WWW has no file left; MEDIA has plenty
    const messages = [accepted('both', { [WWW]: ['/a'], [MEDIA]: ['/img/1.png'] })];

    // Act
    const admission = admit(messages, [record('both')], budget({ [WWW]: { files: 0, wildcards: 15 } }), requestedOf(messages));

    // Assess: admitted in part, its WWW path waiting
    expect(admission.admitted).toStrictEqual([{ messageId: 'both', targets: [{ distributionId: MEDIA, path: '/img/1.png' }] }]);
    expect(plain(admission.waiting)).toStrictEqual({ both: { [WWW]: 0 } });
    expect(Object.fromEntries(admission.waitingPaths)).toStrictEqual({ [WWW]: 1 });
  });

  it('charges nothing for a path admitted already: a younger message naming it is admitted whole', () => {
    // Prepare: two files free; "older" takes /a and /b; "younger" names /a and /b again
    const messages = [accepted('older', { [WWW]: ['/a', '/b', '/c'] }), accepted('younger', { [WWW]: ['/b', '/a'] })];
    const records = [record('older', { sentAt: SENT_TIMESTAMP }), record('younger', { sentAt: SENT_TIMESTAMP + 1 })];

    // Act
    const admission = admit(messages, records, budget({ files: 2, wildcards: 15 }), requestedOf(messages));

    // Assess: the younger one as it was; the older one without /c, which waits
    expect(admission.admitted).toStrictEqual([
      { messageId: 'older', targets: [{ distributionId: WWW, path: '/a' }, { distributionId: WWW, path: '/b' }] },
      messages[1],
    ]);
    expect(admission.admitted[1]).toBe(messages[1]);
    expect(plain(admission.waiting)).toStrictEqual({ older: { [WWW]: 0 } });
  });

  it('admits the boundary message in part, keeping its notes, and the rest of it waits', () => {
    // Prepare: 2,000 files in "first", 2,000 in "second"; 3,000 free
    const messages = [
      accepted('first', { [WWW]: files('a', 2_000) }),
      { ...accepted('second', { [WWW]: files('b', 2_000) }), source: 'wagtail', reason: 'bulk publish' },
    ];
    const records = [record('first', { sentAt: SENT_TIMESTAMP }), record('second', { sentAt: SENT_TIMESTAMP + 1 })];

    // Act
    const admission = admit(messages, records, budget({ files: 3_000, wildcards: 15 }), requestedOf(messages));

    // Assess
    const [first, second] = admission.admitted;
    expect(first).toBe(messages[0]);
    expect(second).toMatchObject({ messageId: 'second', source: 'wagtail', reason: 'bulk publish' });
    expect(second!.targets.map((target) => target.path)).toStrictEqual(files('b', 1_000));
    expect(plain(admission.waiting)).toStrictEqual({ second: { [WWW]: 0 } });
    expect(Object.fromEntries(admission.waitingPaths)).toStrictEqual({ [WWW]: 1_000 });
  });

  it('counts in pathsAhead the distinct paths of older messages that wait before it', () => {
    // Prepare: one file free; four messages, oldest first: m1 takes /a; m2 waits with /b and /c; m3 waits with
    // /c (already waiting) and /d; m4 waits with /e
    const messages = [
      accepted('m1', { [WWW]: ['/a'] }),
      accepted('m2', { [WWW]: ['/b', '/c'] }),
      accepted('m3', { [WWW]: ['/c', '/d'] }),
      accepted('m4', { [WWW]: ['/e'], [MEDIA]: ['/img.png'] }),
    ];
    const records = messages.map(({ messageId }, index) => record(messageId, { sentAt: SENT_TIMESTAMP + index }));

    // Act
    const admission = admit(messages, records, budget({ [WWW]: { files: 1, wildcards: 15 } }), requestedOf(messages));

    // Assess: ahead of m2 nothing, of m3 /b and /c, of m4 /b, /c and /d; m4's MEDIA path is admitted
    expect(plain(admission.waiting)).toStrictEqual({ m2: { [WWW]: 0 }, m3: { [WWW]: 2 }, m4: { [WWW]: 3 } });
    expect(Object.fromEntries(admission.waitingPaths)).toStrictEqual({ [WWW]: 4 });
    expect(admittedPaths(admission.admitted)).toStrictEqual([
      ['m1', ['/a']],
      ['m4', ['/img.png']],
    ]);
  });

  it('once a file does not fit, no later file is admitted, even one a later message alone would fit', () => {
    // Prepare: 2 files free; the oldest asks 3; the youngest asks 1
    const messages = [accepted('big', { [WWW]: ['/1', '/2', '/3'] }), accepted('small', { [WWW]: ['/4'] })];
    const records = [record('big', { sentAt: SENT_TIMESTAMP }), record('small', { sentAt: SENT_TIMESTAMP + 1 })];

    // Act
    const admission = admit(messages, records, budget({ files: 2, wildcards: 15 }), requestedOf(messages));

    // Assess: "big" in part; "small" waits behind /3
    expect(admittedPaths(admission.admitted)).toStrictEqual([['big', ['/1', '/2']]]);
    expect(plain(admission.waiting)).toStrictEqual({ big: { [WWW]: 0 }, small: { [WWW]: 1 } });
  });
});

describe('admit, with distribution tenants', () => {
  const PARENT = 'E2QWRUHEXAMPLE';
  const parentOf = (id: string) => (id.startsWith('dt_') ? PARENT : undefined);

  it('gives two tenants of one distribution its free budget once between them, oldest first', () => {
    // Prepare: 3,000 files free on the parent (and on each tenant alone); 2,000 asked of each tenant
    const messages = [accepted('a', { dt_a: files('a', 2_000) }), accepted('b', { dt_b: files('b', 2_000) })];

    // Act
    const result = admit(messages, [record('a'), record('b')], budget({ files: 3_000, wildcards: 15 }), requestedOf(messages), parentOf);

    // Assess: all of a, 1,000 of b; the rest of b waits
    expect(result.all).toBe(false);
    expect(admittedPaths(result.admitted).map(([id, paths]) => [id, paths.length])).toStrictEqual([
      ['a', 2_000],
      ['b', 1_000],
    ]);
    expect(plain(result.waiting)).toStrictEqual({ b: { dt_b: 0 } });
  });

  it('counts the distribution’s own paths against the budget its tenants share', () => {
    // Prepare: the parent itself asks 2,500, a tenant 1,000: together past its 3,000
    const messages = [accepted('p', { [PARENT]: files('p', 2_500) }), accepted('t', { dt_a: files('t', 1_000) })];

    // Act
    const result = admit(messages, [record('p'), record('t')], budget({ files: 3_000, wildcards: 15 }), requestedOf(messages), parentOf);

    // Assess
    expect(result.all).toBe(false);
    expect(admittedPaths(result.admitted).map(([id, paths]) => [id, paths.length])).toStrictEqual([
      ['p', 2_500],
      ['t', 500],
    ]);
  });

  it('admits everything at once when the parent’s budget holds all of its tenants’ paths', () => {
    const messages = [accepted('a', { dt_a: files('a', 1_000) }), accepted('b', { dt_b: files('b', 1_000) })];
    const result = admit(messages, [record('a'), record('b')], budget({ files: 3_000, wildcards: 15 }), requestedOf(messages), parentOf);
    expect(result.all).toBe(true);
  });
});

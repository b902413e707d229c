import { describe, expect, it } from 'vitest';
import type { InvalidationRecord } from '../../local/cloudfront-emulator/index.ts';
import { checkInvariant, countDuplicates, runChaos } from './chaos.ts';
import { burstCorpus, CHAOS_DISTRIBUTIONS, INVALID_KINDS, chaosCorpus, markerOf, type ChaosMessage } from './corpus.ts';
import type { DeadLetterEntry } from './dead-letters.ts';

const [WWW] = CHAOS_DISTRIBUTIONS;

/** An accepted invalidation of WWW. */
function invalidation(id: string, paths: string[], at = 0): InvalidationRecord {
  return { distributionId: WWW.id, id, callerReference: id, paths, createTime: new Date(at), status: 'Completed' };
}

function validMessage(n: number, paths: string[]): ChaosMessage {
  return { n, kind: 'valid', body: JSON.stringify({ reason: `chaos-${n}` }), paths: new Map([[WWW.id, paths]]), uniquePaths: new Map([[WWW.id, paths]]) };
}

describe('chaos corpus', () => {
  it('is the same for the same seed, about 5% invalid with every kind, about three paths a message', () => {
    // Act
    const corpus = chaosCorpus({ count: 2_000, seed: 11 });

    // Assess
    expect(chaosCorpus({ count: 2_000, seed: 11 })).toStrictEqual(corpus);
    const invalid = corpus.filter((message) => message.kind === 'invalid');
    expect(invalid.length / corpus.length).toBeGreaterThan(0.03);
    expect(invalid.length / corpus.length).toBeLessThan(0.07);
    expect(new Set(invalid.map((message) => message.code))).toStrictEqual(new Set(INVALID_KINDS));
    const paths = corpus.flatMap((message) => (message.kind === 'valid' ? [...message.paths.values()].flat() : []));
    expect(paths.length / corpus.length).toBeGreaterThan(2.5);
    expect(paths.length / corpus.length).toBeLessThan(3.5);
    corpus.forEach((message) => expect(markerOf(message.body)).toBe(message.n));
  });
});

describe('burst corpus', () => {
  it('gives every valid message 10 paths no other message names, all on one distribution; about 5% invalid', () => {
    // Act
    const corpus = burstCorpus({ count: 1_000, seed: 3 });

    // Assess
    expect(burstCorpus({ count: 1_000, seed: 3 })).toStrictEqual(corpus);
    const valid = corpus.filter((message) => message.kind === 'valid');
    const paths = valid.flatMap((message) => [...message.paths.values()].flat());
    expect(valid.every((message) => [...message.paths.keys()].join() === WWW.id)).toBe(true);
    expect(paths.length).toBe(valid.length * 10);
    expect(new Set(paths).size).toBe(paths.length);
    expect(valid.length).toBeGreaterThan(930);
    expect(valid.length).toBeLessThan(970);
    expect(valid.some((message) => message.body.includes('"urls"'))).toBe(true);
    corpus.forEach((message) => expect(markerOf(message.body)).toBe(message.n));
  });
});

describe('checkInvariant', () => {
  it('counts a valid message as lost when a path was never invalidated and it is not dead-lettered', () => {
    // Prepare
    const corpus = [validMessage(0, ['/a', '/b/c']), validMessage(1, ['/d'])];

    // Act
    const check = checkInvariant(corpus, [invalidation('I1', ['/a', '/b/*'])], []);

    // Assess
    expect(check.lost).toBe(1);
    expect(check.violations).toStrictEqual([expect.stringMatching(/^chaos-1 lost: 1 path\(s\) never invalidated \(E1CHAOSWWWEXAMPLE \/d\)/)]);
  });

  it('accepts a valid message dead-lettered with an ErrorCode, not one moved by the redrive policy', () => {
    // Prepare
    const corpus = [validMessage(0, ['/a']), validMessage(1, ['/b'])];
    const letters: DeadLetterEntry[] = [
      { body: corpus[0]!.body, errorCode: 'RetriesExhausted', errorMessage: 'CloudFront Throttling on receive 15 of 15: Rate exceeded' },
      { body: corpus[1]!.body },
    ];

    // Act
    const check = checkInvariant(corpus, [], letters);

    // Assess
    expect(check.lost).toBe(1);
    expect(check.lostBreakdown).toStrictEqual({ nowhere: 0, deadLetteredWithoutErrorCode: 1 });
    expect(check.validDeadLettered).toStrictEqual({ byCode: { RetriesExhausted: 1, BacklogExpired: 0 }, retriesExhaustedLastError: { Throttling: 1 } });
    expect(check.violations).toStrictEqual([expect.stringContaining('chaos-1 lost: 1 path(s) never invalidated (E1CHAOSWWWEXAMPLE /b) and in the dead-letter queue without an ErrorCode')]);
  });

  it('with validMayBeDeadLettered: false, counts any valid message dead-lettered as a violation, by code', () => {
    // Prepare
    const corpus = [validMessage(0, ['/a']), validMessage(1, ['/b']), validMessage(2, ['/c'])];
    const letters: DeadLetterEntry[] = [
      { body: corpus[0]!.body, errorCode: 'BacklogExpired', errorMessage: 'waited 1 h 00 min for CloudFront\'s in-progress budget' },
      { body: corpus[1]!.body, errorCode: 'RetriesExhausted', errorMessage: 'CloudFront Throttling on receive 10 of 10: Rate exceeded' },
    ];

    // Act
    const tolerant = checkInvariant(corpus, [invalidation('I1', ['/c'])], letters);
    const strict = checkInvariant(corpus, [invalidation('I1', ['/c'])], letters, { validMayBeDeadLettered: false });

    // Assess
    expect(tolerant.violations).toStrictEqual([]);
    expect(strict.lost).toBe(0);
    expect(strict.validDeadLettered.byCode).toStrictEqual({ RetriesExhausted: 1, BacklogExpired: 1 });
    expect(strict.violations).toStrictEqual(['2 valid message(s) dead-lettered (RetriesExhausted: 1, BacklogExpired: 1)']);
  });

  it('wants every invalid message dead-lettered exactly once with its code', () => {
    // Prepare
    const corpus: ChaosMessage[] = [
      { n: 0, kind: 'invalid', body: '{"reason":"chaos-0"', code: 'InvalidJson' },
      { n: 1, kind: 'invalid', body: '{"reason":"chaos-1","path":[]}', code: 'InvalidMessage' },
      { n: 2, kind: 'invalid', body: '{"reason":"chaos-2","urls":["ftp://x/"]}', code: 'InvalidUrl' },
    ];
    const letters: DeadLetterEntry[] = [
      { body: corpus[0]!.body, errorCode: 'InvalidJson' },
      { body: corpus[0]!.body, errorCode: 'InvalidJson' },
      { body: corpus[1]!.body, errorCode: 'InvalidPath' },
      { body: 'no marker' },
    ];

    // Act
    const check = checkInvariant(corpus, [], letters);

    // Assess
    expect(check.lost).toBe(1);
    expect(check.violations).toStrictEqual([
      'dead-letter entry with no known marker: no marker',
      'chaos-0 is in the dead-letter queue 2 times (InvalidJson, InvalidJson)',
      'chaos-1 was dead-lettered with InvalidPath, expected InvalidMessage',
      'chaos-2 (invalid, InvalidUrl) is not in the dead-letter queue',
    ]);
  });
});

describe('countDuplicates', () => {
  it('counts message-unique paths accepted again, and invalidations that brought nothing new', () => {
    // Prepare
    const corpus = [validMessage(0, ['/a', '/b']), validMessage(1, ['/c'])];
    const invalidations = [invalidation('I1', ['/', '/a', '/b'], 1), invalidation('I2', ['/', '/a', '/c'], 2), invalidation('I3', ['/', '/a'], 3)];

    // Act
    const duplicates = countDuplicates(corpus, invalidations);

    // Assess: "/" is shared by design; "/a" was accepted three times; I3 brought no unique path for the first time.
    expect(duplicates).toStrictEqual({ repeatedInvalidations: 1, pathsInvalidatedMoreThanOnce: 1, extraPathInvalidations: 2 });
  });
});

describe('chaos run (200 messages, seed 405)', () => {
  it(
    'loses nothing: every valid path invalidated or dead-lettered with a code, every invalid message dead-lettered once with its code, the queue empty',
    async () => {
      // Act: seed 405 draws a throw (after 1 call) and a hang (after 2) for the first two invocations, which run at once,
      // then no crash for six: the run crashes both ways and still ends in about 20 s.
      const progress: string[] = [];
      const report = await runChaos({
        messages: 200,
        seed: 405,
        burst: 100,
        throwRate: 0.25,
        hangRate: 0.15,
        drainTimeoutMs: 40_000,
        onProgress: (line) => progress.push(line),
      });

      // Assess
      // Progress from the start, not only once every message is sent (npm run chaos prints these on stderr).
      expect(progress.filter((line) => !/^\d+ s: sent \d+ of/.test(line)).slice(0, 3)).toStrictEqual([
        'starting the local stack (fauxqs, the CloudFront emulator, the poller); 200 messages to send, seed 405',
        expect.stringMatching(/^sending: a burst of 100, then \d+ a second$/),
        expect.stringMatching(/^sent 200 messages in \d+ ms$/),
      ]);
      expect(progress.at(-1)).toMatch(/^\d+ s: drained; reading the dead-letter queue and checking every message$/);
      expect(report.violations).toStrictEqual([]);
      expect(report.lost).toBe(0);
      expect(report.ok).toBe(true);
      expect(report.queueLeft).toBe(0);
      expect(report.drained).toBe(true);
      for (const [code, count] of Object.entries(report.invalidByCode)) expect(report.deadLettered[code], code).toBe(count);
      expect(report.crashes.fired.throw + report.crashes.fired.hang).toBeGreaterThan(0);
      expect(report.retries.sdkRetries).toBeGreaterThan(0);
    },
    60_000,
  );
});

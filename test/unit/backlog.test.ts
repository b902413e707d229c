import { describe, expect, it } from 'vitest';
import { Backlog, formatDuration } from '../../lambda/settle/backlog.ts';
import type { InProgressSnapshot } from '../../lambda/submit/in-progress.ts';
import { SENT_TIMESTAMP, sqsRecord, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';

/**
 * Backlog: when a waiting message should look again (paced by the invalidations in progress, not by backoff), how
 * long it has waited, and when it has waited too long.
 */

/** The defaults: an invalidation takes 60 s, recheck after at least 15 s, give up after 24 h. */
const SETTINGS = { invalidationSeconds: 60, backlogRecheckSeconds: 15, maxBacklogAgeSeconds: 86_400 };
const NOW = SENT_TIMESTAMP + 60_000;

function snapshot(fields: Partial<InProgressSnapshot> = {}): InProgressSnapshot {
  return { known: true, files: 0, wildcards: 0, invalidations: 0, ...fields };
}

/** A record sent at SENT_TIMESTAMP, carrying FirstEnqueuedAt when given. */
function record(firstEnqueuedAt?: number) {
  return sqsRecord({
    body: '{}',
    messageAttributes: firstEnqueuedAt === undefined ? {} : { FirstEnqueuedAt: { dataType: 'Number', stringValue: String(firstEnqueuedAt) } },
  });
}

describe('Backlog.delaySeconds', () => {
  it('rechecks after backlogRecheckSeconds when nothing is known to be in progress', () => {
    // Prepare: no snapshot of the distribution, nothing created
    const backlog = new Backlog(new Map(), new Map(), SETTINGS, NOW);

    // Act + Assess
    expect(backlog.delaySeconds(WWW, 0)).toBe(15);
  });

  it('waits invalidationSeconds when the batch itself created the oldest invalidation in progress', () => {
    // Prepare: nothing in progress before the batch; it created one
    const backlog = new Backlog(new Map([[WWW, snapshot()]]), new Map([[WWW, 1]]), SETTINGS, NOW);

    // Act + Assess
    expect(backlog.delaySeconds(WWW, 0)).toBe(60);
  });

  it('waits until the oldest invalidation in progress is invalidationSeconds old', () => {
    // Prepare: one created 20.5 s ago (CloudFront's clock), another created by the batch
    const backlog = new Backlog(new Map([[WWW, snapshot({ files: 2_990, invalidations: 1, oldestCreatedAt: NOW - 20_500 })]]), new Map([[WWW, 1]]), SETTINGS, NOW);

    // Act + Assess: 39.5 s, rounded up
    expect(backlog.delaySeconds(WWW, 0)).toBe(40);
  });

  it('rechecks after backlogRecheckSeconds when the oldest in progress was created long ago', () => {
    // Prepare: it should have completed 10 minutes ago
    const backlog = new Backlog(new Map([[WWW, snapshot({ files: 3_000, invalidations: 1, oldestCreatedAt: NOW - 11 * 60_000 })]]), new Map(), SETTINGS, NOW);

    // Act + Assess
    expect(backlog.delaySeconds(WWW, 0)).toBe(15);
  });

  it.each([
    [2_999, 60],
    [3_000, 120],
    [6_500, 180],
    [8_999, 180],
  ])('adds invalidationSeconds per full 3,000 paths ahead: %i paths ahead -> %i s', (pathsAhead, seconds) => {
    // Prepare: the batch created the oldest invalidation in progress
    const backlog = new Backlog(new Map(), new Map([[WWW, 1]]), SETTINGS, NOW);

    // Act + Assess
    expect(backlog.delaySeconds(WWW, pathsAhead)).toBe(seconds);
  });

  it('adds the rounds ahead to the recheck when nothing is in progress', () => {
    // Prepare
    const backlog = new Backlog(new Map(), new Map(), SETTINGS, NOW);

    // Act + Assess: 15 + 60
    expect(backlog.delaySeconds(WWW, 3_000)).toBe(75);
  });

  it('is at most SQS’s 900 s', () => {
    // Prepare
    const backlog = new Backlog(new Map(), new Map([[WWW, 1]]), SETTINGS, NOW);

    // Act + Assess: 60 + 100 x 60 would be 6,060 s
    expect(backlog.delaySeconds(WWW, 300_000)).toBe(900);
  });
});

describe('Backlog age', () => {
  it('is the seconds since the first version was enqueued, from FirstEnqueuedAt when carried', () => {
    // Prepare
    const backlog = new Backlog(new Map(), new Map(), SETTINGS, NOW);

    // Act + Assess: sent a minute ago; or first enqueued two hours before it was sent
    expect(backlog.ageSeconds(record())).toBe(60);
    expect(backlog.ageSeconds(record(SENT_TIMESTAMP - 2 * 3_600_000))).toBe(7_260);
  });

  it('is 0 when neither FirstEnqueuedAt nor SentTimestamp is known, and never negative', () => {
    // Prepare: a record without attributes; one from a clock ahead of ours
    const backlog = new Backlog(new Map(), new Map(), SETTINGS, NOW);
    const unknown = { ...record(), attributes: { ...record().attributes, SentTimestamp: '' } };

    // Act + Assess
    expect(backlog.ageSeconds(unknown)).toBe(0);
    expect(backlog.expired(unknown)).toBe(false);
    expect(backlog.ageSeconds(record(NOW + 5_000))).toBe(0);
  });

  it('expires a message once it has waited maxBacklogAge, not a second before', () => {
    // Prepare
    const backlog = new Backlog(new Map(), new Map(), SETTINGS, NOW);

    // Act + Assess
    expect(backlog.expired(record(NOW - 86_400_000 + 1_000))).toBe(false);
    expect(backlog.expired(record(NOW - 86_400_000))).toBe(true);
    expect(backlog.expired(record(NOW - 3 * 86_400_000))).toBe(true);
  });
});

describe('Backlog per distribution', () => {
  it('counts the paths in progress before the batch, and the invalidations with those it created', () => {
    // Prepare
    const backlog = new Backlog(new Map([[WWW, snapshot({ files: 2_990, wildcards: 3, invalidations: 2, oldestCreatedAt: NOW })]]), new Map([[WWW, 1]]), SETTINGS, NOW);

    // Act + Assess
    expect(backlog.pathsInProgress(WWW)).toBe(2_993);
    expect(backlog.invalidationsInProgress(WWW)).toBe(3);
    expect(backlog.pathsInProgress('EUNKNOWN')).toBe(0);
    expect(backlog.invalidationsInProgress('EUNKNOWN')).toBe(0);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [40, '40 s'],
    [59.6, '1 min 00 s'],
    [750, '12 min 30 s'],
    [3_599, '59 min 59 s'],
    [3_600, '1 h 00 min'],
    [3_900, '1 h 05 min'],
    [86_400, '24 h 00 min'],
  ])('%d s reads %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

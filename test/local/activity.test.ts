import { describe, expect, it } from 'vitest';
import { formatActivity, type LocalActivity } from '../../local/activity.ts';

// A fixed local time, so the HH:MM:SS prefix is known.
const AT = new Date(2026, 10, 26, 9, 5, 7);

describe('formatActivity', () => {
  it.each<[string, LocalActivity, string]>([
    [
      'an invalidation, with its first paths',
      { kind: 'invalidation', distributionId: 'E1', invalidationId: 'I1', paths: ['/a', '/b', '/c', '/d', '/e'], pathCount: 5, messages: 2 },
      '09:05:07 CreateInvalidation E1 I1: 5 paths from 2 messages: /a /b /c /d (+1 more)',
    ],
    [
      'a transient failure',
      { kind: 'invalidation-failed', distributionId: 'E1', errorCode: 'Throttling', errorMessage: 'Rate exceeded', transient: true, messages: 1 },
      '09:05:07 CreateInvalidation E1 failed: Throttling (transient; 1 message will be retried): Rate exceeded',
    ],
    [
      'a remainder put back on the queue',
      { kind: 'remainder', messageId: 'm1', distributionId: 'E1', paths: 1000, delaySeconds: 30 },
      '09:05:07 Remainder of m1: 1000 paths for E1 back on the queue, due in 30 s',
    ],
    [
      'a dead-lettered message',
      { kind: 'dead-lettered', messageId: 'm2', errorCode: 'InvalidJson', errorMessage: 'body is not valid JSON' },
      '09:05:07 Dead-lettered m2: InvalidJson: body is not valid JSON',
    ],
  ])('says %s in one line', (_name, activity, line) => {
    expect(formatActivity(activity, AT)).toBe(line);
  });
});

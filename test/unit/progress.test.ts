import { describe, expect, it } from 'vitest';
import { failedMessages } from '../../lambda/settle/progress.ts';
import type { FailedOutcome, InvalidationRequest, Submitted } from '../../lambda/types.ts';

function request(messageIds: string[]): InvalidationRequest {
  return { distributionId: 'EDFDVBD6EXAMPLE', paths: ['/a'], messageIds, callerReference: `cfiq-${messageIds.join('-')}` };
}

const waiting: FailedOutcome = { kind: 'waiting', code: 'InProgressLimit', message: 'waiting' };
const transient: FailedOutcome = { kind: 'transient', code: 'Throttling', message: 'Rate exceeded' };
const permanent: FailedOutcome = { kind: 'permanent', code: 'AccessDenied', message: 'denied' };

describe('failedMessages', () => {
  it.each([
    ['transient, then waiting', [transient, waiting], 'transient'],
    ['waiting, then transient', [waiting, transient], 'transient'],
    ['permanent, then transient', [permanent, transient], 'permanent'],
    ['waiting, then permanent', [waiting, permanent], 'permanent'],
    ['waiting, then waiting', [waiting, waiting], 'waiting'],
  ] as const)('gives a message of two failed requests (%s) the heavier failure, whatever their order', (_name, outcomes, expected) => {
    // Prepare: m1 contributes to both requests
    const submitted: Submitted[] = outcomes.map((outcome, index) => ({ request: request(['m1', `other${index}`]), outcome }));

    // Act
    const failures = failedMessages(submitted);

    // Assess: a transient failure spends a receive and ends as RetriesExhausted; waiting alone never does
    expect(failures.get('m1')?.kind).toBe(expected);
  });

  it('leaves out the messages whose requests were all created', () => {
    const failures = failedMessages([{ request: request(['m1']), outcome: { kind: 'created', invalidationId: 'I1', status: 'InProgress' } }]);
    expect(failures.size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { collapseUnderBacklog, estimatedOwedPaths } from '../../lambda/plan/backlog-collapse.ts';
import { requestedPaths } from '../../lambda/plan/plan.ts';
import type { AcceptedMessage } from '../../lambda/types.ts';

const E1 = 'EDFDVBD6EXAMPLE';
const E2 = 'E2QWRUHEXAMPLE';

function message(messageId: string, distributionId: string, paths: readonly string[]): AcceptedMessage {
  return { messageId, targets: paths.map((path) => ({ distributionId, path })) };
}

/** `count` pages directly under `/dir/`. */
const pages = (dir: string, count: number) => Array.from({ length: count }, (_, index) => `/${dir}/${index}.html`);

describe('estimatedOwedPaths', () => {
  it('scales the batch’s distinct paths by the messages on the queue per message of the batch', () => {
    expect(estimatedOwedPaths({ batchPaths: 10_000, batchMessages: 1_000, queueMessages: 6_000 })).toBe(60_000);
  });

  it('counts the batch alone when the queue depth is unknown, or smaller than the batch', () => {
    expect(estimatedOwedPaths({ batchPaths: 2_500, batchMessages: 100, queueMessages: undefined })).toBe(2_500);
    expect(estimatedOwedPaths({ batchPaths: 2_500, batchMessages: 100, queueMessages: 40 })).toBe(2_500);
  });
});

describe('collapseUnderBacklog', () => {
  const options = { minPathsPerDirectory: 10, whenBacklogRoundsAbove: 3 };

  it('collapses a distribution owing more than the rounds, and maps every message’s covered paths to the wildcard', () => {
    // Prepare: 3 messages, 30 pages under /news/ and one page elsewhere; 9,001 paths owed (just over 3 rounds)
    const accepted = [message('m1', E1, [...pages('news', 15), '/about.html']), message('m2', E1, pages('news', 30).slice(15)), message('m3', E1, ['/news/0.html'])];

    // Act
    const result = collapseUnderBacklog(accepted, requestedPaths(accepted), options, () => 9_001, () => 15);

    // Assess
    expect(result?.collapsed).toStrictEqual(new Map([[E1, { wildcards: ['/news/*'], replacedPaths: 30 }]]));
    expect(result?.accepted.map(({ targets }) => targets.map(({ path }) => path))).toStrictEqual([['/news/*', '/about.html'], ['/news/*'], ['/news/*']]);
  });

  it('leaves a distribution owing exactly the rounds, and one with no wildcard free, untouched', () => {
    // Prepare
    const accepted = [message('m1', E1, pages('news', 30)), message('m2', E2, pages('img', 30))];

    // Act
    const result = collapseUnderBacklog(accepted, requestedPaths(accepted), options, (id) => (id === E1 ? 9_000 : 50_000), (id) => (id === E2 ? 0 : 15));

    // Assess
    expect(result).toBeUndefined();
  });

  it('never chooses more wildcards than the distribution has free in progress', () => {
    // Prepare: 5 directories worth collapsing, 2 wildcards free
    const accepted = [message('m1', E1, ['a', 'b', 'c', 'd', 'e'].flatMap((dir) => pages(dir, 12)))];

    // Act
    const result = collapseUnderBacklog(accepted, requestedPaths(accepted), options, () => 100_000, () => 2);

    // Assess
    expect(result?.collapsed.get(E1)?.wildcards).toHaveLength(2);
    expect(result?.accepted[0]!.targets.filter(({ path }) => path.endsWith('*'))).toHaveLength(2);
    expect(result?.accepted[0]!.targets).toHaveLength(2 + 3 * 12);
  });

  it('keeps the messages that nothing collapsed as the same objects', () => {
    // Prepare
    const untouched = message('m2', E2, ['/x']);
    const accepted = [message('m1', E1, pages('news', 12)), untouched];

    // Act
    const result = collapseUnderBacklog(accepted, requestedPaths(accepted), options, (id) => (id === E1 ? 10_000 : 1), () => 15);

    // Assess
    expect(result?.accepted[1]).toBe(untouched);
  });
});

/**
 * Run `task` on every item, at most `limit` at a time, and return the results in the items' order. The SQS
 * bookkeeping of a large batch is many small calls: one at a time they add up, all at once they would meet
 * SQS's throttling and the SDK's socket pool.
 *
 * @example
 * await mapConcurrently(groups, 5, (group) => send(group));
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** `items` in consecutive groups of at most `size`. */
export function groupsOf<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) groups.push(items.slice(start, start + size));
  return groups;
}

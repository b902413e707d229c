/**
 * A binary min-heap, ordered by `before`: the simulation's event queue and its SQS visibility queue are both one.
 *
 * @example
 * const heap = new MinHeap<number>((a, b) => a < b);
 * heap.push(3); heap.push(1); heap.pop(); // 1
 */
export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #before: (a: T, b: T) => boolean;

  /** @param before - whether `a` comes out before `b`; items neither before the other keep no particular order */
  public constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  public get size(): number {
    return this.#items.length;
  }

  public peek(): T | undefined {
    return this.#items[0];
  }

  public push(item: T): void {
    const items = this.#items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(items[index]!, items[parent]!)) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  public pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && this.#before(items[left]!, items[smallest]!)) smallest = left;
      if (right < items.length && this.#before(items[right]!, items[smallest]!)) smallest = right;
      if (smallest === index) return top;
      [items[index], items[smallest]] = [items[smallest]!, items[index]!];
      index = smallest;
    }
  }
}

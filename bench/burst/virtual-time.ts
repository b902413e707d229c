import { MinHeap } from './min-heap.ts';

/**
 * Simulated time for the burst scenario: a clock that moves only from one scheduled event to the next, and a
 * `sleep` that the simulated AWS calls await, so the handler's own async code runs unchanged in virtual time.
 */

interface ScheduledEvent {
  readonly at: number;
  /** Ties run in the order they were scheduled. */
  readonly seq: number;
  readonly run: () => void;
}

/** Events by time, then by scheduling order. */
function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * A virtual clock in milliseconds since the start of the simulation.
 *
 * @example
 * const clock = new VirtualClock();
 * clock.schedule(5_000, () => console.log(clock.now)); // 5000
 * await clock.run({ untilMs: 60_000 });
 */
export class VirtualClock {
  #now = 0;
  #seq = 0;
  readonly #events = new MinHeap<ScheduledEvent>(before);

  /** Milliseconds since the start. */
  public get now(): number {
    return this.#now;
  }

  /** Run `run` at `atMs` (now, if that is past). */
  public schedule(atMs: number, run: () => void): void {
    this.#events.push({ at: Math.max(atMs, this.#now), seq: this.#seq++, run });
  }

  /** A promise that resolves `ms` later in virtual time. */
  public sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(this.#now + ms, resolve));
  }

  /**
   * Run events in time order until none is left or the next is past `untilMs`. Between two events every promise
   * chain the last one resumed runs to its next `sleep` (a macrotask turn drains the microtasks), so async code
   * sees time move only where it awaits a simulated call.
   *
   * @returns whether the run stopped at `untilMs` with events still pending
   */
  public async run(options: { readonly untilMs: number }): Promise<boolean> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const next = this.#events.pop();
      if (next === undefined) return false;
      if (next.at > options.untilMs) {
        this.#events.push(next);
        return true;
      }
      this.#now = next.at;
      next.run();
    }
  }
}

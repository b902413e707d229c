import { mulberry32 } from './random.ts';
import type { FaultKind, FaultOptions } from './types.ts';

const FAULT_KEYS: ReadonlySet<string> = new Set(['seed', 'throttleRate', 'serviceUnavailableRate', 'connectionResetRate']);

/**
 * Decides, request by request, whether to answer with a fault. Each call to `next()` draws exactly one number,
 * so the faults depend only on the seed and the order of requests.
 */
export class FaultInjector {
  private options: FaultOptions | undefined;
  private random: () => number = () => 1;
  private readonly injected: Record<FaultKind, number> = { throttling: 0, serviceUnavailable: 0, connectionReset: 0 };

  public constructor(options?: FaultOptions) {
    this.set(options);
  }

  /**
   * Replaces the settings and restarts the sequence from the seed; `undefined` turns faults off.
   *
   * @throws TypeError on an unknown key or a seed that is not an unsigned 32-bit integer
   * @throws RangeError when a rate is outside [0, 1] or the rates add up to more than 1
   */
  public set(options: FaultOptions | undefined): void {
    if (options !== undefined) validateFaultOptions(options);
    this.options = options;
    this.random = options === undefined ? () => 1 : mulberry32(options.seed);
  }

  /** The current settings, if any. */
  public get settings(): FaultOptions | undefined {
    return this.options;
  }

  /** The fault for the next request, or undefined to answer it normally. */
  public next(): FaultKind | undefined {
    if (this.options === undefined) return undefined;
    const draw = this.random();
    const { throttleRate = 0, serviceUnavailableRate = 0, connectionResetRate = 0 } = this.options;
    let fault: FaultKind | undefined;
    if (draw < throttleRate) fault = 'throttling';
    else if (draw < throttleRate + serviceUnavailableRate) fault = 'serviceUnavailable';
    else if (draw < throttleRate + serviceUnavailableRate + connectionResetRate) fault = 'connectionReset';
    if (fault) this.injected[fault]++;
    return fault;
  }

  /** Faults injected since construction or the last `reset()`. */
  public counts(): Record<FaultKind, number> {
    return { ...this.injected };
  }

  /** Zeroes the counts and restarts the sequence from the seed. */
  public reset(): void {
    this.injected.throttling = 0;
    this.injected.serviceUnavailable = 0;
    this.injected.connectionReset = 0;
    this.set(this.options);
  }
}

function validateFaultOptions(options: FaultOptions): void {
  const unknown = Object.keys(options).filter((key) => !FAULT_KEYS.has(key));
  if (unknown.length > 0) throw new TypeError(`faults: unknown option(s) ${unknown.join(', ')}`);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffff_ffff) {
    throw new TypeError(`faults.seed must be an unsigned 32-bit integer (given ${options.seed})`);
  }
  let total = 0;
  for (const key of ['throttleRate', 'serviceUnavailableRate', 'connectionResetRate'] as const) {
    const rate = options[key] ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new RangeError(`faults.${key} must be between 0 and 1 inclusive (given ${rate})`);
    }
    total += rate;
  }
  if (total > 1 + 1e-9) throw new RangeError(`faults: the rates must add up to at most 1 (given ${total})`);
}

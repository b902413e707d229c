import { Metrics } from '@aws-lambda-powertools/metrics';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../lambda/defaults.ts';
import type { MetricName } from '../lambda/metrics.ts';

export interface LocalMetricsOptions {
  /** Also print the EMF JSON lines on each flush, as Lambda would. @default false */
  readonly verbose?: boolean;
  /** Publish each metric as it is added (Powertools' singleMetric). @default false */
  readonly singleMetric?: boolean;
}

/**
 * The handler's Powertools Metrics, for local mode: it adds up every metric for summaries (the demo's) and prints
 * the EMF JSON only when asked.
 */
export class LocalMetrics extends Metrics {
  // Plain fields, not #private: Metrics' constructor may call overridden methods before a subclass's fields exist.
  private totals?: Map<string, number>;
  private verbose?: boolean;

  public constructor(options: LocalMetricsOptions = {}) {
    super({ namespace: DEFAULT_METRICS_NAMESPACE, serviceName: DEFAULT_SERVICE_NAME, singleMetric: options.singleMetric ?? false });
    this.totals = new Map();
    this.verbose = options.verbose ?? false;
  }

  public override addMetric(...[name, unit, value, resolution]: Parameters<Metrics['addMetric']>): this {
    this.totals?.set(name, (this.totals.get(name) ?? 0) + value);
    return super.addMetric(name, unit, value, resolution);
  }

  public override publishStoredMetrics(): this {
    if (this.verbose) return super.publishStoredMetrics();
    this.clearMetrics();
    this.clearDimensions();
    return this;
  }

  /**
   * The handler's per-distribution gauges are single metrics: printed only when verbose too (Powertools' own would
   * print every one).
   */
  public override singleMetric(): Metrics {
    return new LocalMetrics({ verbose: this.verbose ?? false, singleMetric: true });
  }

  /** The sum of every value recorded for a metric since start. */
  public total(name: MetricName): number {
    return this.totals?.get(name) ?? 0;
  }
}

import { Metrics } from '@aws-lambda-powertools/metrics';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../lambda/defaults.ts';
import type { GaugeName, MetricName } from '../lambda/metrics.ts';

export interface LocalMetricsOptions {
  /** Also print the EMF JSON lines on each flush, as Lambda would. @default false */
  readonly verbose?: boolean;
}

/**
 * The handler's Powertools Metrics, for local mode: it adds up every metric for summaries (the demo's) and prints
 * the EMF JSON only when asked.
 */
export class LocalMetrics extends Metrics {
  // Plain fields, not #private: Metrics' constructor may call overridden methods before a subclass's fields exist.
  private totals?: Map<string, number>;
  private verbose?: boolean;
  private latest?: Map<string, number>;

  public constructor(options: LocalMetricsOptions = {}) {
    super({ namespace: DEFAULT_METRICS_NAMESPACE, serviceName: DEFAULT_SERVICE_NAME });
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
   * The handler's per-distribution gauges come through Powertools' `singleMetric()`, which would print each at once:
   * keep their latest values instead, and print them only when verbose.
   */
  public override singleMetric(): Metrics {
    return new LocalSingleMetric((name, dimensions, value) => {
      this.latest ??= new Map();
      this.latest.set(gaugeKey(name, dimensions.DistributionId), value);
    }, this.verbose ?? false);
  }

  /** The latest value of a per-distribution gauge (lambda/metrics.ts GAUGES), if the handler reported one. */
  public gauge(name: GaugeName, distributionId: string): number | undefined {
    return this.latest?.get(gaugeKey(name, distributionId));
  }

  /** The sum of every value recorded for a metric since start. */
  public total(name: MetricName): number {
    return this.totals?.get(name) ?? 0;
  }
}

function gaugeKey(name: string, distributionId: string | undefined): string {
  return `${name}\u0000${distributionId ?? ''}`;
}

/** One single metric of the handler's (a gauge with its dimensions): recorded, printed only when verbose. */
class LocalSingleMetric extends Metrics {
  private dimensions?: Record<string, string>;
  private readonly record?: (name: string, dimensions: Record<string, string>, value: number) => void;
  private readonly print?: boolean;

  public constructor(record: (name: string, dimensions: Record<string, string>, value: number) => void, print: boolean) {
    super({ namespace: DEFAULT_METRICS_NAMESPACE, serviceName: DEFAULT_SERVICE_NAME, singleMetric: true });
    this.record = record;
    this.print = print;
    this.dimensions = {};
  }

  public override addDimensions(...[dimensions]: Parameters<Metrics['addDimensions']>): this {
    this.dimensions = { ...this.dimensions, ...(dimensions as Record<string, string>) };
    return super.addDimensions(dimensions);
  }

  public override addMetric(...[name, unit, value, resolution]: Parameters<Metrics['addMetric']>): this {
    this.record?.(name, this.dimensions ?? {}, value);
    if (this.print) return super.addMetric(name, unit, value, resolution);
    return this;
  }
}

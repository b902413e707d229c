import { Metrics } from '@aws-lambda-powertools/metrics';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../lambda/defaults.ts';
import { GAUGES, type GaugeName, type MetricName } from '../lambda/metrics.ts';
import type { LocalGauges } from './local-state.ts';

export interface LocalMetricsOptions {
  /** Also print the EMF JSON lines on each flush, as Lambda would. @default false */
  readonly verbose?: boolean;
  /** Told the latest gauges after each one the handler reports (per distribution: PathsWaiting, ...). */
  readonly onGauges?: (gauges: LocalGauges) => void;
  /** The clock, for the gauges' times. @default Date.now */
  readonly now?: () => number;
}

const GAUGE_NAMES: ReadonlySet<string> = new Set(Object.values(GAUGES));

/**
 * The handler's Powertools Metrics, for local mode: it adds up every metric for summaries (the demo's), keeps the
 * latest value of each per-distribution gauge (for `cfiq status`), and prints the EMF JSON only when asked.
 */
export class LocalMetrics extends Metrics {
  // Plain fields, not #private: Metrics' constructor may call overridden methods before a subclass's fields exist.
  private totals?: Map<string, number>;
  private verbose?: boolean;
  private latestGauges?: LocalGauges;
  private onGauges?: ((gauges: LocalGauges) => void) | undefined;
  private now?: () => number;

  public constructor(options: LocalMetricsOptions = {}) {
    super({ namespace: DEFAULT_METRICS_NAMESPACE, serviceName: DEFAULT_SERVICE_NAME });
    this.totals = new Map();
    this.verbose = options.verbose ?? false;
    this.latestGauges = {};
    this.onGauges = options.onGauges;
    this.now = options.now ?? Date.now;
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
   * A metric published at once, as the handler's gauges are: recorded here (the latest value per distribution), and
   * printed as EMF only with `verbose`, like the rest.
   */
  public override singleMetric(): Metrics {
    return new LocalSingleMetric(this.verbose ?? false, (name, value, dimensions) => this.recordGauge(name, value, dimensions));
  }

  /** The sum of every value recorded for a metric since start. */
  public total(name: MetricName): number {
    return this.totals?.get(name) ?? 0;
  }

  /** The latest value of each gauge, per distribution: what `cfiq status` shows for local mode. */
  public gauges(): LocalGauges {
    return structuredClone(this.latestGauges ?? {});
  }

  private recordGauge(name: string, value: number, dimensions: Readonly<Record<string, string>>): void {
    const distributionId = dimensions.DistributionId;
    if (distributionId === undefined || !GAUGE_NAMES.has(name)) return;
    const gauges = (this.latestGauges ??= {});
    gauges[distributionId] = { ...gauges[distributionId], [name as GaugeName]: { value, at: new Date((this.now ?? Date.now)()).toISOString() } };
    this.onGauges?.(this.gauges());
  }
}

/** One metric with its own dimensions, handed to `record`; EMF printed only when `verbose`. */
class LocalSingleMetric extends Metrics {
  private verbose?: boolean;
  private record?: (name: string, value: number, dimensions: Readonly<Record<string, string>>) => void;
  private dimensions?: Record<string, string>;

  public constructor(verbose: boolean, record: (name: string, value: number, dimensions: Readonly<Record<string, string>>) => void) {
    super({ namespace: DEFAULT_METRICS_NAMESPACE, serviceName: DEFAULT_SERVICE_NAME, singleMetric: true });
    this.verbose = verbose;
    this.record = record;
    this.dimensions = {};
  }

  public override addDimension(name: string, value: string): this {
    (this.dimensions ??= {})[name] = value;
    return super.addDimension(name, value);
  }

  public override addDimensions(dimensions: Record<string, string>): this {
    Object.assign((this.dimensions ??= {}), dimensions);
    return super.addDimensions(dimensions);
  }

  public override addMetric(...[name, unit, value, resolution]: Parameters<Metrics['addMetric']>): this {
    this.record?.(name, value, this.dimensions ?? {});
    // A single metric prints as soon as it is added: only when asked.
    return this.verbose ? super.addMetric(name, unit, value, resolution) : this;
  }
}

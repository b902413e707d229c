import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GAUGES } from '../../lambda/metrics.ts';
import type { LocalGauges } from '../local-state.ts';
import { awsCall } from './errors.ts';

/**
 * What waits on each distribution, as the handler last reported it (its per-distribution gauges): read from
 * CloudWatch on AWS, from the state file of `cfiq local`. Undefined values mean nothing was reported, which `cfiq
 * status` shows as "no data", never as 0.
 */

/** One gauge's latest value and when it was reported. */
export interface GaugeReading {
  readonly value: number;
  readonly at: Date;
}

export interface BacklogGauges {
  readonly pathsWaiting?: GaugeReading;
  readonly oldestWaitingAgeSeconds?: GaugeReading;
}

/** How far back CloudWatch is read for the latest value: the handler reports only when a batch runs. */
export const GAUGE_LOOKBACK_MS = 3 * 60 * 60 * 1000;
/** GetMetricData takes at most 500 queries a call. */
const MAX_QUERIES = 500;

export interface CloudWatchGaugeQuery {
  readonly namespace: string;
  readonly service: string;
  readonly distributionIds: readonly string[];
  /** Epoch milliseconds. */
  readonly now: number;
  readonly signal?: AbortSignal;
}

/**
 * The latest PathsWaiting and OldestWaitingAgeSeconds of each distribution within {@link GAUGE_LOOKBACK_MS}, with
 * GetMetricData (maximum per minute, newest first; dimensions `service` and `DistributionId`, as the handler's EMF).
 *
 * @throws {AwsCallError} when CloudWatch cannot be read
 */
export async function readCloudWatchGauges(client: CloudWatchClient, query: CloudWatchGaugeQuery): Promise<Map<string, BacklogGauges>> {
  const { GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
  const metrics = [
    { key: 'pathsWaiting', name: GAUGES.pathsWaiting },
    { key: 'oldestWaitingAgeSeconds', name: GAUGES.oldestWaitingAge },
  ] as const;
  const queries = query.distributionIds.flatMap((distributionId, index) =>
    metrics.map((metric, metricIndex) => ({
      Id: `d${index}_m${metricIndex}`,
      distributionId,
      key: metric.key,
      MetricStat: {
        Metric: {
          Namespace: query.namespace,
          MetricName: metric.name,
          Dimensions: [
            { Name: 'service', Value: query.service },
            { Name: 'DistributionId', Value: distributionId },
          ],
        },
        Period: 60,
        Stat: 'Maximum',
      },
    })),
  );
  const latest = new Map<string, GaugeReading>();
  for (let start = 0; start < queries.length; start += MAX_QUERIES) {
    const slice = queries.slice(start, start + MAX_QUERIES);
    let nextToken: string | undefined;
    do {
      const output = await awsCall('GetMetricData', () =>
        client.send(
          new GetMetricDataCommand({
            StartTime: new Date(query.now - GAUGE_LOOKBACK_MS),
            EndTime: new Date(query.now),
            ScanBy: 'TimestampDescending',
            MetricDataQueries: slice.map(({ Id, MetricStat }) => ({ Id, MetricStat, ReturnData: true })),
            NextToken: nextToken,
          }),
          { abortSignal: query.signal },
        ),
      );
      for (const result of output.MetricDataResults ?? []) {
        const timestamps = result.Timestamps ?? [];
        const values = result.Values ?? [];
        // Newest first, but keep the newest across pages whatever order a page has.
        timestamps.forEach((at, position) => {
          const value = values[position];
          const known = latest.get(result.Id ?? '');
          if (value !== undefined && (known === undefined || at.getTime() > known.at.getTime())) latest.set(result.Id ?? '', { value, at });
        });
      }
      nextToken = output.NextToken;
    } while (nextToken !== undefined);
  }
  const gauges = new Map<string, BacklogGauges>();
  for (const distributionId of query.distributionIds) gauges.set(distributionId, {});
  for (const { Id, distributionId, key } of queries) {
    const reading = latest.get(Id);
    if (reading !== undefined) gauges.set(distributionId, { ...gauges.get(distributionId), [key]: reading });
  }
  return gauges;
}

/** The gauges a running `cfiq local` last wrote to its state file. */
export function localBacklogGauges(gauges: LocalGauges, distributionIds: readonly string[]): Map<string, BacklogGauges> {
  const reading = (entry: { value: number; at: string } | undefined) => (entry === undefined ? undefined : { value: entry.value, at: new Date(entry.at) });
  return new Map(
    distributionIds.map((distributionId) => {
      const own = gauges[distributionId] ?? {};
      const pathsWaiting = reading(own[GAUGES.pathsWaiting]);
      const oldestWaitingAgeSeconds = reading(own[GAUGES.oldestWaitingAge]);
      return [distributionId, { ...(pathsWaiting ? { pathsWaiting } : {}), ...(oldestWaitingAgeSeconds ? { oldestWaitingAgeSeconds } : {}) }];
    }),
  );
}

import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../../lambda/defaults.ts';
import { formatDuration } from '../../lambda/settle/backlog.ts';
import { InProgressReader } from '../../lambda/submit/in-progress.ts';
import { sendGetInvalidation, sendListInvalidations } from '../../lambda/submit/invalidation-api.ts';
import { STACK_OUTPUTS } from '../../lib/stack-outputs.ts';
import { findInvalidatorSettings } from '../settings.ts';
import { integerFlag, parseCommandLine } from './args.ts';
import { AwsCallError, awsCall, awsErrorHint, EXIT_CODES, UsageError } from './errors.ts';
import { GAUGE_LOOKBACK_MS, localBacklogGauges, readCloudWatchGauges, type BacklogGauges } from './backlog-gauges.ts';
import type { CliIo } from './io.ts';
import { formatTable, isoSeconds } from './table.ts';
import { isLoopback, Targets } from './targets.ts';

export const STATUS_HELP = `Usage: cfiq status [options]

For each distribution: the invalidations in progress (and their paths), the paths waiting for CloudFront's
in-progress budget and how long the oldest has waited (the handler's PathsWaiting and OldestWaitingAgeSeconds
gauges: CloudWatch on AWS, cfiq local's own when it runs in this directory; "no data" when nothing was reported
in the last ${GAUGE_LOOKBACK_MS / 3_600_000} h), then its recent invalidations, newest first: id, status, creation time and path count.

  --distribution ID     a distribution, or distribution tenant (dt_...), to show; repeat for several
                        [default: the configured distributions and their tenants, all of them]
  --config FILE         the configuration naming the distributions (a cdk.json, or its "invalidator" object)
                        [default: cfiq local's, else ./cdk.json's "invalidator" context]
  --max N               recent invalidations per distribution, 1 to 100  [default: 10]
  --json                print JSON
  --endpoint-url URL    the CloudFront endpoint  [env AWS_ENDPOINT_URL_CLOUDFRONT, AWS_ENDPOINT_URL; cfiq local's
                        when it runs in this directory]
  --namespace NS        the handler's metrics namespace  [default: the stack's MetricsNamespace output, else
                        ${DEFAULT_METRICS_NAMESPACE}]
  --service NAME        the handler's service dimension  [default: the stack's ServiceName output, else
                        ${DEFAULT_SERVICE_NAME}]
  --stack NAME          the stack to read those outputs from  [env CFIQ_STACK, default CloudFrontInvalidationQueue]
  --region REGION       CloudWatch's region  [env AWS_REGION, AWS_DEFAULT_REGION]

Exit codes: 0 shown, 1 invalid configuration, 2 usage, 3 AWS error (e.g. NoSuchDistribution, AccessDenied).

Example (with cfiq local running in this directory, or the stack deployed):
  cfiq status --max 3`;

const OPTIONS = {
  distribution: { type: 'string', multiple: true },
  config: { type: 'string' },
  max: { type: 'string' },
  json: { type: 'boolean' },
  'endpoint-url': { type: 'string' },
  namespace: { type: 'string' },
  service: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
} as const;

/** GetInvalidation calls in flight at once: CloudFront's API is rate limited per account. */
const DETAIL_CONCURRENCY = 4;

export interface InvalidationStatusRow {
  readonly distributionId: string;
  readonly invalidationId: string;
  readonly status: string;
  readonly createTime?: string;
  readonly paths?: number;
  readonly callerReference?: string;
}

/** One distribution as `cfiq status --json` prints it. Waiting values are null when nothing was reported. */
export interface DistributionStatus {
  readonly distributionId: string;
  readonly inProgress: { readonly invalidations: number; readonly paths: number; readonly wildcards: number };
  readonly waiting: {
    readonly paths: number | null;
    readonly oldestAgeSeconds: number | null;
    /** When the handler last reported them (ISO 8601), or null. */
    readonly reportedAt: string | null;
    /** Where they were read: CloudWatch, cfiq local, or nowhere (an emulator without CloudWatch, or no access). */
    readonly source: 'cloudwatch' | 'local' | 'unavailable';
  };
  readonly invalidations: readonly InvalidationStatusRow[];
}

/** `cfiq status`. */
export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(argv, OPTIONS, false);
  if (values.help) {
    io.out(STATUS_HELP);
    return EXIT_CODES.ok;
  }
  const max = integerFlag('max', values.max, 10, 1, 100);
  const targets = new Targets(values, io, { endpointFlagService: 'CLOUDFRONT', quiet: values.json === true });
  let distributions = values.distribution ?? [];
  if (distributions.length === 0) {
    const settings = findInvalidatorSettings(targets.configFile(values.config), io.cwd);
    // Each distribution, then its distribution tenants (their own invalidations: the tenant API).
    distributions =
      settings?.config.distributions.flatMap((distribution) => [distribution.id, ...(distribution.tenants ?? []).map((tenant) => tenant.id)]) ??
      [...(targets.local()?.distributionIds ?? [])];
    if (distributions.length === 0) throw new UsageError('no distribution given and no configuration found: pass --distribution ID or --config FILE');
  }
  const cloudfront = targets.cloudfront();
  try {
    const now = Date.now();
    const reader = new InProgressReader();
    const statuses: DistributionStatus[] = [];
    const read: Array<{ distributionId: string; invalidations: InvalidationStatusRow[]; snapshot: Awaited<ReturnType<InProgressReader['read']>> }> = [];
    for (const distributionId of distributions) {
      const invalidations = await recentInvalidations(cloudfront, distributionId, max);
      const snapshot = await reader.read(cloudfront, distributionId, now, io.signal);
      if (snapshot.error !== undefined) {
        const [code = 'UnknownError', ...rest] = snapshot.error.split(': ');
        throw new AwsCallError(`ListInvalidations ${distributionId}`, code, rest.join(': '), { hint: awsErrorHint(`ListInvalidations ${distributionId}`, code, rest.join(': ')) });
      }
      read.push({ distributionId, invalidations, snapshot });
    }
    // The gauges after CloudFront: when AWS cannot be reached at all, CloudFront's error is the one to read.
    const gauges = await backlogGauges(targets, values, distributions, now, io);
    for (const { distributionId, invalidations, snapshot } of read) {
      const waiting = gauges.values.get(distributionId) ?? {};
      const reportedAt = [waiting.pathsWaiting?.at, waiting.oldestWaitingAgeSeconds?.at].filter((at): at is Date => at !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
      statuses.push({
        distributionId,
        inProgress: { invalidations: snapshot.invalidations, paths: snapshot.files + snapshot.wildcards, wildcards: snapshot.wildcards },
        waiting: {
          paths: waiting.pathsWaiting?.value ?? null,
          oldestAgeSeconds: waiting.oldestWaitingAgeSeconds?.value ?? null,
          reportedAt: reportedAt === undefined ? null : reportedAt.toISOString(),
          source: gauges.source,
        },
        invalidations,
      });
    }
    if (values.json) {
      io.out(JSON.stringify({ distributions: statuses }, null, 2));
      return EXIT_CODES.ok;
    }
    for (const line of formatStatus(statuses, now, gauges.source)) io.out(line);
    return EXIT_CODES.ok;
  } finally {
    cloudfront.destroy();
    targets.destroy();
  }
}

/**
 * The gauges of every distribution: cfiq local's when it runs here, else CloudWatch's, unless CloudFront is an
 * emulator with no CloudWatch beside it. A CloudWatch that cannot be read gives a warning, not a failure.
 */
async function backlogGauges(
  targets: Targets,
  values: { namespace?: string | undefined; service?: string | undefined },
  distributionIds: readonly string[],
  now: number,
  io: CliIo,
): Promise<{ values: Map<string, BacklogGauges>; source: DistributionStatus['waiting']['source'] }> {
  const local = targets.local();
  if (local !== undefined) return { values: localBacklogGauges(local.gauges, distributionIds), source: 'local' };
  const cloudfrontEndpoint = targets.clientConfig('CLOUDFRONT').endpoint;
  const config = targets.clientConfig('CLOUDWATCH');
  if (cloudfrontEndpoint !== undefined && isLoopback(cloudfrontEndpoint) && config.endpoint === undefined) return { values: new Map(), source: 'unavailable' };
  try {
    const named = values.namespace !== undefined && values.service !== undefined ? {} : await metricsNames(targets, io);
    const namespace = values.namespace ?? named.namespace ?? DEFAULT_METRICS_NAMESPACE;
    const service = values.service ?? named.service ?? DEFAULT_SERVICE_NAME;
    const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
    const client = new CloudWatchClient(config);
    try {
      return { values: await readCloudWatchGauges(client, { namespace, service, distributionIds, now, signal: io.signal }), source: 'cloudwatch' };
    } finally {
      client.destroy();
    }
  } catch (error) {
    if (!(error instanceof AwsCallError)) throw error;
    io.err(`cfiq status: warning: the waiting paths are unknown: ${error.message}`);
    return { values: new Map(), source: 'unavailable' };
  }
}

/** The stack's metrics namespace and service outputs; none (with a note) when the stack cannot be read: the defaults then apply. */
async function metricsNames(targets: Targets, io: CliIo): Promise<{ namespace?: string; service?: string }> {
  try {
    const namespace = await targets.stackOutput(STACK_OUTPUTS.metricsNamespace);
    const service = await targets.stackOutput(STACK_OUTPUTS.serviceName);
    return { ...(namespace !== undefined ? { namespace } : {}), ...(service !== undefined ? { service } : {}) };
  } catch (error) {
    if (!(error instanceof AwsCallError)) throw error;
    io.err(
      `cfiq status: note: stack ${targets.stackName} not read (${error.code}); reading the metrics of namespace ${DEFAULT_METRICS_NAMESPACE}, ` +
        `service ${DEFAULT_SERVICE_NAME} unless --namespace and --service are given`,
    );
    return {};
  }
}

/** The summary table, then the recent invalidations of each distribution (a line for one with none). */
export function formatStatus(statuses: readonly DistributionStatus[], now: number, source: DistributionStatus['waiting']['source']): string[] {
  const noData = source === 'unavailable' ? 'unknown' : 'no data';
  const summary = statuses.map(({ distributionId, inProgress, waiting }) => [
    distributionId,
    inProgress.invalidations === 0 ? '0' : `${inProgress.invalidations} (${inProgress.paths.toLocaleString('en-US')} path${inProgress.paths === 1 ? '' : 's'})`,
    waiting.paths === null ? noData : `${waiting.paths.toLocaleString('en-US')} path${waiting.paths === 1 ? '' : 's'}`,
    waiting.oldestAgeSeconds === null ? noData : formatDuration(waiting.oldestAgeSeconds),
    waiting.reportedAt === null ? '-' : `${formatDuration(Math.max(0, (now - Date.parse(waiting.reportedAt)) / 1000))} ago`,
  ]);
  const lines = formatTable(['DISTRIBUTION', 'IN PROGRESS', 'WAITING', 'OLDEST WAITING', 'REPORTED'], summary);
  lines.push('');
  const rows = statuses.flatMap(({ distributionId, invalidations }) =>
    invalidations.length === 0
      ? [[distributionId, '(none)', '-', '-', '-']]
      : invalidations.map((row) => [row.distributionId, row.invalidationId, row.status, row.createTime ?? '-', String(row.paths ?? '-')]),
  );
  lines.push(...formatTable(['DISTRIBUTION', 'INVALIDATION', 'STATUS', 'CREATED', 'PATHS'], rows));
  return lines;
}

/** The newest `max` invalidations of a distribution with their path counts. @throws {AwsCallError} */
export async function recentInvalidations(cloudfront: CloudFrontClient, distributionId: string, max: number): Promise<InvalidationStatusRow[]> {
  // A distribution tenant's (`dt_...`) through ListInvalidationsForDistributionTenant and its Get.
  const list = await awsCall(`ListInvalidations ${distributionId}`, () => sendListInvalidations(cloudfront, distributionId, { maxItems: max }));
  const items = (list?.Items ?? []).slice(0, max);
  const rows: InvalidationStatusRow[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index]!;
      const invalidation = await awsCall(`GetInvalidation ${distributionId} ${item.Id}`, () => sendGetInvalidation(cloudfront, distributionId, item.Id ?? ''));
      const batch = invalidation?.InvalidationBatch;
      rows[index] = {
        distributionId,
        invalidationId: item.Id ?? '',
        status: invalidation?.Status ?? item.Status ?? '-',
        ...(item.CreateTime ? { createTime: isoSeconds(item.CreateTime) } : {}),
        ...(batch?.Paths?.Quantity !== undefined ? { paths: batch.Paths.Quantity } : {}),
        ...(batch?.CallerReference ? { callerReference: batch.CallerReference } : {}),
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(DETAIL_CONCURRENCY, items.length) }, worker));
  return rows.sort((a, b) => (b.createTime ?? '').localeCompare(a.createTime ?? ''));
}

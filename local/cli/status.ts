import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { sendGetInvalidation, sendListInvalidations } from '../../lambda/submit/invalidation-api.ts';
import { findInvalidatorSettings } from '../settings.ts';
import { integerFlag, parseCommandLine } from './args.ts';
import { EXIT_CODES, UsageError, awsCall } from './errors.ts';
import type { CliIo } from './io.ts';
import { formatTable, isoSeconds } from './table.ts';
import { Targets } from './targets.ts';

export const STATUS_HELP = `Usage: cfiq status [options]

Show recent invalidations of each distribution, newest first: id, status, creation time and path count
(ListInvalidations, then GetInvalidation for each).

  --distribution ID     a distribution, or distribution tenant (dt_...), to show; repeat for several
                        [default: the configured distributions and their tenants]
  --config FILE         the configuration naming the distributions (a cdk.json, or its "invalidator" object)
                        [default: ./cdk.json's "invalidator" context]
  --max N               invalidations per distribution  [default: 10]
  --json                print JSON
  --endpoint-url URL    the CloudFront endpoint  [env AWS_ENDPOINT_URL_CLOUDFRONT, AWS_ENDPOINT_URL]

Exit codes: 0 shown, 1 invalid configuration, 2 usage, 3 AWS error (e.g. NoSuchDistribution, AccessDenied).`;

const OPTIONS = {
  distribution: { type: 'string', multiple: true },
  config: { type: 'string' },
  max: { type: 'string' },
  json: { type: 'boolean' },
  'endpoint-url': { type: 'string' },
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

/** `cfiq status`. */
export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(argv, OPTIONS, false);
  if (values.help) {
    io.out(STATUS_HELP);
    return EXIT_CODES.ok;
  }
  const max = integerFlag('max', values.max, 10, 1, 100);
  let distributions = values.distribution ?? [];
  if (distributions.length === 0) {
    const settings = findInvalidatorSettings(values.config, io.cwd);
    if (settings === undefined) throw new UsageError('no distribution given and no configuration found: pass --distribution ID or --config FILE');
    // Each distribution, then its distribution tenants (their own invalidations: the tenant API).
    distributions = settings.config.distributions.flatMap((distribution) => [distribution.id, ...(distribution.tenants ?? []).map((tenant) => tenant.id)]);
  }
  const targets = new Targets(values, io);
  const cloudfront = targets.cloudfront();
  try {
    const rows: InvalidationStatusRow[] = [];
    for (const distributionId of distributions) rows.push(...(await recentInvalidations(cloudfront, distributionId, max)));
    if (values.json) {
      io.out(JSON.stringify(rows, null, 2));
      return EXIT_CODES.ok;
    }
    if (rows.length === 0) {
      io.out(`No invalidations for ${distributions.join(', ')}.`);
      return EXIT_CODES.ok;
    }
    const table = rows.map((row) => [row.distributionId, row.invalidationId, row.status, row.createTime ?? '-', String(row.paths ?? '-')]);
    for (const line of formatTable(['DISTRIBUTION', 'INVALIDATION', 'STATUS', 'CREATED', 'PATHS'], table)) io.out(line);
    return EXIT_CODES.ok;
  } finally {
    cloudfront.destroy();
  }
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

// Over 250 lines on purpose: the one schema of the invalidator's configuration (distributions, tenants, limits,
// collapse) with its cross-field checks, and the handler's settings read from its environment, so that the handler,
// the CLI, local mode and the construct validate alike.
import * as z from 'zod/mini';
import { ConfigurationError } from './errors.ts';
import {
  DEFAULT_BACKLOG_RECHECK_SECONDS,
  DEFAULT_INVALIDATION_SECONDS,
  DEFAULT_KEY_PREFIX,
  DEFAULT_MAX_BACKLOG_AGE_SECONDS,
  DEFAULT_MAX_RECEIVE_COUNT,
  DEFAULT_MIN_PATHS_PER_DIRECTORY,
  DEFAULT_PATH_PREFIX,
  DEFAULT_RETRY_BASE_DELAY_SECONDS,
  DEFAULT_RETRY_MAX_DELAY_SECONDS,
} from './defaults.ts';
import {
  MAX_MAX_RECEIVE_COUNT,
  MAX_BACKLOG_AGE_SECONDS,
  MAX_BACKLOG_ROUNDS,
  MAX_PATHS_PER_INVALIDATION,
  MAX_S3_KEY_BYTES,
  MAX_SQS_DELAY_SECONDS,
  MAX_VISIBILITY_TIMEOUT_SECONDS,
  MAX_WILDCARDS_IN_PROGRESS,
  MIN_MAX_BACKLOG_AGE_SECONDS,
  MIN_MAX_RECEIVE_COUNT,
} from './limits.ts';
import { formatIssues } from './read/issue-format.ts';
import { isPathPrefix } from './resolve/bucket-keys.ts';

/**
 * The invalidator's configuration: one schema for the handler (`INVALIDATOR_CONFIG`), the CDK construct's props,
 * the CLI and local mode.
 */

/** A CloudFront distribution id, e.g. `EDFDVBD6EXAMPLE`. */
export const distributionIdSchema = z
  .string()
  .check(z.regex(/^[A-Z0-9]{1,64}$/, 'must be a CloudFront distribution id: 1 to 64 uppercase letters and digits'));

const HOSTNAME_PATTERN = /^\.?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV6_PATTERN = /^\[[0-9a-f:.]+\]$/;

/**
 * A hostname a distribution serves: an exact name (`www.example.org`), a domain with a leading dot matching it
 * and all its subdomains (`.example.org`), or `*` matching any host. Case-insensitive; stored lower-case.
 */
export const hostnameSchema = z
  .pipe(z.string(), z.transform((name: string) => name.toLowerCase()))
  .check(
    z.refine(
      (name) => name === '*' || HOSTNAME_PATTERN.test(name) || IPV6_PATTERN.test(name),
      'must be a hostname (www.example.org), a domain with a leading dot (.example.org) or "*"',
    ),
  );

/** A CloudFront distribution tenant id (CloudFront SaaS Manager), e.g. `dt_2wjDZi3hD1ivOXf6rpZJO1AB`. */
export const tenantIdSchema = z
  .string()
  .check(z.regex(/^dt_[A-Za-z0-9]{1,61}$/, 'must be a CloudFront distribution tenant id: "dt_" and 1 to 61 letters and digits'));

/** A distribution tenant of a multi-tenant distribution, with the hostnames it serves. */
export const tenantSchema = z.strictObject({
  id: tenantIdSchema,
  hostnames: z.optional(z.array(hostnameSchema)),
});

export const distributionSchema = z.strictObject({
  id: distributionIdSchema,
  hostnames: z.optional(z.array(hostnameSchema)),
  /** The distribution tenants of a multi-tenant distribution: a URL whose host a tenant serves is invalidated on it. */
  tenants: z.optional(z.array(tenantSchema)),
  /**
   * Route a URL whose host no configured distribution or tenant serves by asking CloudFront which tenant of this
   * multi-tenant distribution serves it (GetDistributionTenantByDomain), cached per warm container. Off when absent.
   */
  tenantLookup: z.optional(z.boolean()),
});

/**
 * An S3 bucket's name, e.g. `example-site`: 3 to 63 lowercase letters, digits, dots and hyphens today; buckets made
 * in us-east-1 before March 2018 may have up to 255 characters, capitals and underscores (AWS's own examples, such as
 * `DOC-EXAMPLE-BUCKET1`, do), so those are accepted too.
 */
export const bucketNameSchema = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/,
      'must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens (up to 255, with capitals and underscores, for older buckets)',
    ),
  );

/**
 * A bucket whose object changes invalidate a distribution, or a distribution tenant (see lambda/resolve/bucket-keys.ts): a key under
 * `keyPrefix`, without it, after `pathPrefix`, is the path; with `indexDocument`, `blog/index.html` also invalidates
 * `/blog/`. Several entries may name one bucket (several distributions, or several key prefixes).
 */
export const bucketSchema = z.strictObject({
  name: bucketNameSchema,
  /** The distribution its objects are served by; or, instead, `tenantId` (exactly one of them). */
  distributionId: z.optional(distributionIdSchema),
  /** A configured distribution tenant its objects are served by (its `dt_` id), instead of `distributionId`. */
  tenantId: z.optional(tenantIdSchema),
  keyPrefix: z._default(z.string().check(z.maxLength(MAX_S3_KEY_BYTES)), DEFAULT_KEY_PREFIX),
  pathPrefix: z._default(
    z.string().check(z.refine(isPathPrefix, 'must be an invalidation path starting and ending with "/", without "*" or "?" (e.g. "/" or "/static/")')),
    DEFAULT_PATH_PREFIX,
  ),
  indexDocument: z.optional(z.string().check(z.regex(/^[^/]+$/, 'must be a file name without "/" (e.g. "index.html")'))),
});

/** An integer from `min` to `max`, `fallback` when absent. */
function limit(min: number, max: number, fallback: number) {
  return z._default(z.int().check(z.minimum(min), z.maximum(max)), fallback);
}

/** The handler's configuration (`INVALIDATOR_CONFIG`): distributions, per-request limits, wildcard collapse. */
export const invalidatorConfigSchema = z
  .strictObject({
    distributions: z.array(distributionSchema).check(z.minLength(1, 'must name at least one distribution')),
    maxPathsPerInvalidation: limit(1, MAX_PATHS_PER_INVALIDATION, MAX_PATHS_PER_INVALIDATION),
    maxWildcardsPerInvalidation: limit(1, MAX_WILDCARDS_IN_PROGRESS, MAX_WILDCARDS_IN_PROGRESS),
    /**
     * Opt-in: within one batch, replace the paths of a directory holding at least `minPathsPerDirectory` of them by
     * `directory/*` when that bills fewer paths (never more wildcards than `maxWildcardsPerInvalidation`). Off when absent.
     * With `whenBacklogRoundsAbove`, only while a distribution owes more than that many rounds of CloudFront's
     * in-progress limit (3,000 paths each), and within the wildcards it has free in progress (plan/backlog-collapse.ts).
     */
    wildcardCollapse: z.optional(
      z.strictObject({
        minPathsPerDirectory: limit(2, MAX_PATHS_PER_INVALIDATION, DEFAULT_MIN_PATHS_PER_DIRECTORY),
        whenBacklogRoundsAbove: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_BACKLOG_ROUNDS))),
      }),
    ),
    /** S3 buckets whose object changes (S3 event notifications, or S3 events through EventBridge) invalidate paths. */
    buckets: z.optional(z.array(bucketSchema)),
  })
  .check(
    z.superRefine((config, ctx) => {
      const ids = new Set<string>();
      const hostnames = new Map<string, string>();
      config.distributions.forEach((distribution, index) => {
        if (ids.has(distribution.id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['distributions', index, 'id'],
            input: distribution.id,
            message: `duplicate distribution id "${distribution.id}"`,
          });
        }
        ids.add(distribution.id);
        distribution.hostnames?.forEach((hostname, hostIndex) => {
          const owner = hostnames.get(hostname);
          if (owner !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['distributions', index, 'hostnames', hostIndex],
              input: hostname,
              message: `duplicate hostname "${hostname}" (already mapped to ${owner})`,
            });
          }
          hostnames.set(hostname, distribution.id);
        });
        distribution.tenants?.forEach((tenant, tenantIndex) => {
          if (ids.has(tenant.id)) {
            ctx.addIssue({
              code: 'custom',
              path: ['distributions', index, 'tenants', tenantIndex, 'id'],
              input: tenant.id,
              message: `duplicate tenant id "${tenant.id}"`,
            });
          }
          ids.add(tenant.id);
          tenant.hostnames?.forEach((hostname, hostIndex) => {
            const owner = hostnames.get(hostname);
            if (owner !== undefined) {
              ctx.addIssue({
                code: 'custom',
                path: ['distributions', index, 'tenants', tenantIndex, 'hostnames', hostIndex],
                input: hostname,
                message: `duplicate hostname "${hostname}" (already mapped to ${owner})`,
              });
            }
            hostnames.set(hostname, tenant.id);
          });
        });
      });
      checkBuckets(config, ctx);
    }),
  );

/** Each bucket entry names exactly one configured distribution or distribution tenant, and no entry is given twice. */
function checkBuckets(
  config: {
    readonly distributions: ReadonlyArray<z.output<typeof distributionSchema>>;
    readonly buckets?: ReadonlyArray<z.output<typeof bucketSchema>> | undefined;
  },
  ctx: z.core.$RefinementCtx,
): void {
  const distributionIds = config.distributions.map((distribution) => distribution.id);
  const tenantIds = config.distributions.flatMap((distribution) => (distribution.tenants ?? []).map((tenant) => tenant.id));
  const seen = new Set<string>();
  config.buckets?.forEach((bucket, index) => {
    if ((bucket.distributionId === undefined) === (bucket.tenantId === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['buckets', index],
        input: bucket.name,
        message: 'must name exactly one of distributionId and tenantId (a distribution tenant)',
      });
      return;
    }
    if (bucket.tenantId !== undefined && !tenantIds.includes(bucket.tenantId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['buckets', index, 'tenantId'],
        input: bucket.tenantId,
        message: `must be a configured distribution tenant (configured: ${tenantIds.join(', ') || 'none'})`,
      });
    }
    if (bucket.distributionId !== undefined && !distributionIds.includes(bucket.distributionId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['buckets', index, 'distributionId'],
        input: bucket.distributionId,
        message: `must be a configured distribution (configured: ${distributionIds.join(', ')})`,
      });
    }
    const target = bucket.tenantId ?? bucket.distributionId;
    const entry = JSON.stringify([bucket.name, bucket.keyPrefix, target]);
    if (seen.has(entry)) {
      ctx.addIssue({
        code: 'custom',
        path: ['buckets', index],
        input: bucket.name,
        message: `duplicate bucket source: "${bucket.name}" with keyPrefix ${JSON.stringify(bucket.keyPrefix)} for ${target}`,
      });
    }
    seen.add(entry);
  });
}

/** The configuration as written (limits optional). */
export type InvalidatorConfigInput = z.input<typeof invalidatorConfigSchema>;
/** The validated configuration, defaults applied. */
export type InvalidatorConfig = z.output<typeof invalidatorConfigSchema>;
export type DistributionConfig = z.output<typeof distributionSchema>;
/** A bucket source as configured (`keyPrefix`, `pathPrefix` optional). */
export type BucketConfigInput = z.input<typeof bucketSchema>;
/** A validated bucket source, defaults applied. */
export type BucketConfig = z.output<typeof bucketSchema>;
export type TenantConfig = z.output<typeof tenantSchema>;

/**
 * Validate a configuration object.
 *
 * @example
 * parseInvalidatorConfig({ distributions: [{ id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org'] }] });
 * @param value - the configuration, already parsed from JSON
 * @param source - how to name the configuration in errors (an environment variable, a context key)
 * @throws {ConfigurationError} naming every bad field and the value given
 */
export function parseInvalidatorConfig(value: unknown, source = 'INVALIDATOR_CONFIG'): InvalidatorConfig {
  const result = invalidatorConfigSchema.safeParse(value, { reportInput: true });
  if (!result.success) {
    throw new ConfigurationError(`${source} is invalid: ${formatIssues(result.error.issues)}`);
  }
  return result.data;
}

/** Parse a configuration given as JSON text. @throws {ConfigurationError} */
export function parseInvalidatorConfigJson(text: string | undefined, source = 'INVALIDATOR_CONFIG'): InvalidatorConfig {
  if (text === undefined || text.trim() === '') {
    throw new ConfigurationError(
      `${source} is not set: give it a JSON object such as {"distributions":[{"id":"EDFDVBD6EXAMPLE","hostnames":["www.example.org"]}]}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseInvalidatorConfig(value, source);
}

/** Everything the handler reads from its environment, validated once at cold start. */
export interface HandlerSettings {
  readonly config: InvalidatorConfig;
  /** Where permanently failing messages are sent, with their reason. */
  readonly deadLetterQueueUrl: string;
  /** The queue's maxReceiveCount: at the last receive, a transient failure dead-letters the message with its reason. */
  readonly maxReceiveCount: number;
  readonly retryBaseDelaySeconds: number;
  readonly retryMaxDelaySeconds: number;
  /** How long a message may wait for the in-progress budget before it is dead-lettered (`BacklogExpired`). */
  readonly maxBacklogAgeSeconds: number;
  /** The time CloudFront takes at least to complete an invalidation: paces waiting messages. */
  readonly invalidationSeconds: number;
  /** How often a waiting message looks again once the invalidations ahead of it are overdue. */
  readonly backlogRecheckSeconds: number;
  /** The DynamoDB table of send leases (send-lease.ts); absent: concurrent invocations do not take turns. */
  readonly leaseTableName?: string;
}

/** Names of the handler's environment variables. */
export const ENVIRONMENT = {
  config: 'INVALIDATOR_CONFIG',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  maxReceiveCount: 'MAX_RECEIVE_COUNT',
  retryBaseDelaySeconds: 'RETRY_BASE_DELAY_SECONDS',
  retryMaxDelaySeconds: 'RETRY_MAX_DELAY_SECONDS',
  maxBacklogAgeSeconds: 'MAX_BACKLOG_AGE_SECONDS',
  invalidationSeconds: 'INVALIDATION_SECONDS',
  backlogRecheckSeconds: 'BACKLOG_RECHECK_SECONDS',
  leaseTableName: 'LEASE_TABLE_NAME',
} as const;

/**
 * Read and validate the handler's settings from the environment.
 *
 * @throws {ConfigurationError} naming the variable and the value given
 */
export function loadHandlerSettings(env: Readonly<Record<string, string | undefined>>): HandlerSettings {
  const config = parseInvalidatorConfigJson(env[ENVIRONMENT.config], ENVIRONMENT.config);
  const deadLetterQueueUrl = env[ENVIRONMENT.deadLetterQueueUrl];
  if (deadLetterQueueUrl === undefined || !/^https?:\/\/\S+$/.test(deadLetterQueueUrl)) {
    throw new ConfigurationError(
      `${ENVIRONMENT.deadLetterQueueUrl} must be the dead-letter queue's URL (given ${JSON.stringify(deadLetterQueueUrl ?? null)})`,
    );
  }
  const maxReceiveCount = integerSetting(env, ENVIRONMENT.maxReceiveCount, DEFAULT_MAX_RECEIVE_COUNT, MIN_MAX_RECEIVE_COUNT, MAX_MAX_RECEIVE_COUNT);
  const retryBaseDelaySeconds = integerSetting(
    env,
    ENVIRONMENT.retryBaseDelaySeconds,
    DEFAULT_RETRY_BASE_DELAY_SECONDS,
    0,
    MAX_VISIBILITY_TIMEOUT_SECONDS,
  );
  const retryMaxDelaySeconds = integerSetting(
    env,
    ENVIRONMENT.retryMaxDelaySeconds,
    DEFAULT_RETRY_MAX_DELAY_SECONDS,
    retryBaseDelaySeconds,
    MAX_VISIBILITY_TIMEOUT_SECONDS,
  );
  const maxBacklogAgeSeconds = integerSetting(env, ENVIRONMENT.maxBacklogAgeSeconds, DEFAULT_MAX_BACKLOG_AGE_SECONDS, MIN_MAX_BACKLOG_AGE_SECONDS, MAX_BACKLOG_AGE_SECONDS);
  const invalidationSeconds = integerSetting(env, ENVIRONMENT.invalidationSeconds, DEFAULT_INVALIDATION_SECONDS, 1, MAX_SQS_DELAY_SECONDS);
  const backlogRecheckSeconds = integerSetting(env, ENVIRONMENT.backlogRecheckSeconds, DEFAULT_BACKLOG_RECHECK_SECONDS, 1, MAX_SQS_DELAY_SECONDS);
  return {
    config,
    deadLetterQueueUrl,
    maxReceiveCount,
    retryBaseDelaySeconds,
    retryMaxDelaySeconds,
    maxBacklogAgeSeconds,
    invalidationSeconds,
    backlogRecheckSeconds,
    ...leaseTableSetting(env),
  };
}

/** LEASE_TABLE_NAME, when set: a DynamoDB table name (3 to 255 letters, digits, `_`, `-`, `.`). */
function leaseTableSetting(env: Readonly<Record<string, string | undefined>>): { leaseTableName?: string } {
  const name = env[ENVIRONMENT.leaseTableName];
  if (name === undefined || name === '') return {};
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(name)) {
    throw new ConfigurationError(`${ENVIRONMENT.leaseTableName} must be a DynamoDB table name (given ${JSON.stringify(name)})`);
  }
  return { leaseTableName: name };
}

function integerSetting(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`${name} must be an integer from ${min} to ${max} (given ${JSON.stringify(text)})`);
  }
  return value;
}

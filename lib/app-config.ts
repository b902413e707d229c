import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { parseInvalidatorConfig, type InvalidatorConfig } from '../lambda/config.ts';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_BATCHING_WINDOW_SECONDS,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_MAX_RECEIVE_COUNT,
  DEFAULT_SEND_LEASES,
  DEFAULT_STACK_NAME,
} from '../lambda/defaults.ts';
import { ConfigurationError } from '../lambda/errors.ts';
import {
  batchingWindowTooShort,
  MAX_BATCH_SIZE,
  MAX_BATCH_SIZE_WITHOUT_WINDOW,
  MAX_BATCHING_WINDOW_SECONDS,
  MAX_MAX_CONCURRENCY,
  MAX_MAX_RECEIVE_COUNT,
  MIN_BATCH_SIZE,
  MIN_MAX_CONCURRENCY,
  MIN_BATCHING_WINDOW_SECONDS_OF_LARGE_BATCHES,
  MIN_MAX_RECEIVE_COUNT,
} from '../lambda/limits.ts';
import { formatIssues } from '../lambda/read/issue-format.ts';
import { isEmailAddress } from './email-address.ts';

/**
 * The app's settings, read from the CDK context key `invalidator` (cdk.json or `-c invalidator='{...}'`). The CLI's
 * local mode reads the same key, so a local run and a deployment agree.
 */

/** The context key holding the invalidator's settings. */
export const INVALIDATOR_CONTEXT_KEY = 'invalidator';
/** The context key naming the stack. */
export const STACK_NAME_CONTEXT_KEY = 'stackName';

/** Validated settings of the `invalidator` context key, defaults applied. */
export interface InvalidatorSettings {
  /** The handler's configuration (`INVALIDATOR_CONFIG`): distributions, hostnames and per-request limits. */
  readonly config: InvalidatorConfig;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly maxConcurrency: number;
  /** Whether the stack creates the send lease table (the construct's `sendLeases`). */
  readonly sendLeases: boolean;
  readonly maxReceiveCount: number;
  readonly alarmEmails: readonly string[];
}

const HOW_TO_CONFIGURE =
  'set "invalidator": {"distributions": [{"id": "EDFDVBD6EXAMPLE", "hostnames": ["www.example.org"]}]} in the ' +
  `"context" of cdk.json, or pass -c invalidator='{"distributions":[{"id":"EDFDVBD6EXAMPLE"}]}'`;

/** The deployment's own settings; every other key of the context value is the handler's configuration. */
const settingsSchema = z
  .object({
    batchSize: z.int().min(MIN_BATCH_SIZE).max(MAX_BATCH_SIZE).default(DEFAULT_BATCH_SIZE),
    maxBatchingWindowSeconds: z.int().min(0).max(MAX_BATCHING_WINDOW_SECONDS).default(DEFAULT_MAX_BATCHING_WINDOW_SECONDS),
    maxConcurrency: z.int().min(MIN_MAX_CONCURRENCY).max(MAX_MAX_CONCURRENCY).default(DEFAULT_MAX_CONCURRENCY),
    sendLeases: z.boolean().default(DEFAULT_SEND_LEASES),
    maxReceiveCount: z.int().min(MIN_MAX_RECEIVE_COUNT).max(MAX_MAX_RECEIVE_COUNT).default(DEFAULT_MAX_RECEIVE_COUNT),
    alarmEmails: z.array(z.string().refine(isEmailAddress, 'must be an email address')).default([]),
  })
  .superRefine((settings, ctx) => {
    if (batchingWindowTooShort(settings.batchSize, settings.maxBatchingWindowSeconds)) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxBatchingWindowSeconds'],
        input: settings.maxBatchingWindowSeconds,
        message: `must be at least ${MIN_BATCHING_WINDOW_SECONDS_OF_LARGE_BATCHES} when batchSize is above ${MAX_BATCH_SIZE_WITHOUT_WINDOW}`,
      });
    }
  });
const SETTINGS_KEYS: ReadonlySet<string> = new Set(Object.keys(settingsSchema.shape));

/**
 * Validate the `invalidator` context value.
 *
 * @example
 * readInvalidatorContext(app.node.tryGetContext('invalidator'));
 * readInvalidatorContext('{"distributions":[{"id":"EDFDVBD6EXAMPLE"}],"batchSize":100}');
 * @param value - the context value: an object (cdk.json) or its JSON text (`-c invalidator=...`)
 * @param source - how to name the value in errors
 * @throws {ConfigurationError} naming every bad field and the value given, or saying how to configure a distribution
 */
export function readInvalidatorContext(value: unknown, source = `context "${INVALIDATOR_CONTEXT_KEY}"`): InvalidatorSettings {
  let settings = value;
  if (typeof settings === 'string') {
    try {
      settings = JSON.parse(settings);
    } catch (error) {
      throw new ConfigurationError(`${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  if (settings === undefined || settings === null) {
    throw new ConfigurationError(`No CloudFront distribution configured (${source} is not set): ${HOW_TO_CONFIGURE}`);
  }
  if (typeof settings !== 'object' || Array.isArray(settings)) {
    throw new ConfigurationError(`${source} must be a JSON object (given ${JSON.stringify(settings)})`);
  }
  const distributions = (settings as { distributions?: unknown }).distributions;
  if (distributions === undefined || (Array.isArray(distributions) && distributions.length === 0)) {
    throw new ConfigurationError(`No CloudFront distribution configured in ${source}: ${HOW_TO_CONFIGURE}`);
  }

  // Split the value: deployment settings here, the rest (distributions, limits, ...) is validated by
  // parseInvalidatorConfig, exactly as the handler validates INVALIDATOR_CONFIG; it also rejects unknown keys.
  const settingsPart: Record<string, unknown> = {};
  const configPart: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(settings)) {
    (SETTINGS_KEYS.has(key) ? settingsPart : configPart)[key] = field;
  }
  const problems: string[] = [];
  let config: InvalidatorConfig | undefined;
  try {
    config = parseInvalidatorConfig(configPart, source);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    problems.push(error.message.replace(`${source} is invalid: `, ''));
  }
  const parsed = settingsSchema.safeParse(settingsPart, { reportInput: true });
  if (!parsed.success) problems.push(formatIssues(parsed.error.issues));
  if (!parsed.success || config === undefined) {
    throw new ConfigurationError(`${source} is invalid: ${problems.join('; ')}`);
  }
  const { batchSize, maxBatchingWindowSeconds, maxConcurrency, sendLeases, maxReceiveCount, alarmEmails } = parsed.data;
  return { config, batchSize, maxBatchingWindowSeconds, maxConcurrency, sendLeases, maxReceiveCount, alarmEmails };
}

/**
 * Read the `invalidator` context key from a cdk.json file, for tools that run outside the CDK app (the CLI's
 * local mode).
 *
 * @param path - the cdk.json file
 * @throws {ConfigurationError} when the file cannot be read or parsed, or the settings are invalid
 */
export function loadCdkJsonInvalidatorContext(path = 'cdk.json'): InvalidatorSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let cdkJson: unknown;
  try {
    cdkJson = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const context = typeof cdkJson === 'object' && cdkJson !== null ? (cdkJson as { context?: unknown }).context : undefined;
  const value =
    typeof context === 'object' && context !== null ? (context as Record<string, unknown>)[INVALIDATOR_CONTEXT_KEY] : undefined;
  return readInvalidatorContext(value, `"context.${INVALIDATOR_CONTEXT_KEY}" of ${path}`);
}

/**
 * Validate the `stackName` context value.
 *
 * @param value - the context value, or undefined for the default
 * @throws {ConfigurationError} when it is not a CloudFormation stack name
 */
export function readStackName(value: unknown): string {
  if (value === undefined || value === null || value === '') return DEFAULT_STACK_NAME;
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(value)) {
    throw new ConfigurationError(
      `context "${STACK_NAME_CONTEXT_KEY}" must be a CloudFormation stack name: a letter, then up to 127 letters, ` +
        `digits and hyphens (given ${JSON.stringify(value)})`,
    );
  }
  return value;
}

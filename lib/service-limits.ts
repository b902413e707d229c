/**
 * AWS limits that only the CDK construct, its context reader and `cfiq local` check. CloudFront's limits and the
 * event source mapping's ranges live in lambda/limits.ts; import those from there.
 */

/**
 * Lambda's longest function timeout, in seconds. The shortest the construct accepts is the handler's own
 * MIN_FUNCTION_TIMEOUT_SECONDS (lambda/defaults.ts), above Lambda's 1 second.
 */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 900;

/** Lambda function memory, in MiB. */
export const MIN_MEMORY_SIZE_MB = 128;
export const MAX_MEMORY_SIZE_MB = 10_240;

/** SQS message retention, in seconds (1 minute to 14 days). */
export const MIN_RETENTION_SECONDS = 60;
export const MAX_RETENTION_SECONDS = 1_209_600;

/** Lambda: all environment variables of a function together, in bytes. */
export const MAX_ENVIRONMENT_BYTES = 4096;

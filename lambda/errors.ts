/**
 * Error codes and error classes. Every code here is documented in the README's "Error codes" table; a
 * dead-lettered message carries its code in the `ErrorCode` message attribute.
 */

/** Why a message could not be parsed or routed. Permanent: the message goes to the dead-letter queue at once. */
export const MESSAGE_ERROR_CODES = [
  'InvalidJson',
  'InvalidMessage',
  'UnknownDistribution',
  'AmbiguousDistribution',
  'InvalidUrl',
  'UnknownHost',
  'InvalidPath',
  'UnknownBucket',
  // Distribution tenants (CloudFront SaaS Manager): a `tenantId` not configured; a host no tenant serves (tenantLookup).
  'UnknownTenant',
  'UnknownTenantDomain',
] as const;
/** One of {@link MESSAGE_ERROR_CODES}. */
export type MessageErrorCode = (typeof MESSAGE_ERROR_CODES)[number];

/** CloudFront errors that no retry can fix: the contributing messages go to the dead-letter queue at once. */
export const PERMANENT_CLOUDFRONT_ERROR_CODES = [
  'NoSuchDistribution',
  'AccessDenied',
  'InvalidArgument',
  'InconsistentQuantities',
  'BatchTooLarge',
  'InvalidationBatchAlreadyExists',
  'MissingBody',
  // A distribution tenant's invalidation API names an unknown tenant EntityNotFound (404), as NoSuchDistribution.
  'EntityNotFound',
] as const;

/**
 * CloudFront errors worth retrying later (after the SDK's own retries), with backoff via the visibility timeout:
 * CloudFront's own codes, the SDK's timeout and abort names, and Node's connection error codes. A code in neither
 * this list nor the permanent one is retried too, with a warning naming it, so an operator can sort it in.
 */
export const TRANSIENT_CLOUDFRONT_ERROR_CODES = [
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TooManyInvalidationsInProgress',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  'RequestTimeout',
  'TimeoutError',
  'AbortError',
  'NetworkingError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
] as const;

/**
 * Transient failures of our own, not CloudFront's: the request was never sent, or stopped before its answer.
 * `DeadlineExceeded`: too little invocation time was left (the deadline margin). `InProgressLimit`: the request
 * would take its distribution past CloudFront's in-progress limits within this invocation.
 */
export const DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const IN_PROGRESS_LIMIT = 'InProgressLimit';
/** `TenantLookupFailed`: tenantLookup could not ask CloudFront which tenant serves a host (throttled, denied, timed out). */
export const TENANT_LOOKUP_FAILED = 'TenantLookupFailed';
export const OWN_TRANSIENT_ERROR_CODES = [DEADLINE_EXCEEDED, IN_PROGRESS_LIMIT, TENANT_LOOKUP_FAILED] as const;

/** The code of a transient failure that outlived `maxReceiveCount` receives. */
export const RETRIES_EXHAUSTED = 'RetriesExhausted';

/**
 * The code of a message that waited for CloudFront's in-progress budget longer than `maxBacklogAge`. Waiting is not
 * a failure (it spends no receive), so this is the only way a valid message leaves a backlog unprocessed.
 */
export const BACKLOG_EXPIRED = 'BacklogExpired';

/** CloudFront's refusal while a distribution's in-progress limits are reached: the request waits, it did not fail. */
export const TOO_MANY_IN_PROGRESS = 'TooManyInvalidationsInProgress';

/** The `ErrorCode` of a remainder dead-lettered because SQS would not take it while another remainder of its message was sent. */
export const REMAINDER_NOT_SENT = 'RemainderNotSent';

/** Base class of every error this project throws on purpose. */
export class InvalidatorError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidatorError';
  }
}

/** The configuration (environment or CDK props) is wrong. Thrown at cold start or synth time; never caught. */
export class ConfigurationError extends InvalidatorError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/** A message body that can never be processed. The message is dead-lettered with `code`. */
export class InvalidMessageError extends InvalidatorError {
  /** Why: the `ErrorCode` the message is dead-lettered with. */
  public readonly code: MessageErrorCode;

  public constructor(code: MessageErrorCode, message: string, options?: ErrorOptions) {
    // The message reaches logs and the dead-letter queue: never let URL credentials through.
    super(redactCredentials(message), options);
    this.name = 'InvalidMessageError';
    this.code = code;
  }
}

/** A path that breaks CloudFront's rules; `path` is the offending value (truncated for display). */
export class InvalidPathError extends InvalidMessageError {
  /** The offending path, as given. */
  public readonly path: string;

  public constructor(path: string, reason: string) {
    super('InvalidPath', `invalid path ${displayValue(path)}: ${reason}`);
    this.name = 'InvalidPathError';
    this.path = path;
  }
}

/** Quote a user-supplied value for an error message: JSON-escaped (control characters visible), at most 200 characters. */
export function displayValue(value: unknown, maxLength = 200): string {
  const text = typeof value === 'string' ? value : String(value);
  const shown = text.length > maxLength ? `${text.slice(0, maxLength)}…(${text.length} characters)` : text;
  return JSON.stringify(shown);
}

/** A JSON string literal, as displayValue and JSON.stringify write one. */
const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;
/** A quoted value shaped like a URL (a scheme, or "//"), up to its last "@"; the value itself may be cut by "…". */
const QUOTED_URL_CREDENTIALS = /^("\s*(?:[a-z][a-z0-9+.-]*:(?:\/|\\\\)*|(?:\/|\\\\){2,}))(?:[^"\\]|\\.)*@/i;
const QUOTED_URL_CUT = /^("\s*(?:[a-z][a-z0-9+.-]*:(?:\/|\\\\)*|(?:\/|\\\\){2,}))(?:[^"\\@]|\\.)*…/i;

/**
 * Replace the `user:password@` of every URL in `text` by `***@`: the last net before a message reaches logs and the
 * dead-letter queue. Values are best redacted where they are still raw (see `redactUnparsedUrl`); here they are quoted.
 */
export function redactCredentials(text: string): string {
  // A quoted value shaped like a URL: up to its last "@", since a password may hold "/", "?", "#", spaces or quotes
  // (escaped); when shortening ("…", see displayValue) cut it before any "@", up to the cut: that may be a password.
  const quoted = text.replace(JSON_STRING, (literal) =>
    literal.replace(QUOTED_URL_CREDENTIALS, '$1***@').replace(QUOTED_URL_CUT, '$1***…'),
  );
  // Anywhere else, greedy up to the last "@" of the URL's authority: a password may contain "@". An authority cut off
  // by shortening may be a password whose "@" was cut: redact it too.
  return quoted.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#\s"'\\]*(@|…)/gi, '$1***$2');
}

// AWS SDK errors, as names and descriptions for logs, dead-letter reasons and the CLI.

/**
 * The error code of an AWS SDK v3 error or of the transport error under it, for logs, dead-letter reasons and the
 * CLI's messages: the SDK's `name` (the service's error code, e.g. `Throttling`, `AccessDenied`), else Node's `code`
 * (`ECONNREFUSED`, `ETIMEDOUT`), else a `Code` field (some XML errors), else `UnknownError`. A plain `Error`'s name
 * says nothing, so it is skipped.
 *
 * @example
 * awsErrorName(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })); // 'Throttling'
 * awsErrorName(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })); // 'ECONNREFUSED'
 * @param error - anything thrown
 */
export function awsErrorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'UnknownError';
  const { name, code, Code } = error as { name?: unknown; code?: unknown; Code?: unknown };
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  if (typeof code === 'string' && code !== '') return code;
  if (typeof Code === 'string' && Code !== '') return Code;
  return 'UnknownError';
}

/**
 * `<code>: <message>` for anything thrown, for reasons in logs and dead letters; never throws itself, whatever was
 * thrown (an SDK error, a string, `undefined`).
 *
 * @example
 * describeAwsError(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })); // 'Throttling: Rate exceeded'
 */
export function describeAwsError(error: unknown): string {
  const message = typeof (error as { message?: unknown } | null)?.message === 'string' ? (error as Error).message : String(error);
  return `${awsErrorName(error)}: ${message}`;
}

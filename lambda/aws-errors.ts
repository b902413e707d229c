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

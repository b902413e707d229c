/**
 * CloudFront's API errors as the emulator sends them. Codes, HTTP statuses and messages follow what CloudFront
 * returns (the API reference, the SDK's error model and messages seen from the live service); where CloudFront's
 * wording is not public, the message says so in plain words instead of guessing.
 */

/** `Sender`: the client's fault; `Receiver`: the service's. CloudFront puts it in `ErrorResponse/Error/Type`. */
export type ErrorType = 'Sender' | 'Receiver';

/** An error the emulator answers with a CloudFront `ErrorResponse` document. */
export class CloudFrontApiError extends Error {
  public readonly code: string;
  public readonly statusCode: number;
  public readonly type: ErrorType;

  public constructor(code: string, statusCode: number, message: string, type: ErrorType = 'Sender') {
    super(message);
    this.name = 'CloudFrontApiError';
    this.code = code;
    this.statusCode = statusCode;
    this.type = type;
  }
}

export function noSuchDistribution(): CloudFrontApiError {
  return new CloudFrontApiError('NoSuchDistribution', 404, 'The specified distribution does not exist.');
}

/** An unknown distribution tenant, or no tenant for a domain: the tenant operations' EntityNotFound. */
export function entityNotFound(what: string): CloudFrontApiError {
  return new CloudFrontApiError('EntityNotFound', 404, `${what} does not exist.`);
}

export function noSuchInvalidation(): CloudFrontApiError {
  return new CloudFrontApiError('NoSuchInvalidation', 404, 'The specified invalidation does not exist.');
}

export function inconsistentQuantities(declared: number, supplied: number): CloudFrontApiError {
  return new CloudFrontApiError(
    'InconsistentQuantities',
    400,
    `The specified quantity of Paths (${declared}) does not match the actual quantity supplied (${supplied}).`,
  );
}

export function invalidPaths(): CloudFrontApiError {
  return new CloudFrontApiError('InvalidArgument', 400, 'Your request contains one or more invalid invalidation paths.');
}

export function invalidArgument(message: string): CloudFrontApiError {
  return new CloudFrontApiError('InvalidArgument', 400, message);
}

export function batchTooLarge(): CloudFrontApiError {
  return new CloudFrontApiError('BatchTooLarge', 413, 'Invalidation batch specified is too large.');
}

export function invalidationBatchAlreadyExists(callerReference: string, existingId: string): CloudFrontApiError {
  return new CloudFrontApiError(
    'InvalidationBatchAlreadyExists',
    409,
    `CallerReference ${callerReference} was already used by invalidation ${existingId} with different paths.`,
  );
}

export function tooManyInvalidationsInProgress(wildcards: boolean): CloudFrontApiError {
  const what = wildcards ? 'in-progress wildcard invalidations' : 'in-progress invalidations';
  return new CloudFrontApiError(
    'TooManyInvalidationsInProgress',
    400,
    `Processing your request will cause you to exceed the maximum number of ${what}.`,
  );
}

export function missingBody(): CloudFrontApiError {
  return new CloudFrontApiError(
    'MissingBody',
    400,
    'This operation requires a body. Ensure that the body is present and the Content-Type header is set.',
  );
}

export function malformedInput(detail: string): CloudFrontApiError {
  return new CloudFrontApiError('MalformedInput', 400, detail);
}

/** What CloudFront sends when a caller exceeds its API request rate. */
export function throttling(): CloudFrontApiError {
  return new CloudFrontApiError('Throttling', 400, 'Rate exceeded');
}

export function serviceUnavailable(): CloudFrontApiError {
  return new CloudFrontApiError(
    'ServiceUnavailable',
    503,
    'CloudFront encountered an internal error. Please try again.',
    'Receiver',
  );
}

export function notImplemented(method: string, path: string): CloudFrontApiError {
  return new CloudFrontApiError(
    'NotImplemented',
    501,
    `The CloudFront emulator does not implement ${method} ${path}.`,
    'Receiver',
  );
}

export function internalError(): CloudFrontApiError {
  return new CloudFrontApiError('InternalError', 500, 'The CloudFront emulator failed to process the request.', 'Receiver');
}

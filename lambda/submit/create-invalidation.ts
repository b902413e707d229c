import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { awsErrorName, DEADLINE_EXCEEDED, OWN_TRANSIENT_ERROR_CODES, PERMANENT_CLOUDFRONT_ERROR_CODES, TRANSIENT_CLOUDFRONT_ERROR_CODES } from '../errors.ts';
import type { FailedOutcome, InvalidationOutcome, InvalidationRequest } from '../types.ts';
import { sendCreateInvalidation } from './invalidation-api.ts';



const PERMANENT = new Set<string>(PERMANENT_CLOUDFRONT_ERROR_CODES);
const KNOWN = new Set<string>([...PERMANENT_CLOUDFRONT_ERROR_CODES, ...TRANSIENT_CLOUDFRONT_ERROR_CODES, ...OWN_TRANSIENT_ERROR_CODES]);

export interface CreateInvalidationOptions {
  /** Ends the call, the SDK's retries included; the outcome is then a transient `DeadlineExceeded`. */
  readonly abortSignal?: AbortSignal;
}

/**
 * Submit one planned request. Never throws: an error becomes a `transient` or `permanent` outcome.
 *
 * @example
 * const outcome = await createInvalidation(client, request, { abortSignal: AbortSignal.timeout(20_000) });
 * if (outcome.kind === 'created') console.log(outcome.invalidationId);
 */
export async function createInvalidation(
  client: CloudFrontClient,
  request: InvalidationRequest,
  options: CreateInvalidationOptions = {},
): Promise<InvalidationOutcome> {
  try {
    // A distribution's CreateInvalidation, or a tenant's CreateInvalidationForDistributionTenant (invalidation-api.ts).
    const invalidation = await sendCreateInvalidation(
      client,
      request.distributionId,
      // An Array, always: Wagtail 6.3 passed a set here and every purge failed.
      { CallerReference: request.callerReference, Paths: { Quantity: request.paths.length, Items: [...request.paths] } },
      options,
    );
    return { kind: 'created', invalidationId: invalidation?.Id ?? '', status: invalidation?.Status ?? '' };
  } catch (error) {
    // The SDK names an aborted call AbortError (and does not retry it): ours, not CloudFront's, so say so.
    if (options.abortSignal?.aborted) {
      return {
        kind: 'transient',
        code: DEADLINE_EXCEEDED,
        message: `stopped at the invocation's deadline margin; CloudFront may or may not have created it (${classifyCloudFrontError(error).message})`,
      };
    }
    return classifyCloudFrontError(error);
  }
}

/**
 * Permanent for CloudFront's own verdicts on the request (unknown distribution, access denied, bad paths);
 * transient for everything else: throttling, limits in progress, 5xx, timeouts, connection errors, and errors
 * we do not know, which a later receive may get past and which end in the dead-letter queue with their reason
 * once the receives run out.
 */
export function classifyCloudFrontError(error: unknown): FailedOutcome {
  const code = awsErrorName(error);
  const message = typeof (error as { message?: unknown } | null)?.message === 'string' ? (error as Error).message : String(error);
  return { kind: PERMANENT.has(code) ? 'permanent' : 'transient', code, message };
}

/** Is `code` in one of the lists (errors.ts)? An unrecognized one is retried as transient, and worth a warning. */
export function isRecognizedErrorCode(code: string): boolean {
  return KNOWN.has(code);
}

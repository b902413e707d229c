import { CreateInvalidationCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { PERMANENT_CLOUDFRONT_ERROR_CODES } from './errors.ts';
import type { InvalidationRequest } from './plan.ts';

/** What came of one CreateInvalidation, after the SDK's own retries. */
export type InvalidationOutcome =
  | { readonly kind: 'created'; readonly invalidationId: string; readonly status: string }
  | { readonly kind: 'transient' | 'permanent'; readonly code: string; readonly message: string };

const PERMANENT = new Set<string>(PERMANENT_CLOUDFRONT_ERROR_CODES);

/**
 * Submit one planned request. Never throws: an error becomes a `transient` or `permanent` outcome.
 *
 * @example
 * const outcome = await createInvalidation(client, request);
 * if (outcome.kind === 'created') console.log(outcome.invalidationId);
 */
export async function createInvalidation(client: CloudFrontClient, request: InvalidationRequest): Promise<InvalidationOutcome> {
  try {
    const output = await client.send(
      new CreateInvalidationCommand({
        DistributionId: request.distributionId,
        InvalidationBatch: {
          CallerReference: request.callerReference,
          // An Array, always: Wagtail 6.3 passed a set here and every purge failed.
          Paths: { Quantity: request.paths.length, Items: [...request.paths] },
        },
      }),
    );
    return { kind: 'created', invalidationId: output.Invalidation?.Id ?? '', status: output.Invalidation?.Status ?? '' };
  } catch (error) {
    return classifyCloudFrontError(error);
  }
}

/**
 * Permanent for CloudFront's own verdicts on the request (unknown distribution, access denied, bad paths);
 * transient for everything else: throttling, limits in progress, 5xx, timeouts, connection errors, and errors
 * we do not know, which a later receive may get past and which end in the dead-letter queue with their reason
 * once the receives run out.
 */
export function classifyCloudFrontError(error: unknown): Extract<InvalidationOutcome, { kind: 'transient' | 'permanent' }> {
  const err = error as { name?: unknown; message?: unknown; code?: unknown };
  const name = typeof err.name === 'string' && err.name !== 'Error' ? err.name : typeof err.code === 'string' ? err.code : 'UnknownError';
  const message = typeof err.message === 'string' ? err.message : String(error);
  return { kind: PERMANENT.has(name) ? 'permanent' : 'transient', code: name, message };
}

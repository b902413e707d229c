/** Factories shared by the emulator tests. */
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  type CloudFrontClientConfig,
  type CreateInvalidationCommandOutput,
} from '@aws-sdk/client-cloudfront';
import { CLOUDFRONT_REGION } from '../../lambda/limits.ts';

/** Static fake credentials: the emulator and moto accept any signature. */
export const fakeCredentials = { accessKeyId: 'AKIDEMULATORTEST', secretAccessKey: 'emulator-test-secret' };

/** A CloudFront client for `endpoint`; one attempt unless `config` says otherwise, so errors surface as sent. */
export function cloudFrontClient(endpoint: string, config: Partial<CloudFrontClientConfig> = {}): CloudFrontClient {
  return new CloudFrontClient({ endpoint, region: CLOUDFRONT_REGION, credentials: fakeCredentials, maxAttempts: 1, ...config });
}

export interface BatchOptions {
  readonly callerReference?: string;
  /** Overrides `Paths.Quantity` (defaults to the number of paths). */
  readonly quantity?: number;
}

let references = 0;

/** Sends CreateInvalidation for `paths`, with a fresh CallerReference unless one is given. */
export function createInvalidation(
  client: CloudFrontClient,
  distributionId: string,
  paths: readonly string[],
  options: BatchOptions = {},
): Promise<CreateInvalidationCommandOutput> {
  return client.send(
    new CreateInvalidationCommand({
      DistributionId: distributionId,
      InvalidationBatch: {
        CallerReference: options.callerReference ?? `test-${process.pid}-${++references}`,
        Paths: { Quantity: options.quantity ?? paths.length, Items: [...paths] },
      },
    }),
  );
}

/** What a test needs to know about an SDK error. */
export interface ServiceFailure {
  readonly name: string;
  readonly httpStatusCode: number | undefined;
  readonly message: string;
  readonly fault: string | undefined;
  /** Node's error code for network failures (ECONNRESET, ...). */
  readonly code: string | undefined;
}

/** Awaits `promise`, expecting it to reject, and describes the error. */
export async function failureOf(promise: Promise<unknown>): Promise<ServiceFailure> {
  try {
    await promise;
  } catch (error) {
    return describeFailure(error);
  }
  throw new Error('Expected the call to fail, but it succeeded');
}

/** Describes an error thrown by an SDK call. */
export function describeFailure(error: unknown): ServiceFailure {
  const e = error as Error & { $metadata?: { httpStatusCode?: number }; $fault?: string; code?: string };
  return {
    name: e.name,
    httpStatusCode: e.$metadata?.httpStatusCode,
    message: e.message,
    fault: e.$fault,
    code: e.code,
  };
}

/** A clock the test moves by hand. */
export class FakeClock {
  private current = Date.parse('2026-01-01T00:00:00.000Z');

  public readonly now = (): number => this.current;

  public advance(ms: number): void {
    this.current += ms;
  }
}

/** `count` distinct file paths. */
export function filePaths(count: number, prefix = '/file'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}.html`);
}

/** `count` distinct wildcard paths. */
export function wildcardPaths(count: number, prefix = '/dir'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}/*`);
}

import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { readInvalidatorContext } from '../../lib/app-config.ts';
import type { LocalActivity } from '../../local/activity.ts';
import { startLocalEnvironment, type LocalEnvironment, type LocalEnvironmentOptions } from '../../local/environment.ts';
import type { InvalidationRecord } from '../../local/cloudfront-emulator/index.ts';
import { MEDIA_DISTRIBUTION_ID as MEDIA, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { waitFor } from '../local/support.ts';

export { recordingIo, waitFor } from '../local/support.ts';
export { MEDIA, WWW };

/** The e2e configuration, as it would stand in cdk.json's `invalidator` context. */
export const E2E_CONTEXT = {
  distributions: [
    { id: WWW, hostnames: ['www.example.org', '.example.org'] },
    { id: MEDIA, hostnames: ['media.example.org'] },
  ],
  batchSize: 1000,
  maxBatchingWindowSeconds: 60,
  maxReceiveCount: 10,
};

/** A local environment with the e2e configuration that records its activity lines. */
export async function startE2eEnvironment(
  overrides: Partial<LocalEnvironmentOptions> & { context?: Record<string, unknown> } = {},
): Promise<{ env: LocalEnvironment; activity: LocalActivity[] }> {
  const activity: LocalActivity[] = [];
  const { context = E2E_CONTEXT, ...options } = overrides;
  const env = await startLocalEnvironment({
    settings: readInvalidatorContext(context),
    completionDelayMs: 0,
    onActivity: (entry) => activity.push(entry),
    ...options,
  });
  return { env, activity };
}

/** Send one publish event to the invalidation queue, as a producer would; returns the message id. */
export async function publish(env: LocalEnvironment, body: unknown): Promise<string> {
  const output = await env.sqs.send(
    new SendMessageCommand({ QueueUrl: env.queueUrl, MessageBody: typeof body === 'string' ? body : JSON.stringify(body) }),
  );
  return output.MessageId!;
}

/** The invalidations of a distribution that contain `path`. */
export function invalidationsWith(env: LocalEnvironment, distributionId: string, path: string): InvalidationRecord[] {
  return env.emulator.invalidations(distributionId).filter((invalidation) => invalidation.paths.includes(path));
}

/** Wait until every path appears in some invalidation of the distribution. */
export function waitForPaths(env: LocalEnvironment, distributionId: string, paths: readonly string[], timeoutMs = 20_000) {
  return waitFor(
    `invalidations of ${paths.join(' ')} on ${distributionId}`,
    () => (paths.every((path) => invalidationsWith(env, distributionId, path).length > 0) ? true : undefined),
    timeoutMs,
  );
}

/** Wait until a queue holds no message at all (visible, in flight or delayed). */
export function waitForEmpty(env: LocalEnvironment, queueUrl: string, timeoutMs = 20_000) {
  return waitFor(
    `${queueUrl} to be empty`,
    async () => {
      const depth = await env.depth(queueUrl);
      return depth.visible + depth.inFlight + depth.delayed === 0 ? true : undefined;
    },
    timeoutMs,
  );
}

/** A path no other test uses. */
export function uniquePath(name: string): string {
  return `/${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}/`;
}

import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidMessageError } from '../../lambda/errors.ts';
import { createInvalidationMessage } from '../../lambda/read/message-contract.ts';
import type { LocalEnvironment } from '../../local/environment.ts';
import { E2E_CONTEXT, startE2eEnvironment, uniquePath, waitForPaths, WWW } from '../e2e/support.ts';

/**
 * The JavaScript producer kit (the package's `cloudfront-invalidation-queue/message` entry point) end to end against
 * local mode: a message built with `createInvalidationMessage` and sent with the SDK ends as one CreateInvalidation
 * with a list of paths; a bad value is refused before anything is sent.
 */
describe('the JavaScript producer, against local mode', () => {
  let env: LocalEnvironment;

  beforeAll(async () => {
    ({ env } = await startE2eEnvironment({ batchingWindowSeconds: 1 }));
  });
  afterAll(() => env?.close());

  it('sends a page, its listing and a query page as one CreateInvalidation of their three paths, as a list', async () => {
    // Prepare: three URLs a CMS publish names (the Wagtail scenario, from JavaScript)
    const base = uniquePath('js');
    const urls = [`https://www.example.org${base}page?query=value`, `https://www.example.org${base}another/path`, `https://www.example.org${base}`];
    const body = createInvalidationMessage({ urls, source: 'js-producer', reason: 'page published' }, { distributions: E2E_CONTEXT.distributions });

    // Act
    await env.sqs.send(new SendMessageCommand({ QueueUrl: env.queueUrl, MessageBody: body }));
    const paths = [`${base}`, `${base}another/path`, `${base}page?query=value`];
    await waitForPaths(env, WWW, paths);

    // Assess
    const ours = env.emulator.invalidations(WWW).filter((invalidation) => invalidation.paths.some((path) => path.startsWith(base)));
    expect(ours.map((invalidation) => invalidation.paths)).toStrictEqual([paths]);
  });

  it('refuses a URL of a host no distribution serves, naming it, before anything is sent', () => {
    // Act
    const attempt = () => createInvalidationMessage({ urls: ['https://elsewhere.example.net/a'] }, { distributions: E2E_CONTEXT.distributions });

    // Assess
    expect(attempt).toThrow(InvalidMessageError);
    expect(attempt).toThrow(/elsewhere\.example\.net/);
  });
});

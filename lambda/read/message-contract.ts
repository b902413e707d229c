import { parseInvalidatorConfig } from '../config.ts';
import { InvalidMessageError } from '../errors.ts';
import { MAX_SQS_MESSAGE_BYTES } from '../limits.ts';
import { normalizePath, parsePageUrl } from '../resolve/paths.ts';
import { DistributionRouter } from '../resolve/routing.ts';
import { resolvePaths } from '../resolve/targets.ts';
import { parseMessageBody, type InvalidationMessage } from './message.ts';

/**
 * The message contract for JavaScript and TypeScript producers, the package's `cloudfront-invalidation-queue/message`
 * entry point: the message's type and zod schema, and createInvalidationMessage, which checks a message with the
 * handler's own code before it is sent. It loads zod and this project's pure modules only, no CDK and no AWS SDK.
 */

export { invalidationMessageSchema, type InvalidationMessage } from './message.ts';
export { ConfigurationError, InvalidatorError, InvalidMessageError, InvalidPathError, MESSAGE_ERROR_CODES, type MessageErrorCode } from '../errors.ts';
export { MAX_SQS_MESSAGE_BYTES } from '../limits.ts';

/** Options of {@link createInvalidationMessage}. */
export interface CreateInvalidationMessageOptions {
  /**
   * The distributions the queue's function is configured with (the `distributions` of the `InvalidationQueue`
   * construct). When given, every URL must be served by one of them and `paths` need a configured `distributionId`
   * (or exactly one distribution), as the handler checks; ids and hostnames are validated as the construct does.
   *
   * @default - not routed: paths and URLs are checked on their own, the distributions they go to are not
   */
  readonly distributions?: ReadonlyArray<{ readonly id: string; readonly hostnames?: readonly string[] }>;
}

/**
 * Check a message as the queue's function will, and return the SQS message body to send: the schema (fields,
 * types, at least one of `paths` and `urls`), each path's and URL's rules, routing when `distributions` are given,
 * and SQS's size limit. A message it returns is not dead-lettered for its content.
 *
 * @example
 * import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
 * import { createInvalidationMessage } from 'cloudfront-invalidation-queue/message';
 *
 * const body = createInvalidationMessage({ urls: ['https://www.example.org/news/'], source: 'my-cms', reason: 'page published' });
 * await new SQSClient({}).send(new SendMessageCommand({ QueueUrl: process.env.INVALIDATION_QUEUE_URL, MessageBody: body }));
 * @param message - the message: `urls`, `paths` (with `distributionId` when several distributions are configured),
 * `source`, `reason`
 * @param options - the configured distributions, to check routing too
 * @returns the message as JSON, ready for `SendMessage`'s `MessageBody`
 * @throws {@link InvalidMessageError} with the code the handler would dead-letter it with (`InvalidMessage`,
 * `InvalidUrl`, `InvalidPath`, `UnknownHost`, `UnknownDistribution`, `AmbiguousDistribution`) and a message naming
 * the bad value; `InvalidMessage` too when the body is larger than SQS takes (1 MiB)
 * @throws {@link ConfigurationError} when `distributions` themselves are invalid, naming the field and the value
 */
export function createInvalidationMessage(message: InvalidationMessage, options: CreateInvalidationMessageOptions = {}): string {
  const body = JSON.stringify(message);
  // The handler's own checks, in its order: the schema, then each path and URL (routed when distributions are known).
  const checked = parseMessageBody(body);
  if (options.distributions === undefined) {
    for (const path of checked.paths ?? []) normalizePath(path);
    for (const url of checked.urls ?? []) parsePageUrl(url);
  } else {
    const config = parseInvalidatorConfig({ distributions: options.distributions }, 'options.distributions');
    resolvePaths(checked, new DistributionRouter(config));
  }
  const bytes = new TextEncoder().encode(body).byteLength;
  if (bytes > MAX_SQS_MESSAGE_BYTES) {
    throw new InvalidMessageError(
      'InvalidMessage',
      `the message is ${bytes.toLocaleString('en-US')} bytes, above SQS's limit of ${MAX_SQS_MESSAGE_BYTES.toLocaleString('en-US')}: send the paths in several messages`,
    );
  }
  return body;
}

import { Duration, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  INVALIDATOR_CONTEXT_KEY,
  readInvalidatorContext,
  readStackName,
  STACK_NAME_CONTEXT_KEY,
} from './app-config.ts';
import { InvalidationQueueStack } from './invalidation-queue-stack.ts';

/**
 * Add the invalidation queue stack to `app`, configured from its context, with cdk-nag's AwsSolutions checks.
 * Used by bin/app.ts and by the tests, so that both synthesize the same app.
 *
 * @throws {ConfigurationError} when the `invalidator` or `stackName` context is invalid or missing
 */
export function addInvalidationQueueStack(app: App): InvalidationQueueStack {
  const settings = readInvalidatorContext(app.node.tryGetContext(INVALIDATOR_CONTEXT_KEY));
  const stack = new InvalidationQueueStack(app, readStackName(app.node.tryGetContext(STACK_NAME_CONTEXT_KEY)), {
    // The handler's configuration as validated: distributions, per-request limits and options.
    ...settings.config,
    batchSize: settings.batchSize,
    maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
    maxConcurrency: settings.maxConcurrency,
    sendLeases: settings.sendLeases,
    maxReceiveCount: settings.maxReceiveCount,
    alarmEmails: [...settings.alarmEmails],
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}

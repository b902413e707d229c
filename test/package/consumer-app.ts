/**
 * The files of the CDK app pack.test.ts installs the package into: what a CDK user with an app of their own writes,
 * in plain JavaScript, plus the probes the test runs in it.
 */

/** The distribution of the app's `invalidator` context, in cdk.json: the app and `cfiq send` both read it. */
export const DISTRIBUTION = { id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org'] };

export const CONSUMER_FILES: Readonly<Record<string, string>> = {
  'package.json': `${JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }, null, 2)}\n`,

  'cdk.json': `${JSON.stringify(
    {
      app: 'node app.js',
      notices: false,
      versionReporting: false,
      context: {
        '@aws-cdk/core:validateAgainstDefaultRules': true,
        invalidator: { distributions: [DISTRIBUTION] },
      },
    },
    null,
    2,
  )}\n`,

  // The construct in a stack of the user's own, a producer role granted, cdk-nag's AwsSolutions checks on the app.
  // With `-c canary=true` it adds a queue cdk-nag must refuse: proof that the checks run.
  'app.js': `import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidationQueue } from 'cloudfront-invalidation-queue';

const app = new App();
const stack = new Stack(app, 'ConsumerStack');
const { distributions } = app.node.tryGetContext('invalidator');
const invalidator = new InvalidationQueue(stack, 'Invalidator', { distributions, alarmEmails: ['ops@example.org'] });
const cmsRole = new iam.Role(stack, 'CmsRole', { assumedBy: new iam.AccountRootPrincipal() });
invalidator.grantSendMessages(cmsRole);
if (app.node.tryGetContext('canary') === 'true') new sqs.Queue(stack, 'Canary', { encryption: sqs.QueueEncryption.UNENCRYPTED });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
`,

  // The deployed bundle, imported from cdk.out with the function's environment from the template: it validates
  // its settings at load, then handles an empty batch.
  'run-bundle.js': `import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const template = JSON.parse(readFileSync('cdk.out/ConsumerStack.template.json', 'utf8'));
const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function');
for (const [name, value] of Object.entries(fn.Properties.Environment.Variables)) if (typeof value === 'string') process.env[name] = value;
process.env.DEAD_LETTER_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/invalidation-dlq';
process.env.AWS_REGION = 'us-east-1';
const asset = join('cdk.out', fn.Metadata['aws:asset:path'], 'index.mjs');
const { handler } = await import(pathToFileURL(asset).href);
const context = { functionName: 'handler', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:handler',
  memoryLimitInMB: '256', awsRequestId: 'request', logGroupName: 'group', logStreamName: 'stream', getRemainingTimeInMillis: () => 60_000 };
const result = await handler({ Records: [] }, context);
process.stderr.write(\`RESULT \${asset} \${JSON.stringify(result)}\\n\`);
`,

  // The producer entry point from plain JavaScript, with every module it loads recorded: no CDK, no AWS SDK.
  'use-message.js': `import { registerHooks } from 'node:module';

const loaded = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (!specifier.startsWith('.') && !specifier.startsWith('node:') && !specifier.startsWith('file:')) loaded.add(specifier);
    return nextResolve(specifier, context);
  },
});
const { createInvalidationMessage, InvalidMessageError } = await import('cloudfront-invalidation-queue/message');
const { default: schema } = await import('cloudfront-invalidation-queue/schema/invalidation-message.schema.json', { with: { type: 'json' } });
const body = createInvalidationMessage({ urls: ['https://www.example.org/news/'], source: 'consumer' }, { distributions: ${JSON.stringify([DISTRIBUTION])} });
let refused;
try {
  createInvalidationMessage({ paths: ['/a*b'] });
} catch (error) {
  refused = error instanceof InvalidMessageError ? error.code : String(error);
}
console.log(JSON.stringify({ body, refused, schemaTitle: schema.title, loaded: [...loaded].sort() }));
`,

  // TypeScript users: both entry points' declarations resolve (a type that failed to resolve would be \`any\`, and
  // the expected errors below would not happen).
  'check-types.ts': `import { App, Stack } from 'aws-cdk-lib';
import { InvalidationQueue, InvalidationQueueStack, type InvalidationQueueProps } from 'cloudfront-invalidation-queue';
import { createInvalidationMessage, type InvalidationMessage } from 'cloudfront-invalidation-queue/message';

const props: InvalidationQueueProps = { distributions: [{ id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org'] }] };
const stack = new Stack(new App(), 'Types');
const queue: InvalidationQueue = new InvalidationQueue(stack, 'Queue', props);
const message: InvalidationMessage = { urls: ['https://www.example.org/'] };
const body: string = createInvalidationMessage(message);
export const used = [queue, body, InvalidationQueueStack];

// @ts-expect-error batchSize is a number
export const wrongProps: InvalidationQueueProps = { ...props, batchSize: '10' };
// @ts-expect-error urls is an array of strings
createInvalidationMessage({ urls: 'https://www.example.org/' });
`,

  'tsconfig.json': `${JSON.stringify(
    {
      compilerOptions: {
        target: 'es2024',
        lib: ['es2024'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
      files: ['check-types.ts'],
    },
    null,
    2,
  )}\n`,
};

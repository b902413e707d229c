import { readFileSync } from 'node:fs';
import { App, Stack, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { INVALIDATOR_CONTEXT_KEY } from '../../lib/app-config.ts';
import { InvalidationQueue, type InvalidationQueueProps } from '../../lib/invalidation-queue.ts';

/** The repository's cdk.json, so that tests synthesize with the same feature flags as `cdk synth`. */
export const CDK_JSON_PATH = new URL('../../cdk.json', import.meta.url).pathname;
export const cdkJson = JSON.parse(readFileSync(CDK_JSON_PATH, 'utf8')) as { app: string; context: Record<string, unknown> };

/** cdk.json's context without the example `invalidator` settings. */
export function featureFlags(): Record<string, unknown> {
  const { [INVALIDATOR_CONTEXT_KEY]: _example, ...flags } = cdkJson.context;
  return flags;
}

/** An app with cdk.json's feature flags that skips bundling and schema validation: synth stays fast. */
export function testApp(context: Record<string, unknown> = {}, props: Omit<AppProps, 'context'> = {}): App {
  return new App({
    // The CloudFormation schema check runs in the app tests; unit tests stay fast without it.
    builtinCloudFormationValidation: false,
    ...props,
    context: { ...featureFlags(), 'aws:cdk:bundling-stacks': [], ...context },
  });
}

export const WWW_DISTRIBUTION = { id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org', '.example.org'] };
export const MEDIA_DISTRIBUTION = { id: 'E2QWRUHEXAMPLE', hostnames: ['media.example.org'] };

/** A stack holding one InvalidationQueue with `props` over one distribution. */
export function queueStack(props: Partial<InvalidationQueueProps> = {}): {
  stack: Stack;
  queue: InvalidationQueue;
} {
  const stack = new Stack(testApp(), 'Stack');
  const queue = new InvalidationQueue(stack, 'Invalidator', { distributions: [WWW_DISTRIBUTION], ...props });
  return { stack, queue };
}

/** The template of a stack holding one InvalidationQueue with `props`. */
export function queueTemplate(props: Partial<InvalidationQueueProps> = {}): Template {
  return Template.fromStack(queueStack(props).stack);
}

/** The one resource of `type` whose logical id starts with `name` (or matches it). */
export function resourceOf(template: Template, type: string, name: string | RegExp): { id: string; properties: any } {
  const matches = (id: string) => (typeof name === 'string' ? id.startsWith(name) : name.test(id));
  const found = Object.entries(template.findResources(type)).filter(([id]) => matches(id));
  if (found.length !== 1) throw new Error(`expected one ${type} named ${String(name)}, found ${found.length}`);
  const [id, resource] = found[0]!;
  return { id, properties: (resource as { Properties: unknown }).Properties };
}

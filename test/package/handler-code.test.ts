import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { HANDLER_BUNDLING } from '../../lib/handler-bundling.ts';
import { handlerCode, PREBUILT_HANDLER_DIR } from '../../lib/handler-code.ts';
import { InvalidationQueue } from '../../lib/invalidation-queue.ts';
import { testApp, WWW_DISTRIBUTION } from '../cdk/cdk-test-app.ts';

/** Where the construct looks for the prebuilt bundle in this file: the package's folder, or one a test sets. */
const prebuilt = vi.hoisted(() => ({ dir: undefined as string | undefined }));
vi.mock('../../lib/handler-code.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../lib/handler-code.ts')>();
  return { ...original, handlerCode: (dir?: string) => original.handlerCode(dir ?? prebuilt.dir ?? original.PREBUILT_HANDLER_DIR) };
});

/** A folder holding a stand-in for the prebuilt bundle, as `npm run build` leaves dist/handler/. */
const bundleDir = mkdtempSync(path.join(tmpdir(), 'cfiq-handler-'));
writeFileSync(path.join(bundleDir, 'index.mjs'), 'export const handler = async () => ({ batchItemFailures: [] });\n');
writeFileSync(path.join(bundleDir, 'index.mjs.map'), '{}\n');
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

/** The template of a stack holding one InvalidationQueue, its code from `dir` (the source when undefined). */
function templateWithCodeFrom(dir: string | undefined): Record<string, any> {
  prebuilt.dir = dir;
  try {
    const stack = new Stack(testApp(), 'Stack');
    new InvalidationQueue(stack, 'Invalidator', { distributions: [WWW_DISTRIBUTION] });
    return Template.fromStack(stack).toJSON();
  } finally {
    prebuilt.dir = undefined;
  }
}

describe('handlerCode', () => {
  test('defaults: in this repository, the source, bundled at synth with the bundling options', () => {
    // Act
    const props = handlerCode();
    // Assess
    expect(path.relative(path.dirname(PREBUILT_HANDLER_DIR), props.entry!)).toBe(path.join('lambda', 'handler.ts'));
    expect(props.handler).toBe('handler');
    expect(props.code).toBeUndefined();
    expect(props.bundling).toMatchObject(HANDLER_BUNDLING);
  });

  test('a prebuilt bundle: the folder as the asset, and its index.handler', () => {
    // Act
    const props = handlerCode(bundleDir);
    // Assess
    expect(props.code).toBeInstanceOf(lambda.AssetCode);
    expect((props.code as lambda.AssetCode).path).toBe(bundleDir);
    expect(props.handler).toBe('index.handler');
    expect(props.entry).toBeUndefined();
    expect(props.bundling).toBeUndefined();
  });
});

describe('InvalidationQueue with the prebuilt bundle', () => {
  test('synthesizes the same template as from source, but for the code asset', () => {
    // Prepare
    const withoutCode = (template: Record<string, any>) => {
      for (const resource of Object.values<any>(template.Resources)) {
        if (resource.Type === 'AWS::Lambda::Function') delete resource.Properties.Code;
      }
      return template;
    };
    // Act
    const fromSource = templateWithCodeFrom(undefined);
    const fromBundle = templateWithCodeFrom(bundleDir);
    // Assess
    expect(fromBundle).not.toStrictEqual(fromSource);
    expect(withoutCode(fromBundle)).toStrictEqual(withoutCode(fromSource));
  });
});

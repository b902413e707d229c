import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { HANDLER_BUNDLING } from './handler-bundling.ts';

/**
 * Where the handler's code comes from. In the npm package, the bundle built at pack time with HANDLER_BUNDLING's
 * options (dist/handler/, beside the compiled construct in dist/lib/): a consumer's synth needs no esbuild and no
 * Docker, and deploys the bundle that was tested. In this repository there is no such folder beside lib/, so the
 * handler is bundled from source at synth time, with the same options.
 */

/** The handler's source, bundled at synth time when there is no prebuilt bundle. */
export const HANDLER_ENTRY = fileURLToPath(new URL('../lambda/handler.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The folder of the prebuilt bundle, relative to the compiled construct (dist/lib/ -> dist/handler/). */
export const PREBUILT_HANDLER_DIR = fileURLToPath(new URL('../handler/', import.meta.url));
/** The prebuilt bundle's file, as NodejsFunction names its output (`index.mjs` for an ES module). */
export const PREBUILT_HANDLER_FILE = 'index.mjs';

/** The NodejsFunction props that say where the code comes from: `code` and `handler`, or `entry` and `bundling`. */
export type HandlerCodeProps = Pick<nodejs.NodejsFunctionProps, 'code' | 'handler' | 'entry' | 'projectRoot' | 'depsLockFilePath' | 'bundling'>;

/**
 * The prebuilt bundle in `prebuiltDir` when it holds one, else the handler's source with the bundling options.
 *
 * @example
 * new nodejs.NodejsFunction(this, 'Handler', { ...handlerCode(), runtime: lambda.Runtime.NODEJS_24_X });
 * @param prebuiltDir - where to look for the bundle (`index.mjs` and its source map)
 */
export function handlerCode(prebuiltDir: string = PREBUILT_HANDLER_DIR): HandlerCodeProps {
  if (existsSync(join(prebuiltDir, PREBUILT_HANDLER_FILE))) {
    return { code: lambda.Code.fromAsset(prebuiltDir), handler: 'index.handler' };
  }
  return {
    entry: HANDLER_ENTRY,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
    bundling: { ...HANDLER_BUNDLING, logLevel: nodejs.LogLevel.WARNING },
  };
}

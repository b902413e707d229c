import type { BuildOptions } from 'esbuild';

/**
 * The handler's esbuild options, as the InvalidationQueue construct bundles it (lib/invalidation-queue.ts:
 * NodejsFunction `bundling`: minify, sourceMap, sourcesContent false, target node24, format ESM, mainFields
 * module/main, bundleAwsSDK true, the createRequire banner), translated to esbuild's own options: NodejsFunction
 * runs esbuild with `--bundle --platform=node` and these flags, and with bundleAwsSDK no module is external.
 *
 * A copy until lib/ exports one shared constant for both: change the two together.
 */
export const HANDLER_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  external: [],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
} as const satisfies BuildOptions;

/** The Lambda runtime's SDK instead of a bundled one: NodejsFunction's default for Node 18+ runtimes. */
export const RUNTIME_SDK_EXTERNALS = ['@aws-sdk/*'] as const;

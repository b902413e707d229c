import type { BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * How the handler is bundled: one definition for the stack's NodejsFunction and for the cold-start benchmark,
 * so the benchmark measures the bundle that is deployed.
 */

/** Bundled CommonJS dependencies may still call require(): give the ES module one. */
const REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** The NodejsFunction `bundling` options (local esbuild, no Docker). */
export const HANDLER_BUNDLING = {
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node24',
  format: 'esm' as OutputFormat,
  mainFields: ['module', 'main'],
  // Pin the SDK clients the handler was tested with instead of the runtime's copy.
  bundleAwsSDK: true,
  banner: REQUIRE_BANNER,
} as const satisfies BundlingOptions;

/**
 * The same bundle in esbuild's own options: NodejsFunction runs esbuild with `--bundle --platform=node` and the
 * flags above; with `bundleAwsSDK` no module is external.
 */
export const HANDLER_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: HANDLER_BUNDLING.target,
  format: 'esm',
  minify: HANDLER_BUNDLING.minify,
  sourcemap: HANDLER_BUNDLING.sourceMap,
  sourcesContent: HANDLER_BUNDLING.sourcesContent,
  mainFields: [...HANDLER_BUNDLING.mainFields],
  external: [],
  banner: { js: HANDLER_BUNDLING.banner },
} as const satisfies BuildOptions;

import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { HANDLER_ESBUILD_OPTIONS } from '../lib/handler-bundling.ts';
import { median } from './random.ts';

/**
 * Cold start: the handler bundled as the stack bundles it, its size and what fills it (esbuild's metafile), and the
 * time a fresh Node process takes to import it, less a bare `node -e 0`.
 */

export const HANDLER_ENTRY = new URL('../lambda/handler.ts', import.meta.url).pathname;

/** The environment the import needs: the handler validates its settings at module load. */
export const COLD_START_ENV: Readonly<Record<string, string>> = {
  INVALIDATOR_CONFIG: JSON.stringify({ distributions: [{ id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org'] }] }),
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/invalidation-dlq',
  AWS_REGION: 'us-east-1',
};

export interface BundleInput {
  readonly path: string;
  readonly bytes: number;
}

export interface BundleReport {
  readonly file: string;
  /** The minified handler (index.mjs), without its source map. */
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
  readonly external: readonly string[];
  /** Bytes in the output per package (`@aws-sdk/client-cloudfront`, `zod`, ...) or `lambda/` for our code, largest first. */
  readonly packages: ReadonlyArray<{ readonly name: string; readonly bytes: number; readonly files: number }>;
  /** The input files that put the most bytes in the output. */
  readonly topInputs: readonly BundleInput[];
  /** AWS SDK command modules in the bundle (the handler sends 4 commands). */
  readonly sdkCommands: readonly string[];
  /** Inputs from packages the handler must never carry (CDK, test and build tools, local mode). */
  readonly unexpectedInputs: readonly string[];
  /** Bundled code the handler never runs: zod's JSON Schema generator (see NEVER_RUN_BY_HANDLER); none expected. */
  readonly unusedInputs: readonly BundleInput[];
  readonly unusedBytes: number;
}

/**
 * zod's JSON Schema generator: only `npm run schema` (lambda/read/message-json-schema.ts) calls it, never the handler.
 * The handler's schemas are zod/mini ones, which do not reference it; classic zod's schema classes do (their
 * `toJSONSchema()` method), so a classic `import * as z from 'zod'` in lambda/ would bring it back.
 */
const NEVER_RUN_BY_HANDLER = /zod\/v4\/core\/(?:to-json-schema|json-schema-processors)\.js$/;
const NEVER_IN_HANDLER = /(^|\/)(aws-cdk-lib|aws-cdk|constructs|cdk-nag|fauxqs|vitest|vite|fast-check|aws-sdk-client-mock|esbuild|typescript)\/|^(lib|bin|local|test|bench)\//;

/**
 * Bundle the handler into `outdir/index.mjs` with the stack's options (lib/handler-bundling.ts), with `external`
 * instead of its (empty) list when given.
 */
export async function bundleHandler(outdir: string, external: readonly string[] = HANDLER_ESBUILD_OPTIONS.external): Promise<BundleReport> {
  const outfile = join(outdir, 'index.mjs');
  const result = await build({
    ...HANDLER_ESBUILD_OPTIONS,
    external: [...external],
    entryPoints: [HANDLER_ENTRY],
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  return { ...analyzeMetafile(result.metafile, outfile), bundleBytes: statSync(outfile).size, sourceMapBytes: statSync(`${outfile}.map`).size, external };
}

function analyzeMetafile(metafile: Metafile, outfile: string): Omit<BundleReport, 'bundleBytes' | 'sourceMapBytes' | 'external'> {
  const output = Object.entries(metafile.outputs).find(([name]) => outfile.endsWith(name) || name.endsWith('index.mjs'))!;
  const inputs = Object.entries(output[1].inputs).map(([path, { bytesInOutput }]) => ({ path: relativeInput(path), bytes: bytesInOutput }));
  const packages = new Map<string, { bytes: number; files: number }>();
  for (const input of inputs) {
    const name = packageOf(input.path);
    const entry = packages.get(name) ?? { bytes: 0, files: 0 };
    entry.bytes += input.bytes;
    entry.files++;
    packages.set(name, entry);
  }
  const unused = inputs.filter((input) => input.bytes > 0 && NEVER_RUN_BY_HANDLER.test(input.path));
  const sdkCommands = [...new Set(inputs.flatMap((input) => /@aws-sdk\/client-[a-z]+\/.*\/commands\/(\w+Command)\.js$/.exec(input.path)?.[1] ?? []))].sort();
  return {
    file: outfile,
    packages: [...packages].map(([name, value]) => ({ name, ...value })).sort((a, b) => b.bytes - a.bytes),
    topInputs: inputs.filter((input) => input.bytes > 0).sort((a, b) => b.bytes - a.bytes).slice(0, 15),
    sdkCommands,
    unexpectedInputs: inputs.map((input) => input.path).filter((path) => NEVER_IN_HANDLER.test(path)),
    unusedInputs: unused.sort((a, b) => b.bytes - a.bytes),
    unusedBytes: unused.reduce((sum, input) => sum + input.bytes, 0),
  };
}

function relativeInput(path: string): string {
  const index = path.lastIndexOf('node_modules/');
  return index === -1 ? path.replace(/^(\.\.\/)+/, '') : path.slice(index);
}

function packageOf(path: string): string {
  const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (match) return match[1]!;
  return path.startsWith('lambda/') ? 'lambda/ (this project)' : path;
}

export interface InitTiming {
  readonly runs: number;
  /** Median wall time of a fresh `node -e "import(bundle)"`, in ms. */
  readonly importNodeMs: number;
  /** Median wall time of a fresh `node -e 0`, in ms. */
  readonly bareNodeMs: number;
  /** importNodeMs - bareNodeMs. */
  readonly initMs: number;
  readonly nodeOptions: string;
}

/**
 * Time `runs` fresh processes importing `file` and as many bare ones, interleaved so a busy stretch of the machine
 * hits both alike.
 *
 * @param nodeOptions - e.g. `--enable-source-maps`, as NODE_OPTIONS would set it
 */
export function measureInit(file: string, runs: number, nodeOptions = ''): InitTiming {
  const env = { ...process.env, ...COLD_START_ENV, NODE_OPTIONS: nodeOptions };
  const importScript = `import(${JSON.stringify(pathToFileURL(file).href)}).then((m) => { if (typeof m.handler !== 'function') process.exit(3); })`;
  const time = (args: string[]): number => {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const elapsed = performance.now() - start;
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}: ${result.stderr.toString()}`);
    return elapsed;
  };
  time(['-e', '0']);
  time(['-e', importScript]);
  const bare: number[] = [];
  const imported: number[] = [];
  for (let run = 0; run < runs; run++) {
    bare.push(time(['-e', '0']));
    imported.push(time(['-e', importScript]));
  }
  const bareNodeMs = median(bare);
  const importNodeMs = median(imported);
  return { runs, importNodeMs: round(importNodeMs), bareNodeMs: round(bareNodeMs), initMs: round(importNodeMs - bareNodeMs), nodeOptions };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * The npm package as a CDK user gets it. `npm pack` (which builds dist/), then, in a temporary directory, a CDK app of
 * the user's own with only aws-cdk-lib, constructs and aws-cdk (no esbuild, no TypeScript) installs the tarball,
 * synthesizes a stack using InvalidationQueue from plain JavaScript with cdk-nag's AwsSolutions checks, and runs
 * `npx cfiq`. Also: the tarball holds what docs/deploying.md lists, the deployed asset is the tarball's bundle and
 * runs, the producer entry point loads no CDK, the declarations type-check, and docs/api/ is current.
 *
 * It installs from the npm registry, through the local cache first (`--prefer-offline`). Where npm cannot get
 * aws-cdk-lib from either, the suite is skipped with a printed reason, except on CI (`CI=true`), where that is an
 * error: CI must not pass by skipping.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER_FILES, DISTRIBUTION } from './consumer-app.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const installedVersion = (name: string) =>
  (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
/** The CDK app's own dependencies, at the versions this repository is tested with (already in the npm cache). */
const APP_DEPENDENCIES = ['aws-cdk-lib', 'constructs', 'aws-cdk'].map((name) => `${name}@${installedVersion(name)}`);

/**
 * Node 24 (this process's node) first on PATH, the CDK CLI offline and quiet, and none of the `npm_*` variables an
 * enclosing `npm test` sets: a nested npm would read them as its own configuration.
 */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
  return {
    ...env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    NO_COLOR: '1',
    ...extra,
  };
}

interface Run {
  readonly command: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Run a command to its end, its output captured (shown only when an assertion on it fails). */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const finish = (status: number | null, error?: Error) =>
      resolve({
        command: [command, ...args].join(' '),
        status,
        stdout,
        stderr: error === undefined ? stderr : `${stderr}\n${error.message}`,
        seconds: (performance.now() - started) / 1000,
      });
    child.on('error', (error) => finish(null, error));
    child.on('close', (status) => finish(status));
  });
}

/** A run's command, exit status and last lines of output, for an assertion's message. */
function describeRun(result: Run): string {
  const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-30).join('\n');
  return `${result.command} exited ${result.status}:\n${output}`;
}

/** The context cdk.json gives the app. */
function consumerContext(): Record<string, unknown> {
  return (JSON.parse(CONSUMER_FILES['cdk.json']!) as { context: Record<string, unknown> }).context;
}

/** Why the package cannot be packed and installed here, or undefined. Throws on CI rather than skip. */
function packSkipReason(): string | undefined {
  const probe = spawnSync('npm', ['view', APP_DEPENDENCIES[0]!, 'version', '--prefer-offline'], {
    encoding: 'utf8',
    env: childEnv({}),
    timeout: 60_000,
  });
  let reason: string | undefined;
  if (probe.error) reason = `npm did not run: ${probe.error.message}`;
  else if (probe.status !== 0) reason = `npm cannot get ${APP_DEPENDENCIES[0]} from the registry or its cache: ${probe.stderr.trim().split('\n').at(-1)}`;
  if (reason === undefined) return undefined;
  if (process.env.CI === 'true') throw new Error(`the package test must run on CI (CI=true): ${reason}`);
  console.warn(`Skipping the npm package test: ${reason}`);
  return reason;
}

/** What docs/deploying.md says the tarball holds: the first column of the `| path | what |` table. */
function documentedContents(): string[] {
  const page = readFileSync(path.join(ROOT, 'docs', 'deploying.md'), 'utf8');
  const table = page.split(/^\| path \| what \|$/m)[1]?.split(/\n\n/)[0] ?? '';
  return [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!).sort();
}

/** A tarball's files summed up as the docs list them: each folder of dist/ as `dist/<folder>/`, other files by name. */
function contentsOf(files: readonly string[]): string[] {
  return [...new Set(files.map((file) => (file.startsWith('dist/') ? `${file.split('/').slice(0, 2).join('/')}/` : file)))].sort();
}

describe.skipIf(packSkipReason() !== undefined)('the npm package, installed into a CDK app of its own', () => {
  let work: string;
  let app: string;
  let files: string[];
  let tarball: string;
  const runs: Record<string, Run> = {};

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'cfiq-package-'));
    app = path.join(work, 'app');
    mkdirSync(app);
    for (const [name, text] of Object.entries(CONSUMER_FILES)) writeFileSync(path.join(app, name), text);
    const env = childEnv({ CDK_HOME: path.join(work, '.cdk-home') });
    const install = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

    // The user's CDK app exists before our package: set it up while npm packs (and builds) the package, and check
    // docs/api/ against the dist/ the pack built while npm installs.
    const pack = run('npm', ['pack', '--json', '--pack-destination', work], ROOT, env);
    const apiDocs = pack.then((packed) =>
      packed.status === 0 ? run(process.execPath, [path.join(ROOT, 'scripts', 'api-docs.ts'), '--check'], ROOT, env) : packed,
    );
    [runs.pack, runs.appInstall] = await Promise.all([pack, run('npm', [...install, ...APP_DEPENDENCIES], app, env)]);
    expect(runs.pack.status, describeRun(runs.pack)).toBe(0);
    expect(runs.appInstall.status, describeRun(runs.appInstall)).toBe(0);
    // Lifecycle scripts print before npm's JSON.
    const [packed] = JSON.parse(runs.pack.stdout.slice(runs.pack.stdout.indexOf('\n['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed!.files.map((file) => file.path);
    tarball = path.join(work, packed!.filename);

    runs.install = await run('npm', [...install, tarball], app, env);
    expect(runs.install.status, describeRun(runs.install)).toBe(0);

    // As the user types them; npm_config_yes=false: never fetch a registry package of the same name instead.
    const npx = (args: string[]) => run('npx', args, app, { ...env, npm_config_yes: 'false' });
    [runs.synth, runs.canary, runs.version, runs.send, runs.message, runs.types] = await Promise.all([
      npx(['cdk', 'synth', '--quiet']),
      // The same app with a queue cdk-nag refuses, synthesized without the CLI (the app synthesizes when
      // CDK_OUTDIR is set, as the CLI sets it): cheaper, and only its failure matters.
      run(process.execPath, ['app.js'], app, {
        ...env,
        CDK_OUTDIR: path.join(app, 'cdk.out.canary'),
        CDK_CONTEXT_JSON: JSON.stringify({ ...consumerContext(), canary: 'true' }),
      }),
      npx(['cfiq', '--version']),
      npx(['cfiq', 'send', '--dry-run', '--reason', 'page published', 'https://www.example.org/news/']),
      run(process.execPath, ['use-message.js'], app, env),
      // This repository's compiler, as a TypeScript user's would see the installed declarations.
      run(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app, env),
    ]);
    if (runs.synth.status === 0) runs.bundle = await run(process.execPath, ['run-bundle.js'], app, env);
    runs.apiDocs = await apiDocs;
    if (process.env.CFIQ_PACKAGE_TIMINGS === '1') {
      console.info(Object.entries(runs).map(([name, result]) => `${name} ${result.seconds.toFixed(1)} s`).join(', '));
    }
  }, 420_000);

  afterAll(() => {
    // The app's node_modules is about 290 MB: deleted in the background, which a busy disk may take a minute over.
    if (work !== undefined) spawn('rm', ['-rf', work], { detached: true, stdio: 'ignore' }).unref();
  });

  it('holds what docs/deploying.md lists: compiled JavaScript, declarations, the bundle, no tests or local state', () => {
    // Act
    const sources = files.filter((file) => /\.(?:ts|mts|cts)$/.test(file) && !file.endsWith('.d.ts'));
    const unwanted = files.filter((file) => /^(?:test|bench|local|lib|lambda|scripts|docs|producers|cdk\.out|\.cdk-home|node_modules|\.venv[^/]*)\//.test(file));
    // Assess
    expect(contentsOf(files)).toStrictEqual(documentedContents());
    expect(sources).toStrictEqual([]);
    expect(unwanted).toStrictEqual([]);
    expect(files).toContain('dist/handler/index.mjs');
    expect(files).toContain('LICENSE');
  });

  it('installs into the app without esbuild or TypeScript', () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    // Assess
    expect(Object.keys(manifest.dependencies).sort()).toStrictEqual(['aws-cdk', 'aws-cdk-lib', 'cloudfront-invalidation-queue', 'constructs']);
    expect(existsSync(path.join(app, 'node_modules', 'esbuild'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);
    // cdk-nag comes as the package's peer dependency, for the app to share.
    expect(existsSync(path.join(app, 'node_modules', 'cdk-nag', 'package.json'))).toBe(true);
  });

  it('synthesizes InvalidationQueue from plain JavaScript with cdk-nag on', () => {
    // Assess
    expect(runs.synth!.status, describeRun(runs.synth!)).toBe(0);
    const template = JSON.parse(readFileSync(path.join(app, 'cdk.out', 'ConsumerStack.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(functions.map((resource) => [resource.Properties.Handler, resource.Properties.Runtime])).toStrictEqual([['index.handler', 'nodejs24.x']]);
    // The same app with a queue cdk-nag refuses does not synthesize: the checks ran.
    expect(runs.canary!.status).not.toBe(0);
    expect(`${runs.canary!.stdout}${runs.canary!.stderr}`).toMatch(/AwsSolutions-SQS\d/);
  });

  it("deploys the tarball's prebuilt bundle, and the bundle handles a batch", () => {
    // Prepare
    const bundle = readFileSync(path.join(app, 'node_modules', PACKAGE.name, 'dist', 'handler', 'index.mjs'));
    // Act
    const result = /^RESULT (\S+) (.*)$/m.exec(runs.bundle?.stderr ?? '');
    // Assess
    expect(result, runs.bundle === undefined ? 'synth failed' : describeRun(runs.bundle)).not.toBeNull();
    expect(readFileSync(path.join(app, result![1]!)).equals(bundle)).toBe(true);
    expect(JSON.parse(result![2]!)).toStrictEqual({ batchItemFailures: [] });
  });

  it('runs npx cfiq --version', () => {
    expect(runs.version!.status, describeRun(runs.version!)).toBe(0);
    expect(runs.version!.stdout.trim()).toBe(PACKAGE.version);
  });

  it("runs npx cfiq send --dry-run, checked against the app's cdk.json", () => {
    expect(runs.send!.status, describeRun(runs.send!)).toBe(0);
    expect(runs.send!.stdout).toContain(`Checked 1 path(s) for ${DISTRIBUTION.id}; not sent (--dry-run).`);
  });

  it('gives plain JavaScript producers the message contract without the CDK or the AWS SDK', () => {
    // Assess
    expect(runs.message!.status, describeRun(runs.message!)).toBe(0);
    const { body, refused, schemaTitle, loaded } = JSON.parse(runs.message!.stdout) as Record<string, unknown>;
    expect(body).toBe('{"urls":["https://www.example.org/news/"],"source":"consumer"}');
    expect(refused).toBe('InvalidPath');
    expect(schemaTitle).toBe('InvalidationMessage');
    expect((loaded as string[]).filter((name) => !/^(?:cloudfront-invalidation-queue|zod)(?:\/|$)/.test(name))).toStrictEqual([]);
  });

  it('type-checks a TypeScript consumer of both entry points', () => {
    expect(runs.types!.status, describeRun(runs.types!)).toBe(0);
  });

  it('has its API reference in docs/api/ current (npm run api)', () => {
    expect(runs.apiDocs!.status, describeRun(runs.apiDocs!)).toBe(0);
  });
});

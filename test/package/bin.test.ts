import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };
/** Prints each module Node loads from a file to standard error. */
const TRACE_LOADS =
  'data:text/javascript,import{registerHooks}from"node:module";registerHooks({load(url,context,next){if(url.startsWith("file:"))process.stderr.write(`LOAD ${url}\\n`);return next(url,context)}})';

describe('the cfiq bin in a clone', () => {
  test('runs the TypeScript source, with or without a dist/ built', () => {
    // Act: what `npx cfiq --version` runs (package.json "bin")
    const result = spawnSync(process.execPath, ['--import', TRACE_LOADS, path.join(ROOT, PACKAGE.bin.cfiq!), '--version'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    // Assess
    const loaded = [...result.stderr.matchAll(/^LOAD file:\/\/(.*)$/gm)].map((match) => path.relative(ROOT, match[1]!));
    expect(result.stdout).toBe(`${PACKAGE.version}\n`);
    expect(loaded).toContain(path.join('bin', 'cfiq.ts'));
    expect(loaded.filter((file) => file.startsWith('dist'))).toStrictEqual([]);
  });
});

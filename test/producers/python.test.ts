/**
 * The Python producer kit (producers/python): its pytest suite, run against `cfiq local`, and the path and URL cases
 * it shares with the handler (producers/python/tests/cases.json), checked here against the handler's own code.
 *
 * The suite needs the virtual environment `.ci/run` sets up; without it the suite is skipped with a printed reason,
 * except on CI (`CI=true`), where it is an error: CI must not pass by skipping.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { normalizePath, parsePageUrl } from '../../lambda/resolve/paths.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = `${ROOT}.venv-producers/bin/python`;
const SET_UP = 'python3 -m venv --system-site-packages .venv-producers && .venv-producers/bin/pip install pytest jsonschema ./producers/python';

interface Cases {
  paths: { valid: [string, string][]; invalid: [string, string][] };
  urls: { valid: [string, string][]; invalid: [string, string][] };
}
const CASES = JSON.parse(readFileSync(`${ROOT}producers/python/tests/cases.json`, 'utf8')) as Cases;

function pythonSkipReason(): string | undefined {
  if (existsSync(PYTHON)) return undefined;
  const reason = `${PYTHON} does not exist; create it with: ${SET_UP}`;
  if (process.env.CI === 'true') throw new Error(`The Python producer tests are required on CI (CI=true): ${reason}`);
  console.warn(`Skipping the Python producer tests: ${reason}`);
  return reason;
}

describe('the path and URL cases shared with the Python package', () => {
  it.each(CASES.paths.valid)('normalizePath(%j) is %j', (raw, expected) => {
    expect(normalizePath(raw)).toBe(expected);
  });

  it.each(CASES.paths.invalid)('normalizePath(%j) throws: %s', (raw, reason) => {
    expect(() => normalizePath(raw)).toThrow(reason);
  });

  it.each(CASES.urls.valid)('parsePageUrl(%j) gives the path %j', (raw, expected) => {
    expect(parsePageUrl(raw).path).toBe(expected);
  });

  it.each(CASES.urls.invalid)('parsePageUrl(%j) throws: %s', (raw, reason) => {
    expect(() => parsePageUrl(raw)).toThrow(reason);
  });
});

describe.skipIf(pythonSkipReason() !== undefined)('the Python producer kit', () => {
  it('passes its pytest suite against cfiq local (the seed bug: a set of three URLs ends as one CreateInvalidation)', () => {
    // Act: this Node runs cfiq local for the suite
    const result = spawnSync(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'producers/python/tests'], {
      cwd: ROOT,
      env: { ...process.env, CFIQ_NODE: process.execPath, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
      timeout: 180_000,
    });

    // Assess
    expect(result.error).toBeUndefined();
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  }, 200_000);
});

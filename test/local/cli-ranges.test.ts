import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import { LOCAL_DISTRIBUTION } from '../helpers/factories.ts';
import { recordingIo } from './support.ts';

/** `cfiq local`'s ranges are the construct's: flags outside them stop it before anything starts. */

let configFile: string;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'cfiq-ranges-'));
  configFile = join(dir, 'invalidator.json');
  writeFileSync(configFile, JSON.stringify(LOCAL_DISTRIBUTION));
});

async function local(...flags: string[]): Promise<{ code: number; output: string }> {
  const { io, stdout, stderr } = recordingIo();
  const code = await runCli(['local', '--config', configFile, ...flags], io);
  return { code, output: `${stdout()}\n${stderr()}` };
}

describe('cfiq local ranges', () => {
  it.each([
    [['--function-timeout', '10'], /--function-timeout must be an integer from 20 to 900 \(the handler starts no CloudFront call with less than 10 s left\) \(given "10"\)/],
    [['--function-timeout', '19'], /--function-timeout must be an integer from 20 to 900 .*\(given "19"\)/],
    [['--function-timeout', '901'], /--function-timeout must be an integer from 20 to 900 .*\(given "901"\)/],
    [['--max-receive-count', '0'], /--max-receive-count must be an integer from 1 to 1000 \(given "0"\)/],
    [['--max-receive-count', '1001'], /--max-receive-count must be an integer from 1 to 1000 \(given "1001"\)/],
    [['--batch-size', '11', '--window', '0'], /a --batch-size above 10 needs a --window of at least 1 second, as in Lambda \(given 11 and 0\)/],
  ])('%j is a usage error (exit 2)', async (flags, message) => {
    // Act
    const { code, output } = await local(...flags);

    // Assess
    expect(code).toBe(EXIT_CODES.usage);
    expect(output).toMatch(message);
  });

  it('accepts the bounds: --function-timeout 20 and 900, --max-receive-count 1 and 1000, --batch-size 10 without a window', async () => {
    // Act: an out-of-range --completion-delay, checked after these flags, stops the run before anything starts.
    const results = await Promise.all(
      [
        ['--function-timeout', '20'],
        ['--function-timeout', '900'],
        ['--max-receive-count', '1'],
        ['--max-receive-count', '1000'],
        ['--batch-size', '10', '--window', '0'],
      ].map((flags) => local(...flags, '--completion-delay', '3601')),
    );

    // Assess
    for (const { code, output } of results) {
      expect(code).toBe(EXIT_CODES.usage);
      expect(output).toMatch(/--completion-delay must be a number from 0 to 3600 \(given "3601"\)/);
    }
  });

  it('states the function timeout range in its help', async () => {
    const { code, output } = await local('--help');
    expect(code).toBe(EXIT_CODES.ok);
    expect(output).toMatch(/--function-timeout S +the function timeout, in seconds, 20 to 900/);
  });
});

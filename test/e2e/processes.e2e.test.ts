import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lineAfter, run as runChild, type Running } from './children.ts';
import { E2E_CONTEXT, waitFor } from './support.ts';

/** `npm start`, `npm run demo` and `cfiq send` as a developer runs them: child processes, real terminals aside. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE_DIR = dirname(process.execPath);
// Its own state file: a cfiq local started here must not be found by the commands other tests run in the repository.
const CHILD_ENV = {
  ...process.env,
  PATH: `${NODE_DIR}:${process.env.PATH ?? ''}`,
  CFIQ_LOCAL_STATE: join(mkdtempSync(join(tmpdir(), 'cfiq-processes-state-')), 'local.json'),
} as NodeJS.ProcessEnv;

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = CHILD_ENV): Running {
  return runChild(command, args, { cwd: ROOT, env });
}


describe('processes', () => {
  it('npm run demo sends the burst, sums it up and exits 0', async () => {
    // Act
    const demo = run('npm', ['run', '--silent', 'demo']);
    const code = await demo.exited;

    // Assess
    expect({ code, stderr: demo.stderr() }).toMatchObject({ code: 0 });
    const out = demo.stdout();
    expect(out).toMatch(/^SQS endpoint: http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^Ready$/m);
    expect(out).toMatch(/CreateInvalidation EDFDVBD6EXAMPLE \w+: \d+ paths from \d+ messages/);
    expect(out).toMatch(/Dead-lettered [0-9a-f-]{36}: InvalidJson/);
    expect(out).toMatch(/^Result: OK/m);
  });

  it('cfiq local prints its endpoints and Ready, handles a cfiq send, and stops cleanly on Ctrl-C', async () => {
    // Prepare
    // Its own configuration: the test should not depend on what cdk.json holds at the moment.
    const config = join(mkdtempSync(join(tmpdir(), 'cfiq-processes-')), 'cdk.json');
    writeFileSync(config, JSON.stringify({ context: { invalidator: E2E_CONTEXT } }));
    const local = run(process.execPath, ['bin/cfiq.ts', 'local', '--window', '1', '--config', config]);
    const running = () => {
      if (local.child.exitCode !== null) throw new Error(`cfiq local exited with ${local.child.exitCode}`);
    };
    try {
      await waitFor('Ready', () => (running(), /^Ready$/m.test(local.stdout()) ? true : undefined), 20_000);
      const out = local.stdout().split('\n');
      expect(out.slice(0, 6).map((l) => l.replace(/:\s.*$/, ''))).toStrictEqual([
        'SQS endpoint',
        'Queue URL',
        'Dead-letter queue URL',
        'CloudFront endpoint',
        'Distributions',
        'Ready',
      ]);
      const queueUrl = lineAfter(local.stdout(), 'Queue URL: ')!;

      // Act: send from "another terminal", with nothing but the queue URL
      const clean = Object.fromEntries(Object.entries(CHILD_ENV).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CFIQ_')));
      const send = run(process.execPath, ['bin/cfiq.ts', 'send', '--config', config, 'https://www.example.org/from-a-terminal/'], { ...clean, CFIQ_QUEUE_URL: queueUrl });
      expect({ code: await send.exited, stderr: send.stderr() }).toMatchObject({ code: 0 });
      await waitFor('the invalidation line', () => (running(), /CreateInvalidation EDFDVBD6EXAMPLE \w+: 1 path from 1 message: \/from-a-terminal\//.test(local.stdout()) ? true : undefined), 20_000);
      local.child.kill('SIGINT');

      // Assess
      expect(await local.exited).toBe(0);
      expect(local.stderr()).toMatch(/Stopping/);
      expect(local.stdout()).not.toMatch(/"level"/); // the handler's JSON logs stay off the terminal
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- cfiq local stdout:\n${local.stdout()}\n--- stderr:\n${local.stderr()}`, { cause: error });
    } finally {
      if (local.child.exitCode === null) local.child.kill('SIGKILL');
    }
  });
});

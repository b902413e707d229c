import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import { demoEvents } from '../../local/demo.ts';
import { recordingIo } from './support.ts';

describe('cfiq local --demo', () => {
  it('--config: a file holding the invalidator object; distributions without hostnames get paths', async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), 'cfiq-demo-')), 'invalidator.json');
    writeFileSync(file, JSON.stringify({ distributions: [{ id: 'E1ONLYEXAMPLE' }], batchSize: 100, maxBatchingWindowSeconds: 5 }));
    const { io, stdout } = recordingIo();

    // Act
    const code = await runCli(['local', '--demo', '--config', file, '--window', '1'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout()).toMatch(/^Distributions: E1ONLYEXAMPLE$/m);
    expect(stdout()).toMatch(/CreateInvalidation E1ONLYEXAMPLE \w+: 10 paths from 7 messages/);
    expect(stdout()).toMatch(/^Result: OK/m);
  });

  it('with buckets configured, shows a bucket sync burst: S3 test event and notifications, each path invalidated', async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), 'cfiq-demo-')), 'invalidator.json');
    const buckets = [{ name: 'example-site', distributionId: 'E1ONLYEXAMPLE', keyPrefix: 'public/', indexDocument: 'index.html' }];
    writeFileSync(file, JSON.stringify({ distributions: [{ id: 'E1ONLYEXAMPLE' }], buckets, batchSize: 100, maxBatchingWindowSeconds: 5 }));
    const { io, stdout } = recordingIo();

    // Act
    const code = await runCli(['local', '--demo', '--config', file, '--window', '1'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout()).toMatch(/^ {2}S3 sends its test event: a notification to the queue was configured on example-site$/m);
    expect(stdout().match(/aws s3 sync rebuilds the site in s3:\/\/example-site\/public\/: one S3 notification per object/g)).toHaveLength(1);
    expect(stdout()).toMatch(/^Result: OK/m);
  });

  it('an invalid configuration is invalid input (exit 1) and starts nothing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cfiq-demo-')), 'invalidator.json');
    writeFileSync(file, JSON.stringify({ distributions: [{ id: 'not-an-id' }] }));
    const { io, stdout, stderr } = recordingIo();
    expect(await runCli(['local', '--demo', '--config', file], io)).toBe(EXIT_CODES.invalidInput);
    expect(stderr()).toMatch(/distributions\[0\]\.id: .*\(given "not-an-id"\)/);
    expect(stdout()).not.toMatch(/Ready/);
  });

  it('syncs the first bucket: test event, one notification per object, a "folder" key, a delete, a key written twice', () => {
    // Act
    const events = demoEvents({
      distributions: [{ id: 'E1EXAMPLE' }],
      buckets: [{ name: 'example-site', distributionId: 'E1EXAMPLE', keyPrefix: 'site/', pathPrefix: '/' }],
    });

    // Assess
    const bodies = events.filter((event) => !event.poison).map((event) => JSON.parse(event.body));
    const records = bodies.flatMap((body) => body.Records ?? []);
    expect(bodies.filter((body) => body.Event === 's3:TestEvent')).toHaveLength(1);
    expect(records).toHaveLength(28);
    expect(records.every((record: any) => record.s3.object.key.startsWith('site/'))).toBe(true);
    expect(records.map((record: any) => record.s3.object.key)).toContain('site/images/caf%C3%A9+menu.png');
    expect(records.filter((record: any) => record.eventName === 'ObjectRemoved:Delete')).toHaveLength(1);
  });

  it('builds URLs for the hostnames each distribution serves', () => {
    const events = demoEvents({
      distributions: [
        { id: 'E1EXAMPLE', hostnames: ['.example.net'] },
        { id: 'E2EXAMPLE', hostnames: ['cdn.example.net'] },
      ],
    });
    expect(events.filter((event) => event.poison)).toHaveLength(1);
    expect(events[0]!.body).toContain('https://www.example.net/news/2026/city-council-approves-budget/');
    expect(events.at(-2)!.body).toContain('https://cdn.example.net/images/budget-chart.png');
  });
});

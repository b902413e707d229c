import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import { createQueue, recordingIo, startCliWorkspace, type CliWorkspace } from './support.ts';

const CONFIG = {
  distributions: [{ id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org'] }],
  buckets: [{ name: 'example-site', distributionId: 'EDFDVBD6EXAMPLE', keyPrefix: 'public/', indexDocument: 'index.html' }],
};

let workspace: CliWorkspace | undefined;
let sqs: SQSClient;
let configFile: string;
let emptyDir: string;

beforeAll(async () => {
  workspace = await startCliWorkspace(CONFIG, 'cfiq-cli-s3');
  ({ sqs, configFile, emptyDir } = workspace);
});
afterAll(() => workspace?.close());

describe('cfiq send --s3-key', () => {
  it('defaults: sends an S3 event notification of the keys (created), checked with the configured buckets', async () => {
    // Prepare
    const queue = await createQueue(sqs);
    const { io, stdout } = recordingIo({ CFIQ_QUEUE_URL: queue.url });

    // Act
    const code = await runCli(['send', '--config', configFile, '--bucket', 'example-site', '--s3-key', 'public/blog/index.html', '--s3-key', 'public/café menu.png'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout()).toMatch(/^Sent S3 event notification [0-9a-f-]{36} to .*: 3 path\(s\) for EDFDVBD6EXAMPLE\.$/);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }));
    const records = JSON.parse(Messages[0]!.Body!).Records;
    expect(records.map((record: any) => [record.eventSource, record.eventName, record.s3.bucket.name, record.s3.object.key])).toStrictEqual([
      ['aws:s3', 'ObjectCreated:Put', 'example-site', 'public/blog/index.html'],
      ['aws:s3', 'ObjectCreated:Put', 'example-site', 'public/caf%C3%A9+menu.png'],
    ]);
  });

  it('--s3-event and --dry-run --json: the notification and the paths, nothing sent', async () => {
    // Prepare
    const { io, stdout } = recordingIo();

    // Act
    const code = await runCli(
      ['send', '--config', configFile, '--dry-run', '--json', '--bucket', 'example-site', '--s3-event', 's3:ObjectRemoved:Delete', '--s3-key', 'public/index.html', '--s3-key', 'drafts/x.html'],
      io,
    );

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    const printed = JSON.parse(stdout());
    expect(printed.message.Records.map((record: any) => record.eventName)).toStrictEqual(['ObjectRemoved:Delete', 'ObjectRemoved:Delete']);
    expect(printed.distributions).toStrictEqual({ EDFDVBD6EXAMPLE: ['/index.html', '/'] });
  });

  it('without a configuration, sends unchecked', async () => {
    // Prepare
    const queue = await createQueue(sqs);
    const { io, stdout } = recordingIo({ CFIQ_QUEUE_URL: queue.url });

    // Act
    const code = await runCli(['send', '--bucket', 'any-bucket', '--s3-key', 'a.html'], { ...io, cwd: emptyDir });

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout()).toMatch(/1 key\(s\) of any-bucket \(no configuration found: buckets not checked\)/);
  });

  it.each([
    [['--bucket', 'other-site', '--s3-key', 'a.html'], EXIT_CODES.invalidInput, /invalid S3 event \(UnknownBucket\): Records\[0\]: bucket "other-site" is not a configured bucket \(configured: example-site\)/],
    [['--bucket', 'example-site', '--s3-key', 'public/a\nb.html'], EXIT_CODES.invalidInput, /invalid S3 event \(InvalidPath\).*U\+000A/],
    [['--bucket', 'example-site', '--s3-key', ''], EXIT_CODES.invalidInput, /--s3-key must be a non-empty object key/],
    [['--s3-key', 'a.html'], EXIT_CODES.usage, /--s3-key needs --bucket NAME/],
    [['--bucket', 'example-site', '--s3-key', 'a.html', '/news/'], EXIT_CODES.usage, /give no PATH or URL with it \(given "\/news\/"\)/],
    [['--bucket', 'example-site', '/news/'], EXIT_CODES.usage, /--bucket and --s3-event go with --s3-key KEY/],
    [['--bucket', 'example-site', '--s3-event', 'Put', '--s3-key', 'a.html'], EXIT_CODES.usage, /--s3-event must be an S3 event name such as ObjectRemoved:Delete \(given "Put"\)/],
  ])('%j: exit %i, the problem named, nothing sent', async (args, exitCode, message) => {
    // Prepare
    const queue = await createQueue(sqs);
    const { io, stderr } = recordingIo({ CFIQ_QUEUE_URL: queue.url });

    // Act
    const code = await runCli(['send', '--config', configFile, ...args], io);

    // Assess
    expect(code).toBe(exitCode);
    expect(stderr()).toMatch(message);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }));
    expect(Messages).toHaveLength(0);
  });
});

import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moveMessages, redriveAttributes } from '../../local/cli/dlq-redrive.ts';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import { buildMessage } from '../../local/cli/send.ts';
import { loopbackEndpoint, regionOfQueueUrl } from '../../local/cli/targets.ts';
import { createQueue, depth, recordingIo, startCliWorkspace, type CliWorkspace } from './support.ts';

const CONFIG = {
  distributions: [
    { id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org'] },
    { id: 'E2QWRUHEXAMPLE', hostnames: ['media.example.org'] },
  ],
};

let workspace: CliWorkspace | undefined;
let sqs: SQSClient;
let configFile: string;
let emptyDir: string;

beforeAll(async () => {
  workspace = await startCliWorkspace(CONFIG, 'cfiq-cli');
  ({ sqs, configFile, emptyDir } = workspace);
});
afterAll(() => workspace?.close());

async function receiveAll(queueUrl: string) {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
  return Messages;
}

/** A dead-letter entry as the handler writes it; without `sourceMessageId`, one without the SourceMessageId attribute. */
function deadLetter(id: string, body: string, sourceMessageId?: string): SendMessageBatchRequestEntry {
  return {
    Id: id,
    MessageBody: body,
    MessageAttributes: {
      ErrorCode: { DataType: 'String', StringValue: 'NoSuchDistribution' },
      ErrorMessage: { DataType: 'String', StringValue: 'CloudFront NoSuchDistribution: The specified distribution does not exist.' },
      ...(sourceMessageId !== undefined ? { SourceMessageId: { DataType: 'String', StringValue: sourceMessageId } } : {}),
    },
  };
}

/** The fauxqs client, except that SendMessageBatch fails the entries whose body `fails` picks (sending only the others). */
function failingSends(fails: (body: string) => boolean): SQSClient {
  const send = async (command: unknown) => {
    if (!(command instanceof SendMessageBatchCommand)) return sqs.send(command as never);
    const entries = command.input.Entries ?? [];
    const failing = entries.filter((entry) => fails(entry.MessageBody ?? ''));
    const passing = entries.filter((entry) => !failing.includes(entry));
    const output = passing.length > 0 ? await sqs.send(new SendMessageBatchCommand({ ...command.input, Entries: passing })) : { Successful: [], Failed: [] };
    return { ...output, Failed: [...(output.Failed ?? []), ...failing.map((entry) => ({ Id: entry.Id, Code: 'InternalError', SenderFault: false }))] };
  };
  return { send } as unknown as SQSClient;
}

describe('cfiq', () => {
  it.each([
    [['--help']],
    [['send', '--help']],
    [['wait', '--help']],
    [['dlq', '--help']],
    [['dlq', 'list', '--help']],
    [['dlq', 'redrive', '--help']],
    [['status', '--help']],
    [['local', '--help']],
  ])('%j prints usage and exits 0', async (argv) => {
    const { io, stdout } = recordingIo();
    expect(await runCli(argv, io)).toBe(EXIT_CODES.ok);
    expect(stdout()).toMatch(/^Usage: cfiq/);
  });

  it.each([
    [[], /Usage: cfiq <command>/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['dlq', 'empty'], /unknown command "dlq empty"/],
    [['send'], /give at least one PATH or URL/],
    [['send', '--bogus', '/x'], /Unknown option '--bogus'/],
    [['send', '--queue-url', 'not-a-url', '/x'], /--queue-url must be an http\(s\) URL \(given "not-a-url"\)/],
    [['dlq', 'list', '--max', 'ten'], /--max must be an integer from 1 to 100000 \(given "ten"\)/],
    [['local', '--window=-1'], /--window must be a number from 0 to 300 \(given "-1"\)/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { io, stdout, stderr } = recordingIo();
    expect(await runCli(argv, io)).toBe(EXIT_CODES.usage);
    expect(`${stdout()}\n${stderr()}`).toMatch(message);
  });
});

describe('cfiq send', () => {
  it('defaults: checks the message with the configuration, sends it, and prints the message id', async () => {
    // Prepare
    const queue = await createQueue(sqs);
    const { io, stdout } = recordingIo({ CFIQ_QUEUE_URL: queue.url });

    // Act
    const code = await runCli(['send', '--config', configFile, '--reason', 'page published', 'https://www.example.org/news/', 'https://media.example.org/a.png'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout()).toMatch(/^Sent message [0-9a-f-]{36} to .*: 1 path\(s\) for EDFDVBD6EXAMPLE, 1 path\(s\) for E2QWRUHEXAMPLE\.$/);
    const [message] = await receiveAll(queue.url);
    expect(JSON.parse(message!.Body!)).toStrictEqual({
      urls: ['https://www.example.org/news/', 'https://media.example.org/a.png'],
      source: 'cfiq',
      reason: 'page published',
    });
  });

  it.each([
    [['--distribution', 'EDFDVBD6EXAMPLE', '/a*b'], /InvalidPath.*"\/a\*b".*only as the last character/],
    [['news/'], /"news\/" is neither a path \(starting with "\/"\) nor an http\(s\) URL/],
    [['ftp://www.example.org/x'], /"ftp:\/\/www.example.org\/x" is neither a path/],
    [['https://unknown.example.net/x'], /UnknownHost.*"unknown.example.net"/],
    [['/news/'], /AmbiguousDistribution/],
    [['--distribution', 'E9NOTCONFIGURED', '/news/'], /UnknownDistribution.*"E9NOTCONFIGURED"/],
    [['--distribution', 'lowercase', '/news/'], /InvalidMessage.*distributionId/],
  ])('%j is invalid input: exit 1, the bad value named, nothing sent', async (args, message) => {
    // Prepare
    const queue = await createQueue(sqs);
    const { io, stderr } = recordingIo({ CFIQ_QUEUE_URL: queue.url });

    // Act
    const code = await runCli(['send', '--config', configFile, ...args], io);

    // Assess
    expect(code).toBe(EXIT_CODES.invalidInput);
    expect(stderr()).toMatch(message);
    expect(await depth(sqs, queue.url)).toMatchObject({ visible: 0 });
  });

  it('checks paths and URLs without routing when no configuration is found', async () => {
    // Prepare
    const queue = await createQueue(sqs);
    const { io, stdout } = recordingIo({ CFIQ_QUEUE_URL: queue.url });
    const inEmptyDir = { ...io, cwd: emptyDir };

    // Act
    const code = await runCli(['send', '/news/', 'https://anywhere.example.net/'], inEmptyDir);
    const rejected = await runCli(['send', '/a*b'], inEmptyDir);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout()).toMatch(/no configuration found: distributions and hostnames not checked/);
    expect(rejected).toBe(EXIT_CODES.invalidInput);
    expect(await depth(sqs, queue.url)).toMatchObject({ visible: 1 });
  });

  it('--dry-run checks and prints the message without sending it', async () => {
    const queue = await createQueue(sqs);
    const { io, stdout } = recordingIo({ CFIQ_QUEUE_URL: queue.url });
    expect(await runCli(['send', '--config', configFile, '--dry-run', '--distribution', 'EDFDVBD6EXAMPLE', '/news/'], io)).toBe(EXIT_CODES.ok);
    expect(stdout()).toContain('{"distributionId":"EDFDVBD6EXAMPLE","paths":["/news/"],"source":"cfiq"}');
    expect(await depth(sqs, queue.url)).toMatchObject({ visible: 0 });
  });

  it('reads the queue URL from the stack when none is given, and reports a stack it cannot read (exit 3)', async () => {
    // Prepare: nothing listens on port 1
    const { io, stderr } = recordingIo({ AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:1', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });

    // Act
    const code = await runCli(['send', '--config', configFile, '--stack', 'MyInvalidator', 'https://www.example.org/'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.aws);
    expect(stderr()).toMatch(/DescribeStacks failed: ECONNREFUSED.*stack MyInvalidator's outputs when neither --queue-url nor CFIQ_QUEUE_URL is given/);
  });
});

describe('cfiq dlq list', () => {
  it('lists more than ten messages without consuming them', async () => {
    // Prepare
    const dlq = await createQueue(sqs);
    for (let batch = 0; batch < 3; batch++) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: dlq.url,
          Entries: Array.from({ length: batch < 2 ? 10 : 5 }, (_, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify({ paths: [`/page-${batch}-${index}/`] }),
            MessageAttributes: {
              ErrorCode: { DataType: 'String', StringValue: 'NoSuchDistribution' },
              ErrorMessage: { DataType: 'String', StringValue: 'CloudFront NoSuchDistribution: The specified distribution does not exist.' },
              SourceMessageId: { DataType: 'String', StringValue: `source-${batch}-${index}` },
            },
          })),
        }),
      );
    }
    const { io, stdout } = recordingIo({ CFIQ_DLQ_URL: dlq.url });

    // Act
    const code = await runCli(['dlq', 'list', '--json'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    const listed = JSON.parse(stdout()) as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(25);
    expect(new Set(listed.map((m) => m.messageId)).size).toBe(25);
    expect(listed[0]).toMatchObject({ errorCode: 'NoSuchDistribution', sourceMessageId: expect.stringMatching(/^source-/), paths: [expect.stringMatching(/^\/page-/)] });
    expect(await depth(sqs, dlq.url)).toMatchObject({ visible: 25, inFlight: 0 });
  });

  it('prints a table, and says when --max cut the list', async () => {
    // Prepare
    const dlq = await createQueue(sqs);
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: '{"urls": ["https://www.exa', MessageAttributes: { ErrorCode: { DataType: 'String', StringValue: 'InvalidJson' } } }));
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: '{"paths":["/a/","/b/"]}' }));
    const { io, stdout } = recordingIo({ CFIQ_DLQ_URL: dlq.url });

    // Act
    const code = await runCli(['dlq', 'list', '--max', '1'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout().split('\n')[0]).toMatch(/^MESSAGE ID +SENT +ERROR CODE +ERROR MESSAGE +PATHS\/URLS$/);
    expect(stdout()).toMatch(/1 message\(s\) \(the first 1; more may be there: --max\)/);
    expect(await depth(sqs, dlq.url)).toMatchObject({ visible: 2, inFlight: 0 });
  });

  it('lists the copies of one message (same SourceMessageId) as one row with their count', async () => {
    // Prepare: m-1 dead-lettered twice, and two entries without SourceMessageId (even with the same body)
    const dlq = await createQueue(sqs);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: dlq.url,
        Entries: [
          deadLetter('1', '{"paths":["/a/"]}', 'm-1'),
          deadLetter('2', '{"paths":["/a/"]}', 'm-1'),
          deadLetter('3', '{"paths":["/b/"]}'),
          deadLetter('4', '{"paths":["/b/"]}'),
        ],
      }),
    );
    const json = recordingIo({ CFIQ_DLQ_URL: dlq.url });
    const table = recordingIo({ CFIQ_DLQ_URL: dlq.url });

    // Act
    const jsonCode = await runCli(['dlq', 'list', '--json'], json.io);
    const tableCode = await runCli(['dlq', 'list'], table.io);

    // Assess: JSON: one object for m-1 with both message ids, the others apart
    expect(jsonCode).toBe(EXIT_CODES.ok);
    const listed = JSON.parse(json.stdout()) as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(3);
    const copied = listed.filter((message) => message.sourceMessageId === 'm-1');
    expect(copied).toHaveLength(1);
    expect(copied[0]).toMatchObject({ copies: 2, paths: ['/a/'], errorCode: 'NoSuchDistribution' });
    expect(copied[0]!.messageIds).toHaveLength(2);
    expect(copied[0]!.messageIds).toContain(copied[0]!.messageId);
    const apart = listed.filter((message) => message.sourceMessageId === undefined);
    expect(apart.map((message) => [message.copies, message.messageIds])).toStrictEqual(apart.map((message) => [1, [message.messageId]]));
    expect(new Set(apart.map((message) => message.messageId)).size).toBe(2);
    // Assess: the table marks the copies and counts the entries
    expect(tableCode).toBe(EXIT_CODES.ok);
    const rows = table.stdout().split('\n').slice(1, 4);
    expect(rows.filter((row) => / \(x2\) /.test(row))).toStrictEqual([expect.stringContaining('/a/')]);
    expect(rows.filter((row) => row.includes('/b/'))).toHaveLength(2);
    expect(table.stdout()).toMatch(/\n3 message\(s\) from 4 entries \(copies with the same SourceMessageId count once\) in /);
    // Assess: nothing consumed
    expect(await depth(sqs, dlq.url)).toMatchObject({ visible: 4, inFlight: 0 });
  });

  it('redacts URL credentials in the table and in the JSON summary fields; the JSON body stays raw, as the help says', async () => {
    // Prepare: passwords holding "/", "#" and spaces, which the URL parser cannot split, in every place a body puts them
    const dlq = await createQueue(sqs);
    const secrets = ['Li/st-pw', 'Pa#th-pw', 'Dist ribution-pw', 'Old/Leak-pw', 'Body/Nest-pw', 'Plain/Text-pw'];
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: dlq.url,
        Entries: [
          {
            Id: 'urls',
            MessageBody: JSON.stringify({
              distributionId: 'https://ops:Dist ribution-pw@www.example.org/',
              paths: ['/users/@me', '//editor:Pa#th-pw@www.example.org/a*b'],
              urls: ['https://editor:Li/st-pw@www.example.org/a'],
            }),
            MessageAttributes: {
              ErrorCode: { DataType: 'String', StringValue: 'InvalidMessage' },
              // As a handler before the fix wrote it
              ErrorMessage: { DataType: 'String', StringValue: 'message is invalid: urls[0]: expected string (given ["https://u:Old/Leak-pw@x/"])' },
              SourceMessageId: { DataType: 'String', StringValue: 'm-urls' },
            },
          },
          {
            Id: 'nested',
            MessageBody: JSON.stringify({ urls: [['https://u:Body/Nest-pw@www.example.org/']] }),
            MessageAttributes: { ErrorCode: { DataType: 'String', StringValue: 'InvalidMessage' }, SourceMessageId: { DataType: 'String', StringValue: 'm-nested' } },
          },
          {
            Id: 'text',
            MessageBody: 'ci:Plain/Text-pw@www.example.org {',
            MessageAttributes: { ErrorCode: { DataType: 'String', StringValue: 'InvalidJson' }, SourceMessageId: { DataType: 'String', StringValue: 'm-text' } },
          },
        ],
      }),
    );
    const table = recordingIo({ CFIQ_DLQ_URL: dlq.url });
    const json = recordingIo({ CFIQ_DLQ_URL: dlq.url });
    const help = recordingIo();

    // Act
    const tableCode = await runCli(['dlq', 'list'], table.io);
    const jsonCode = await runCli(['dlq', 'list', '--json'], json.io);
    await runCli(['dlq', 'list', '--help'], help.io);

    // Assess: the table shows no password, and still the hosts, paths and reasons
    expect(tableCode).toBe(EXIT_CODES.ok);
    expect(secrets.filter((secret) => table.stdout().includes(secret))).toStrictEqual([]);
    expect(table.stdout()).toContain('/users/@me //***@www.example.org/a*b https://***@www.exampl…');
    expect(table.stdout()).toContain('(given ["https://***@x/"…');
    expect(table.stdout()).toContain('body: {"urls":[["https://***@www.example.org/"]]}');
    expect(table.stdout()).toContain('body: "ci:***@www.example.org {"');
    // Assess: JSON: the summary fields are redacted, the body is the message body as sent
    expect(jsonCode).toBe(EXIT_CODES.ok);
    const listed = JSON.parse(json.stdout()) as Array<Record<string, unknown>>;
    const bySource = new Map(listed.map((message) => [message.sourceMessageId, message]));
    expect(bySource.get('m-urls')).toMatchObject({
      distributionId: 'https://***@www.example.org/',
      paths: ['/users/@me', '//***@www.example.org/a*b'],
      urls: ['https://***@www.example.org/a'],
      errorMessage: 'message is invalid: urls[0]: expected string (given ["https://***@x/"])',
    });
    const summaries = JSON.stringify(listed.map(({ body: _body, ...summary }) => summary));
    expect(secrets.filter((secret) => summaries.includes(secret))).toStrictEqual([]);
    expect(listed.map((message) => message.body)).toContain('ci:Plain/Text-pw@www.example.org {');
    expect(help.stdout()).toMatch(/The JSON's body is the message body exactly as sent, NOT redacted/);
    expect(await depth(sqs, dlq.url)).toMatchObject({ visible: 3, inFlight: 0 });
  });

  it('says when the dead-letter queue is empty', async () => {
    const dlq = await createQueue(sqs);
    const { io, stdout } = recordingIo({ CFIQ_DLQ_URL: dlq.url });
    expect(await runCli(['dlq', 'list'], io)).toBe(EXIT_CODES.ok);
    expect(stdout()).toMatch(/^The dead-letter queue is empty/);
  });
});

describe('cfiq dlq redrive', () => {
  it('falls back to receive-send-delete where StartMessageMoveTask is missing, and strips the reason attributes', async () => {
    // Prepare
    const queue = await createQueue(sqs);
    const dlq = await createQueue(sqs);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlq.url,
        MessageBody: '{"paths":["/a/"]}',
        MessageAttributes: {
          ErrorCode: { DataType: 'String', StringValue: 'RetriesExhausted' },
          ErrorMessage: { DataType: 'String', StringValue: 'CloudFront Throttling on receive 10 of 10' },
          SourceMessageId: { DataType: 'String', StringValue: 'm-1' },
          tenant: { DataType: 'String', StringValue: 'blog' },
        },
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: '{"paths":["/b/"]}' }));
    const { io, stdout, stderr } = recordingIo({ CFIQ_QUEUE_URL: queue.url, CFIQ_DLQ_URL: dlq.url });

    // Act
    const code = await runCli(['dlq', 'redrive'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stderr()).toMatch(/StartMessageMoveTask is not available here \(InvalidAction\)/);
    expect(stdout()).toMatch(/Moved 2 message\(s\)/);
    expect(await depth(sqs, dlq.url)).toMatchObject({ visible: 0, inFlight: 0 });
    const moved = await receiveAll(queue.url);
    expect(moved.map((message) => message.Body).sort()).toStrictEqual(['{"paths":["/a/"]}', '{"paths":["/b/"]}']);
    const attributes = moved.find((message) => message.Body!.includes('/a/'))!.MessageAttributes;
    expect(Object.keys(attributes ?? {})).toStrictEqual(['tenant']);
  });

  it('sends one copy per SourceMessageId, deletes the other copies, and leaves entries without it alone', async () => {
    // Prepare: m-1 dead-lettered twice, and two entries without SourceMessageId with the same body
    const queue = await createQueue(sqs);
    const dlq = await createQueue(sqs);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: dlq.url,
        Entries: [
          deadLetter('1', '{"paths":["/a/"]}', 'm-1'),
          deadLetter('2', '{"paths":["/b/"]}'),
          deadLetter('3', '{"paths":["/a/"]}', 'm-1'),
          deadLetter('4', '{"paths":["/b/"]}'),
        ],
      }),
    );
    const { io, stdout, stderr } = recordingIo({ CFIQ_QUEUE_URL: queue.url, CFIQ_DLQ_URL: dlq.url });

    // Act
    const code = await runCli(['dlq', 'redrive'], io);

    // Assess: m-1 moved once, both /b/ moved, the dead-letter queue empty
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout()).toMatch(/^Moved 3 message\(s\) to .*; dropped 1 duplicate copy\(ies\) \(same SourceMessageId as a message sent\)\.$/);
    expect(stderr()).toMatch(/Moved 3 of about 4 \(1 duplicate\(s\) dropped\)/);
    expect(await depth(sqs, dlq.url)).toMatchObject({ visible: 0, inFlight: 0 });
    const moved = await receiveAll(queue.url);
    expect(moved.map((message) => message.Body).sort()).toStrictEqual(['{"paths":["/a/"]}', '{"paths":["/b/"]}', '{"paths":["/b/"]}']);
  });

  it('drops a copy received in a later batch than the one sent', async () => {
    // Prepare: fauxqs receives in send order, so m-1's copy comes in the second batch of ten
    const queue = await createQueue(sqs);
    const dlq = await createQueue(sqs);
    const entries = [deadLetter('0', '{"paths":["/a/"]}', 'm-1'), ...Array.from({ length: 9 }, (_, i) => deadLetter(String(i + 1), `{"paths":["/${i}/"]}`, `m-${i + 2}`))];
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: dlq.url, Entries: entries }));
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: '{"paths":["/a/"]}', MessageAttributes: deadLetter('x', '', 'm-1').MessageAttributes }));

    // Act
    const result = await moveMessages(sqs, { from: dlq.url, to: queue.url, limit: 11 }, { err: () => undefined, signal: new AbortController().signal });

    // Assess
    expect(result).toStrictEqual({ moved: 10, duplicates: 1, failed: 0 });
    expect(await depth(sqs, queue.url)).toMatchObject({ visible: 10 });
    expect(await depth(sqs, dlq.url)).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it('keeps the copies of a message whose send failed, and drops them once one copy was sent', async () => {
    // Prepare: m-1 twice and one entry without SourceMessageId; the first run cannot send m-1
    const queue = await createQueue(sqs);
    const dlq = await createQueue(sqs);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: dlq.url,
        Entries: [deadLetter('1', '{"paths":["/a/"]}', 'm-1'), deadLetter('2', '{"paths":["/a/"]}', 'm-1'), deadLetter('3', '{"paths":["/b/"]}')],
      }),
    );
    const quiet = { err: () => undefined, signal: new AbortController().signal };

    // Act
    const first = await moveMessages(failingSends((body) => body.includes('/a/')), { from: dlq.url, to: queue.url, limit: 3 }, quiet);
    const depthAfterFirst = await depth(sqs, dlq.url);
    const second = await moveMessages(sqs, { from: dlq.url, to: queue.url, limit: 2 }, quiet);

    // Assess: the first run deleted neither copy (both visible again), the second sent one and deleted both
    expect(first).toStrictEqual({ moved: 1, duplicates: 0, failed: 2 });
    expect(depthAfterFirst).toMatchObject({ visible: 2, inFlight: 0 });
    expect(second).toStrictEqual({ moved: 1, duplicates: 1, failed: 0 });
    expect(await depth(sqs, dlq.url)).toMatchObject({ visible: 0, inFlight: 0 });
    const moved = await receiveAll(queue.url);
    expect(moved.map((message) => message.Body).sort()).toStrictEqual(['{"paths":["/a/"]}', '{"paths":["/b/"]}']);
  });

  it('--max moves only that many', async () => {
    const queue = await createQueue(sqs);
    const dlq = await createQueue(sqs);
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: dlq.url, Entries: ['1', '2', '3'].map((id) => ({ Id: id, MessageBody: id })) }));
    const { io } = recordingIo({ CFIQ_QUEUE_URL: queue.url, CFIQ_DLQ_URL: dlq.url });
    expect(await runCli(['dlq', 'redrive', '--max', '2'], io)).toBe(EXIT_CODES.ok);
    expect(await depth(sqs, queue.url)).toMatchObject({ visible: 2 });
    expect(await depth(sqs, dlq.url)).toMatchObject({ visible: 1 });
  });

  it('stops between batches when interrupted', async () => {
    // Prepare
    const queue = await createQueue(sqs);
    const dlq = await createQueue(sqs);
    for (let batch = 0; batch < 3; batch++) {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: dlq.url, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `${batch}-${i}` })) }));
    }
    const controller = new AbortController();
    const progress: string[] = [];

    // Act: interrupt after the first batch
    const result = await moveMessages(sqs, { from: dlq.url, to: queue.url, limit: 30 }, {
      err: (line) => {
        progress.push(line);
        controller.abort();
      },
      signal: controller.signal,
    });

    // Assess: what was sent was deleted, nothing else was touched
    expect(result).toStrictEqual({ moved: 10, duplicates: 0, failed: 0 });
    expect(progress).toStrictEqual(['Moved 10 of about 30']);
    expect(await depth(sqs, queue.url)).toMatchObject({ visible: 10 });
    expect(await depth(sqs, dlq.url)).toMatchObject({ visible: 20, inFlight: 0 });
  });

  it('says when there is nothing to redrive', async () => {
    const queue = await createQueue(sqs);
    const dlq = await createQueue(sqs);
    const { io, stdout } = recordingIo({ CFIQ_QUEUE_URL: queue.url, CFIQ_DLQ_URL: dlq.url });
    expect(await runCli(['dlq', 'redrive'], io)).toBe(EXIT_CODES.ok);
    expect(stdout()).toMatch(/^Nothing to redrive/);
  });
});

describe('helpers', () => {
  it.each([
    ['https://sqs.eu-west-1.amazonaws.com/123456789012/q', 'eu-west-1'],
    ['https://eu-west-2.queue.amazonaws.com/123456789012/q', 'eu-west-2'],
    ['http://sqs.us-east-1.localhost:4566/000000000000/q', 'us-east-1'],
    ['http://127.0.0.1:4566/000000000000/q', undefined],
  ])('regionOfQueueUrl(%s) is %s', (url, region) => {
    expect(regionOfQueueUrl(url)).toBe(region);
  });

  it.each([
    ['http://sqs.us-east-1.localhost:4566/000000000000/q', 'http://127.0.0.1:4566'],
    ['http://localhost:9324/queue/q', 'http://127.0.0.1:9324'],
    ['https://sqs.us-east-1.amazonaws.com/123456789012/q', undefined],
  ])('loopbackEndpoint(%s) is %s', (url, endpoint) => {
    expect(loopbackEndpoint(url)).toBe(endpoint);
  });

  it('buildMessage sorts arguments into paths and urls', () => {
    expect(buildMessage(['/a', 'https://www.example.org/b', 'HTTP://x.example.org/'], { distributionId: 'E1', source: 'cfiq', reason: undefined })).toStrictEqual({
      distributionId: 'E1',
      paths: ['/a'],
      urls: ['https://www.example.org/b', 'HTTP://x.example.org/'],
      source: 'cfiq',
    });
  });

  it('redriveAttributes keeps only the original attributes', () => {
    expect(
      redriveAttributes({
        ErrorCode: { DataType: 'String', StringValue: 'x' },
        ErrorMessage: { DataType: 'String', StringValue: 'y' },
        SourceMessageId: { DataType: 'String', StringValue: 'z' },
        tenant: { DataType: 'String', StringValue: 'blog' },
      }),
    ).toStrictEqual({ tenant: { DataType: 'String', StringValue: 'blog' } });
    expect(redriveAttributes({ ErrorCode: { DataType: 'String', StringValue: 'x' } })).toBeUndefined();
  });
});

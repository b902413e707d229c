import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_CREDENTIALS } from '../../local/credentials.ts';
import { startLocalSqs, type LocalSqsServer } from '../../local/sqs-server.ts';
import type { CliIo } from '../../local/cli/io.ts';

/** fauxqs on 127.0.0.1 and a client for it. */
export async function startSqs(): Promise<{ server: LocalSqsServer; sqs: SQSClient; close(): Promise<void> }> {
  const server = await startLocalSqs(0);
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: server.endpoint, credentials: LOCAL_CREDENTIALS });
  return {
    server,
    sqs,
    close: async () => {
      sqs.destroy();
      await server.close();
    },
  };
}

/** What the CLI tests run against: fauxqs, a configuration file holding their config, and a folder with none. */
export interface CliWorkspace {
  readonly sqs: SQSClient;
  /** `invalidator.json` in a fresh folder: `--config`'s argument. */
  readonly configFile: string;
  /** A fresh folder with no cdk.json: a `cwd` where the CLI finds no configuration. */
  readonly emptyDir: string;
  close(): Promise<void>;
}

/** Start fauxqs and write `config` to a fresh `invalidator.json` (in a folder named after `name`). */
export async function startCliWorkspace(config: unknown, name: string): Promise<CliWorkspace> {
  const fauxqs = await startSqs();
  const configFile = join(mkdtempSync(join(tmpdir(), `${name}-`)), 'invalidator.json');
  writeFileSync(configFile, JSON.stringify(config));
  return { sqs: fauxqs.sqs, configFile, emptyDir: mkdtempSync(join(tmpdir(), 'cfiq-empty-')), close: () => fauxqs.close() };
}

let counter = 0;

/** A fresh queue with a unique name; returns its URL and ARN. */
export async function createQueue(sqs: SQSClient, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const name = `test-${process.pid}-${++counter}`;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** Visible, in-flight and delayed messages on a queue. */
export async function depth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

/** Poll `check` every 50 ms until it returns a value other than undefined, or fail after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A state file no cfiq local writes: commands run in tests don't pick up a local mode a developer (or another test)
 * runs in the repository. Tests of discovery set CFIQ_LOCAL_STATE themselves.
 */
export const NO_LOCAL_STATE = join(tmpdir(), `cfiq-no-local-state-${process.pid}`, 'local.json');

/** A CliIo that records what a command prints. */
export function recordingIo(env: Record<string, string | undefined> = {}, signal: AbortSignal = new AbortController().signal, cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env: { CFIQ_LOCAL_STATE: NO_LOCAL_STATE, ...env }, cwd, signal };
  return { io, out, err, stdout: () => out.join('\n'), stderr: () => err.join('\n') };
}

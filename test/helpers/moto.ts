/**
 * Starts and stops a real `moto_server` (moto's standalone AWS mock, any service) for conformance tests.
 *
 * Tests that need moto skip with a printed reason when it is not installed, except on CI (`CI=true`), where a
 * missing moto is an error: CI must not pass by skipping.
 *
 * @example
 * const skipReason = motoSkipReason();
 * describe.skipIf(skipReason !== undefined)('against moto', () => {
 *   let moto: MotoServer;
 *   beforeAll(async () => { moto = await startMoto(); });
 *   afterAll(() => moto?.stop());
 *   it('...', async () => { const sqs = new SQSClient({ endpoint: moto.endpoint, ... }); });
 * });
 */
import { CreateDistributionCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface MotoServer {
  /** `http://127.0.0.1:PORT`: pass it as an SDK client's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Wipes moto's state for every service (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /**
   * The moto_server executable.
   *
   * @default process.env.MOTO_SERVER ?? 'moto_server'
   */
  readonly command?: string;
  /**
   * How long to wait for the server to answer, in milliseconds.
   *
   * @default 30000
   */
  readonly readyTimeoutMs?: number;
}

const HOST = '127.0.0.1';
const PORT_ATTEMPTS = 3;

function defaultCommand(): string {
  return process.env.MOTO_SERVER ?? 'moto_server';
}

const availability = new Map<string, string | undefined>();

/**
 * Why moto cannot run here, or undefined when it can. Runs `moto_server -h` once per command (about 0.4 s).
 */
export function motoUnavailableReason(command: string = defaultCommand()): string | undefined {
  if (!availability.has(command)) {
    const probe = spawnSync(command, ['-h'], { encoding: 'utf8', timeout: 30_000 });
    let reason: string | undefined;
    if (probe.error) {
      const code = (probe.error as NodeJS.ErrnoException).code;
      reason = code === 'ENOENT' ? `${command} is not on PATH` : `${command} -h failed: ${probe.error.message}`;
    } else if (probe.status !== 0) {
      reason = `${command} -h exited with ${probe.status ?? probe.signal}: ${lastLine(probe.stderr)}`;
    }
    availability.set(command, reason);
  }
  return availability.get(command);
}

/**
 * For `describe.skipIf`: undefined when moto is available; otherwise prints the reason and returns it.
 *
 * @throws Error when moto is unavailable and `process.env.CI === 'true'`
 */
export function motoSkipReason(command: string = defaultCommand()): string | undefined {
  const reason = motoUnavailableReason(command);
  if (reason === undefined) return undefined;
  if (process.env.CI === 'true') throw new Error(`moto_server is required on CI (CI=true): ${reason}`);
  console.warn(`Skipping tests that need moto: ${reason}`);
  return reason;
}

/**
 * Starts `moto_server -H 127.0.0.1 -p PORT` on a free port and resolves once it answers HTTP.
 *
 * @throws Error when the server exits or does not answer within `readyTimeoutMs`; the message carries its output
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const command = options.command ?? defaultCommand();
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  let lastError: Error | undefined;
  // A free port can be taken between the probe and moto's bind; try a few.
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      return await launch(command, port, readyTimeoutMs);
    } catch (error) {
      lastError = error as Error;
      if (!/address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('moto_server did not start');
}

async function launch(command: string, port: number, readyTimeoutMs: number): Promise<MotoServer> {
  const child = spawn(command, ['-H', HOST, '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  spawnFailed.catch(() => undefined); // raced below; this only marks the rejection as handled
  // Do not leave moto running if the test process ends without calling stop().
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const endpoint = `http://${HOST}:${port}`;
  const stop = once(async () => {
    process.off('exit', killOnExit);
    await terminate(child, exited);
  });

  const deadline = Date.now() + readyTimeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${command} exited (${child.exitCode ?? child.signalCode}) before answering: ${output.trim()}`);
      }
      if (await answers(endpoint)) break;
      if (Date.now() > deadline) throw new Error(`${command} did not answer on ${endpoint} within ${readyTimeoutMs} ms: ${output.trim()}`);
      await Promise.race([sleep(100), spawnFailed]);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    endpoint,
    port,
    reset: async () => {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`moto reset failed with HTTP ${response.status}`);
    },
    stop,
  };
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function lastLine(text: string | null | undefined): string {
  return (text ?? '').trim().split('\n').at(-1) ?? '';
}

/**
 * Create a distribution in moto (an S3 origin named after `name`, CloudFront's managed CachingOptimized policy) for
 * tests that need one to invalidate.
 *
 * @param name - distinct per distribution in one moto: its CallerReference and origin
 * @returns its id
 */
export async function createMotoDistribution(client: CloudFrontClient, name: string): Promise<string> {
  const { Distribution } = await client.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: `cfiq-${name}`,
        Comment: name,
        Enabled: true,
        Origins: { Quantity: 1, Items: [{ Id: 's3-origin', DomainName: `cfiq-${name}.s3.us-east-1.amazonaws.com`, S3OriginConfig: { OriginAccessIdentity: '' } }] },
        DefaultCacheBehavior: {
          TargetOriginId: 's3-origin',
          ViewerProtocolPolicy: 'redirect-to-https',
          CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6', // Managed-CachingOptimized
        },
      },
    }),
  );
  return Distribution!.Id!;
}

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MotoServer } from '../helpers/moto.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The repository's own CLIs, run by this process's node (Node 24), as `npx cdk` and `npx cfiq` would. */
const ENTRIES = {
  cdk: join(ROOT, 'node_modules/aws-cdk/bin/cdk'),
  cfiq: join(ROOT, 'bin/cfiq.ts'),
} as const;

/** Below the tests' own timeout, so that a hung CLI is killed with its output reported. */
const RUN_TIMEOUT_MS = 80_000;

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `cdk` or `cfiq` in the repository root and resolves with its output once it exits with 0. Nothing is printed
 * on success; the output is in the error otherwise.
 *
 * @throws Error when the command exits with another code or is killed after 80 s; the message carries its output
 */
export function run(tool: keyof typeof ENTRIES, args: readonly string[], env: Record<string, string>): Promise<RunResult> {
  const argv = tool === 'cdk' ? [...args, '--no-notices'] : [...args];
  const child = spawn(process.execPath, [ENTRIES[tool], ...argv], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${tool} ${argv.join(' ')} exited with ${code ?? signal}\n--- stdout\n${stdout.slice(-8000)}\n--- stderr\n${stderr.slice(-8000)}`));
    });
  });
}

/**
 * The environment of the CDK CLI and cfiq: every AWS call to moto on 127.0.0.1 with fake credentials in us-east-1,
 * no AWS profile or instance metadata, the CDK CLI offline (no telemetry, version check or notices) with its cache
 * in `scratch`. The caller's own AWS_*, CDK_* and CFIQ_* variables are left out.
 */
export function deployEnvironment(moto: MotoServer, scratch: string): Record<string, string> {
  const inherited = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && !/^(AWS_|CDK_|CFIQ_)/.test(entry[0]),
  );
  return {
    ...Object.fromEntries(inherited),
    // cdk.json's app is `node bin/app.ts`: the node that runs the tests (Node 24) comes first.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    NO_COLOR: '1',
    NO_PROXY: '127.0.0.1,localhost',
    AWS_ENDPOINT_URL: moto.endpoint,
    // The CDK CLI passes CloudFormation the template's S3 URL; moto takes that URL's host for the bucket's name
    // unless it is localhost.
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: `http://localhost:${moto.port}`,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_CONFIG_FILE: join(scratch, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_HOME: join(scratch, 'cdk-home'),
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
  };
}

/** One request to moto's REST API of `service`, with an Authorization header naming it, as the SDK would sign it. */
async function motoRequest(moto: MotoServer, service: string, path: string, init: { method: string; body?: unknown; headers?: Record<string, string> }): Promise<unknown> {
  const response = await fetch(`${moto.endpoint}${path}`, {
    method: init.method,
    headers: {
      'Content-Type': 'application/json',
      ...init.headers,
      // moto takes the service from the credential scope and checks no signature.
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (!response.ok) throw new Error(`${init.method} ${path} (${service}) failed with HTTP ${response.status}: ${await response.text()}`);
  return response.json();
}

/**
 * The names of the CloudWatch Logs groups that start with `prefix` (DescribeLogGroups). A bare call: the repository
 * has no CloudWatch Logs client.
 */
export async function describeLogGroups(moto: MotoServer, prefix: string): Promise<string[]> {
  const { logGroups = [] } = (await motoRequest(moto, 'logs', '/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Logs_20140328.DescribeLogGroups' },
    body: { logGroupNamePrefix: prefix },
  })) as { logGroups?: { logGroupName: string }[] };
  return logGroups.map((group) => group.logGroupName);
}

/** A Lambda event source mapping as ListEventSourceMappings describes it (the fields the tests read). */
export interface EventSourceMapping {
  readonly UUID: string;
  readonly EventSourceArn: string;
  readonly FunctionArn: string;
  readonly BatchSize: number;
  readonly State: string;
}

/** The event source mappings that read the queue `queueArn` (ListEventSourceMappings). No Lambda client here either. */
export async function eventSourceMappings(moto: MotoServer, queueArn: string): Promise<EventSourceMapping[]> {
  const { EventSourceMappings = [] } = (await motoRequest(moto, 'lambda', `/2015-03-31/event-source-mappings/?EventSourceArn=${encodeURIComponent(queueArn)}`, {
    method: 'GET',
  })) as { EventSourceMappings?: EventSourceMapping[] };
  return EventSourceMappings;
}

/** Turns an event source mapping off (UpdateEventSourceMapping, Enabled false), as an operator pauses the function. */
export async function disableEventSourceMapping(moto: MotoServer, uuid: string): Promise<EventSourceMapping> {
  return (await motoRequest(moto, 'lambda', `/2015-03-31/event-source-mappings/${uuid}`, { method: 'PUT', body: { Enabled: false } })) as EventSourceMapping;
}

/** A function's environment variables (GetFunctionConfiguration). */
export async function functionEnvironment(moto: MotoServer, functionArn: string): Promise<Record<string, string>> {
  const { Environment } = (await motoRequest(moto, 'lambda', `/2015-03-31/functions/${encodeURIComponent(functionArn)}/configuration`, {
    method: 'GET',
  })) as { Environment?: { Variables?: Record<string, string> } };
  return Environment?.Variables ?? {};
}

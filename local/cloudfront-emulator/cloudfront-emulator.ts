// Over 250 lines on purpose: the emulator's HTTP server and its public handle (start, stop, faults, inspection),
// one class that tests and local mode use as a whole.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK_HOST, MAX_REQUEST_BODY_BYTES } from './constants.ts';
import { batchTooLarge, malformedInput, serviceUnavailable, throttling } from './errors.ts';
import { FaultInjector } from './fault-injector.ts';
import { errorResponse, handleApiRequest, type ApiResponse } from './handler.ts';
import { InvalidationStore } from './invalidation-store.ts';
import { matchRoute } from './routes.ts';
import type {
  CloudFrontEmulatorOptions,
  EmulatorLogger,
  EmulatorStats,
  FaultKind,
  FaultOptions,
  InvalidationRecord,
  OperationName,
  RequestRecord,
  TenantOptions,
} from './types.ts';

const OPTION_KEYS: ReadonlySet<string> = new Set(['port', 'distributions', 'tenants', 'completionDelayMs', 'faults', 'logger', 'now']);

/**
 * An in-process CloudFront API (version 2020-05-31) on 127.0.0.1 for CreateInvalidation, GetInvalidation and
 * ListInvalidations, with CloudFront's path rules and in-progress limits, optional seeded fault injection, and
 * inspection of everything it accepted. Start it with {@link startCloudFrontEmulator}.
 */
export class CloudFrontEmulator {
  private readonly server: Server;
  private readonly store: InvalidationStore;
  private readonly faultInjector: FaultInjector;
  private readonly logger: EmulatorLogger | undefined;
  private readonly now: () => number;
  private readonly requestedPort: number;
  private readonly log: RequestRecord[] = [];
  private seq = 0;
  private boundPort: number | undefined;
  private closing: Promise<void> | undefined;

  /**
   * Validates the options and prepares the server; `listen()` opens the port. Prefer `startCloudFrontEmulator`.
   *
   * @throws TypeError on an unknown option or a value of the wrong type
   * @throws RangeError on a port, delay or fault rate out of range
   */
  public constructor(options: CloudFrontEmulatorOptions = {}) {
    validateOptions(options);
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    this.store = new InvalidationStore({
      distributions: options.distributions ?? [],
      completionDelayMs: drawnDelay(options.completionDelayMs ?? 0),
      now: this.now,
    });
    for (const tenant of options.tenants ?? []) this.store.addTenant(tenant);
    this.faultInjector = new FaultInjector(options.faults);
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        this.logger?.warn('cloudfront-emulator: request failed', { error });
        if (!res.headersSent) res.destroy();
      });
    });
    this.requestedPort = options.port ?? 0;
  }

  /** Opens the port on 127.0.0.1. */
  public async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.requestedPort, LOOPBACK_HOST, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  /** The port the emulator listens on. */
  public get port(): number {
    if (this.boundPort === undefined) throw new Error('The CloudFront emulator is not listening; call listen() first.');
    return this.boundPort;
  }

  /** `http://127.0.0.1:PORT`: pass it as the SDK client's `endpoint`. */
  public get endpoint(): string {
    return `http://${LOOPBACK_HOST}:${this.port}`;
  }

  /** Makes a distribution exist, so invalidations for it are accepted. Adding an existing one changes nothing. */
  public addDistribution(id: string): void {
    this.store.addDistribution(id);
  }

  /**
   * Makes a distribution tenant of an existing distribution exist (CloudFront SaaS Manager), found by its domains
   * with GetDistributionTenantByDomain. Adding an existing one changes nothing.
   */
  public addTenant(tenant: TenantOptions): void {
    this.store.addTenant(tenant);
  }

  /** The ids of all distribution tenants that exist. */
  public get tenants(): string[] {
    return this.store.tenantIds();
  }

  /** The ids of all distributions that exist. */
  public get distributions(): string[] {
    return this.store.distributionIds();
  }

  /**
   * Changes fault injection at run time and restarts its sequence from the seed; `undefined` turns it off.
   * Counts of faults already injected are kept.
   */
  public setFaults(faults: FaultOptions | undefined): void {
    this.faultInjector.set(faults);
  }

  /** Every accepted invalidation (of one distribution, or of all), oldest first, with its current status. */
  public invalidations(distributionId?: string): InvalidationRecord[] {
    return this.store.all(distributionId);
  }

  /** Moves every in-progress invalidation (of one distribution, or of all) to `Completed` now. */
  public completeInvalidations(distributionId?: string): void {
    this.store.completeAll(distributionId);
  }

  /** Every request since start or the last `reset()`, in the order they were answered (`seq` is the arrival order). */
  public get requests(): readonly RequestRecord[] {
    return [...this.log];
  }

  public stats(): EmulatorStats {
    const byOperation: Record<OperationName, number> = {
      CreateInvalidation: 0,
      GetInvalidation: 0,
      ListInvalidations: 0,
      CreateInvalidationForDistributionTenant: 0,
      GetInvalidationForDistributionTenant: 0,
      ListInvalidationsForDistributionTenant: 0,
      GetDistributionTenantByDomain: 0,
      Unknown: 0,
    };
    const errors: Record<string, number> = {};
    let invalidationsCreated = 0;
    let replays = 0;
    for (const record of this.log) {
      byOperation[record.operation]++;
      if (record.errorCode !== undefined) errors[record.errorCode] = (errors[record.errorCode] ?? 0) + 1;
      const creates = record.operation === 'CreateInvalidation' || record.operation === 'CreateInvalidationForDistributionTenant';
      if (creates && record.outcome === 'success') invalidationsCreated++;
      if (record.outcome === 'replayed') replays++;
    }
    const all = this.store.all();
    return {
      requests: this.log.length,
      byOperation,
      errors,
      faults: this.faultInjector.counts(),
      invalidationsCreated,
      replays,
      pathsAccepted: all.reduce((sum, inv) => sum + inv.paths.length, 0),
      inProgress: all.filter((inv) => inv.status === 'InProgress').length,
    };
  }

  /** Forgets invalidations, requests and fault counts, and restarts the fault sequence; distributions stay. */
  public reset(): void {
    this.store.clear();
    this.log.length = 0;
    this.seq = 0;
    this.faultInjector.reset();
  }

  /** Stops listening and drops open connections. Safe to call more than once. */
  public close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  /** `await using emulator = await startCloudFrontEmulator(...)` closes it at the end of the scope. */
  public [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seq = ++this.seq;
    const receivedAt = new Date(this.now());
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const requestId = randomUUID();
    const raw = await readBody(req, MAX_REQUEST_BODY_BYTES);

    const fault = this.faultInjector.next();
    if (fault !== undefined) {
      this.injectFault(fault, { seq, receivedAt, method, url, requestId }, req, res);
      return;
    }

    let response: ApiResponse;
    if (raw === undefined) {
      response = errorResponse(batchTooLarge(), requestId, 'Unknown');
    } else {
      const body = decodeUtf8(raw);
      response =
        body === undefined
          ? errorResponse(malformedInput('The request body is not valid UTF-8.'), requestId, 'Unknown')
          : handleApiRequest(this.store, { method, url, body, requestId });
    }
    if (response.failure !== undefined) this.logger?.warn('cloudfront-emulator: internal error', { error: response.failure });
    this.record({
      seq,
      receivedAt,
      method,
      url,
      operation: response.operation,
      ...(response.distributionId === undefined ? {} : { distributionId: response.distributionId }),
      statusCode: response.statusCode,
      outcome: response.errorCode !== undefined ? 'error' : response.replayed ? 'replayed' : 'success',
      ...(response.errorCode === undefined ? {} : { errorCode: response.errorCode }),
      ...(response.invalidationId === undefined ? {} : { invalidationId: response.invalidationId }),
    });
    res.writeHead(response.statusCode, response.headers);
    res.end(response.body);
  }

  /** Answers with a fault before the request has any effect, as an overloaded front end would. */
  private injectFault(
    fault: FaultKind,
    request: Pick<RequestRecord, 'seq' | 'receivedAt' | 'method' | 'url'> & { readonly requestId: string },
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const { requestId, ...rest } = request;
    // Record which operation the fault hit, although the request is never processed.
    const route = matchRoute(rest.method, new URL(rest.url, 'http://emulator.invalid').pathname);
    const base = { ...rest, operation: route?.operation ?? 'Unknown', ...(route ? { distributionId: route.distributionId } : {}) } as const;
    if (fault === 'connectionReset') {
      this.record({ ...base, outcome: 'fault', fault });
      req.socket.resetAndDestroy();
      return;
    }
    const error = fault === 'throttling' ? throttling() : serviceUnavailable();
    const response = errorResponse(error, requestId, base.operation, route?.distributionId);
    this.record({ ...base, statusCode: response.statusCode, outcome: 'fault', fault, errorCode: error.code });
    res.writeHead(response.statusCode, response.headers);
    res.end(response.body);
  }

  private record(record: RequestRecord): void {
    this.log.push(record);
    if (!this.logger) return;
    const summary = `cloudfront-emulator: ${record.method} ${record.url} -> ${record.statusCode ?? 'connection reset'}${record.errorCode ? ` ${record.errorCode}` : ''}`;
    if (record.outcome === 'fault') this.logger.warn(summary, { request: record });
    else this.logger.info(summary, { request: record });
  }
}

/**
 * Starts a CloudFront emulator on 127.0.0.1.
 *
 * @example
 * const emulator = await startCloudFrontEmulator({ distributions: ['E2EXAMPLE'], completionDelayMs: 1000 });
 * const client = new CloudFrontClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials });
 * // ... exercise the code under test ...
 * expect(emulator.invalidations('E2EXAMPLE')).toHaveLength(1);
 * await emulator.close();
 *
 * @param options see {@link CloudFrontEmulatorOptions}
 * @throws TypeError, RangeError on invalid options; the listen error when the port is taken
 */
export async function startCloudFrontEmulator(options: CloudFrontEmulatorOptions = {}): Promise<CloudFrontEmulator> {
  const emulator = new CloudFrontEmulator(options);
  await emulator.listen();
  return emulator;
}

/** Reads the whole body; undefined when it exceeds `limit` bytes (the rest is drained, not kept). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(raw: Buffer): string | undefined {
  try {
    return utf8.decode(raw);
  } catch {
    return undefined;
  }
}

/** A fixed delay as it is; a drawn one checked on every draw, so a bad draw fails loudly instead of never completing. */
function drawnDelay(delay: number | (() => number)): number | (() => number) {
  if (typeof delay === 'number') return delay;
  return () => {
    const drawn = delay();
    if (!(Number.isFinite(drawn) && drawn >= 0)) throw new RangeError(`completionDelayMs() must return a finite number of at least 0 (returned ${drawn})`);
    return drawn;
  };
}

function validateOptions(options: CloudFrontEmulatorOptions): void {
  const unknown = Object.keys(options).filter((key) => !OPTION_KEYS.has(key));
  if (unknown.length > 0) throw new TypeError(`CloudFront emulator: unknown option(s) ${unknown.join(', ')}`);
  const { port, completionDelayMs, distributions, now } = options;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new RangeError(`port must be an integer between 0 and 65535 inclusive (given ${port})`);
  }
  if (completionDelayMs !== undefined && typeof completionDelayMs !== 'function' && !(Number.isFinite(completionDelayMs) && completionDelayMs >= 0)) {
    throw new RangeError(`completionDelayMs must be a finite number of at least 0 (given ${completionDelayMs})`);
  }
  if (distributions !== undefined && !Array.isArray(distributions)) {
    throw new TypeError('distributions must be an array of distribution ids');
  }
  if (options.tenants !== undefined && !Array.isArray(options.tenants)) throw new TypeError('tenants must be an array of { id, distributionId, domains? }');
  if (now !== undefined && typeof now !== 'function') throw new TypeError('now must be a function returning epoch milliseconds');
}

/** CloudFront's two invalidation states, spelled as the API spells them. */
export type InvalidationStatus = 'InProgress' | 'Completed';

/** The operations the emulator implements; `Unknown` marks any other method and path. */
export type OperationName =
  | 'CreateInvalidation'
  | 'GetInvalidation'
  | 'ListInvalidations'
  | 'CreateInvalidationForDistributionTenant'
  | 'GetInvalidationForDistributionTenant'
  | 'ListInvalidationsForDistributionTenant'
  | 'GetDistributionTenantByDomain'
  | 'Unknown';

/** A distribution tenant (CloudFront SaaS Manager) of a multi-tenant distribution, and the domains it serves. */
export interface TenantOptions {
  /** Its id, `dt_` and letters and digits. */
  readonly id: string;
  /** The multi-tenant distribution it belongs to; must exist. */
  readonly distributionId: string;
  /** Domains GetDistributionTenantByDomain finds it by. @default [] */
  readonly domains?: readonly string[];
}

/** The faults the emulator can inject in place of an answer. */
export type FaultKind = 'throttling' | 'serviceUnavailable' | 'connectionReset';

/** The body of a CreateInvalidation request, as read from the wire (not yet validated). */
export interface InvalidationBatchInput {
  /** The `Paths/Quantity` the client declared. */
  readonly quantity: number;
  /** The `Paths/Items/Path` values, in request order. */
  readonly paths: readonly string[];
  readonly callerReference: string;
}

/** A snapshot of one accepted invalidation, with its status as of the moment the snapshot was taken. */
export interface InvalidationRecord {
  /** The distribution; for a tenant's invalidation, the tenant's multi-tenant distribution. */
  readonly distributionId: string;
  /** The distribution tenant, for an invalidation created with CreateInvalidationForDistributionTenant. */
  readonly tenantId?: string;
  readonly id: string;
  readonly callerReference: string;
  readonly paths: readonly string[];
  readonly createTime: Date;
  readonly status: InvalidationStatus;
}

/** One HTTP request the emulator received and what it did with it. */
export interface RequestRecord {
  /** 1 for the first request since start or the last `reset()`. */
  readonly seq: number;
  readonly receivedAt: Date;
  readonly method: string;
  /** The request target: path and query string. */
  readonly url: string;
  readonly operation: OperationName;
  readonly distributionId?: string;
  /** The HTTP status sent; absent when the connection was reset instead. */
  readonly statusCode?: number;
  /** `replayed`: a CreateInvalidation answered with an existing invalidation (same CallerReference and paths). */
  readonly outcome: 'success' | 'replayed' | 'error' | 'fault';
  /** The CloudFront error code sent, for `error` and for the throttling and 503 faults. */
  readonly errorCode?: string;
  readonly fault?: FaultKind;
  /** The invalidation created, replayed or read. */
  readonly invalidationId?: string;
}

/** Counters since start or the last `reset()`. */
export interface EmulatorStats {
  readonly requests: number;
  readonly byOperation: Readonly<Record<OperationName, number>>;
  /** Error responses by CloudFront error code, injected faults included. */
  readonly errors: Readonly<Record<string, number>>;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly invalidationsCreated: number;
  readonly replays: number;
  /** Paths in all accepted invalidations. */
  readonly pathsAccepted: number;
  /** Invalidations whose status is `InProgress` right now, all distributions together. */
  readonly inProgress: number;
}

/**
 * Fault injection settings. Every request draws one number from a PRNG seeded with `seed`, so the same seed
 * and the same request order give the same faults. The three rates are shares of requests, in [0, 1], and
 * together at most 1.
 */
export interface FaultOptions {
  /** PRNG seed; an unsigned 32-bit integer. */
  readonly seed: number;
  /**
   * Share answered with CloudFront's `Throttling` error (HTTP 400, "Rate exceeded").
   *
   * @default 0
   */
  readonly throttleRate?: number;
  /**
   * Share answered with `ServiceUnavailable` (HTTP 503).
   *
   * @default 0
   */
  readonly serviceUnavailableRate?: number;
  /**
   * Share whose connection is reset (TCP RST) without an answer.
   *
   * @default 0
   */
  readonly connectionResetRate?: number;
}

/** Where the emulator reports requests; Powertools' Logger and `console` both fit. */
export interface EmulatorLogger {
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
}

export interface CloudFrontEmulatorOptions {
  /**
   * TCP port on 127.0.0.1; 0 picks a free one (read it back from `emulator.port`).
   * Valid range: 0 to 65535.
   *
   * @default 0
   */
  readonly port?: number;
  /**
   * Distribution ids that exist from the start; more can be added with `addDistribution`.
   *
   * @default []
   */
  readonly distributions?: readonly string[];
  /**
   * Distribution tenants that exist from the start, each of a distribution in `distributions`; more can be added
   * with `addTenant`.
   *
   * @default []
   */
  readonly tenants?: readonly TenantOptions[];
  /**
   * Milliseconds an invalidation stays `InProgress` before it reads as `Completed`. 0 completes at once. A function
   * is called once per invalidation created, so each can take its own time, as CloudFront's do (60 to 300 s); it
   * must return a finite number of at least 0. Status is computed from timestamps, so no timer keeps the process alive.
   *
   * @default 0
   */
  readonly completionDelayMs?: number | (() => number);
  /**
   * Fault injection; change it later with `setFaults`.
   *
   * @default - no faults
   */
  readonly faults?: FaultOptions;
  /**
   * Receives one line per request.
   *
   * @default - silent
   */
  readonly logger?: EmulatorLogger;
  /**
   * The clock, in epoch milliseconds; tests pass a fake one to move invalidations to `Completed` without waiting.
   *
   * @default Date.now
   */
  readonly now?: () => number;
}

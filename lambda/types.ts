/**
 * The types the stages share: what a batch's messages ask for (targets), what is planned and sent (requests,
 * outcomes), and what is settled (dead letters, remainders, retries). Types used by one module stay in it.
 */
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { HandlerSettings } from './config.ts';
import type { GaugeName, MetricName } from './metrics.ts';
import type { InProgressReader } from './submit/in-progress.ts';
import type { SendLeases } from './submit/lease-writes.ts';
import type { DistributionRouter } from './resolve/routing.ts';
import type { TenantLookup } from './resolve/tenant-lookup.ts';
import type { QueueUrlResolver } from './settle/sqs.ts';

/** One path a message asks to invalidate, normalized, and the distribution it goes to. */
export interface Target {
  readonly distributionId: string;
  readonly path: string;
}

/** One message's paths, normalized and grouped by the distribution they go to. */
export type PathsByDistribution = Map<string, Set<string>>;

/**
 * Where resolveTargets gets its targets: a new object for each (plainTargets), or one batch's shared ones
 * (BatchTargets, which resolves each distinct URL of a batch once).
 */
export interface TargetSource<T extends Target> {
  /** The target of a normalized `path` for `distributionId`. */
  pathTarget(distributionId: string, path: string): T;
  /**
   * The target of a page URL.
   * @throws {InvalidMessageError} `InvalidUrl` or `UnknownHost`, naming the bad value (as resolveUrl)
   */
  urlTarget(url: string, router: DistributionRouter): T;
  /** `targets` without repeats, in first-seen order: `targets` itself when none repeats. */
  distinct(targets: readonly T[]): readonly T[];
}

/** What a message says of itself, for logs, and kept in the remainders cut from it. */
export interface MessageNotes {
  readonly source?: string;
  readonly reason?: string;
}

/** A message that passed validation, with its paths routed to distributions. */
export interface AcceptedMessage extends MessageNotes {
  readonly messageId: string;
  /** Each (distribution, path) it asks for, once (see resolveTargets). */
  readonly targets: readonly Target[];
}

/** One CreateInvalidation to make, and the messages whose paths it covers. */
export interface InvalidationRequest {
  readonly distributionId: string;
  readonly paths: string[];
  /** Ids of the messages that have at least one path covered by this request, sorted. */
  readonly messageIds: string[];
  /** Deterministic, so a retried identical request is idempotent at CloudFront. */
  readonly callerReference: string;
}

/**
 * What a batch asks of one distribution: its distinct paths (in any order), and the ids of the messages that asked
 * for any (in any order; an id may repeat). A batch of 10,000 messages names "/" 10,000 times, so the messages are
 * listed per distribution, not per path.
 */
export interface Requested {
  readonly paths: readonly string[];
  readonly messageIds: readonly string[];
}

/** File paths and wildcard paths, as CloudFront counts them against its in-progress limits. */
export interface PathCount {
  readonly files: number;
  readonly wildcards: number;
}

/** What came of one CreateInvalidation, after the SDK's own retries. */
export type InvalidationOutcome =
  | { readonly kind: 'created'; readonly invalidationId: string; readonly status: string }
  | { readonly kind: 'transient' | 'permanent' | 'waiting'; readonly code: string; readonly message: string };

/**
 * A request not created: `permanent` (no retry can help), `transient` (retried with backoff, spending a receive) or
 * `waiting` (the distribution's in-progress budget is full: the messages wait, spending no receive).
 */
export type FailedOutcome = Extract<InvalidationOutcome, { kind: 'transient' | 'permanent' | 'waiting' }>;

/** A request sent (or not sent: deferred, a transient outcome), and what came of it. */
export interface Submitted {
  readonly request: InvalidationRequest;
  readonly outcome: InvalidationOutcome;
}

/** A message to send with SendMessageBatch, and its size as SQS counts it. */
export interface OutgoingMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly bytes: number;
  /** Capped at SQS's 900 s. @default 0 */
  readonly delaySeconds?: number;
}

/** What came of sending one message: its new id, or why it was not sent. */
export type SendResult = { readonly messageId: string } | { readonly error: string };

/** A record to move to the dead-letter queue, with its reason. */
export interface DeadLetter {
  readonly record: SQSRecord;
  readonly code: string;
  readonly message: string;
}

/** A record to hide for a while before its next receive. */
export interface VisibilityChange {
  readonly record: SQSRecord;
  readonly visibilityTimeoutSeconds: number;
}

/** One remainder to send: the body, its attributes, and the record it was cut from. */
export interface Remainder {
  readonly record: SQSRecord;
  readonly distributionId: string;
  readonly paths: readonly string[];
  readonly body: string;
  /** `RemainderOf`, then those of the original's attributes that fit (see remainderAttributes). */
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  /** The backoff before it is received, at most SQS's 900 s. */
  readonly delaySeconds: number;
}

/** Where the pipeline reports what it did: Powertools Logger and Metrics in Lambda, anything alike in tests. */
export interface PipelineObserver {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  count(metric: MetricName, value: number): void;
  /** A per-distribution gauge (see GAUGES); optional for observers that do not keep them. */
  gauge?(metric: GaugeName, value: number, unit: 'Count' | 'Seconds', dimensions: { readonly DistributionId: string }): void;
}

export interface PipelineDependencies {
  readonly cloudfront: CloudFrontClient;
  readonly sqs: SQSClient;
  readonly settings: HandlerSettings;
  readonly router: DistributionRouter;
  readonly queueUrls: QueueUrlResolver;
  readonly observer: PipelineObserver;
  /**
   * Milliseconds left before the invocation times out: no request starts, and none runs on, within the deadline
   * margin of the end.
   */
  readonly remainingTimeMs?: () => number;
  readonly random?: () => number;
  /** Epoch milliseconds now. @default Date.now */
  readonly now?: () => number;
  /** Reads what is in progress on a distribution; one per warm container caches invalidations' path counts. */
  readonly inProgress?: InProgressReader;
  /** Asks CloudFront which tenant serves a domain (tenantLookup); one per warm container caches the answers. */
  readonly tenantLookup?: TenantLookup;
  /** The send leases concurrent invocations take turns by (send-lease.ts); absent: no turns are taken. */
  readonly leases?: SendLeases;
  /** Wait `ms` (waiting for a send lease). @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

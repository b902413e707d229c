/** The handler's CloudWatch metrics (EMF, unit Count): read by the dashboard, the alarms and local mode. */
export const METRICS = {
  messagesReceived: 'MessagesReceived',
  invalidMessages: 'InvalidMessages',
  pathsRequested: 'PathsRequested',
  pathsSubmitted: 'PathsSubmitted',
  invalidationsCreated: 'InvalidationsCreated',
  transientFailures: 'TransientFailures',
  permanentFailures: 'PermanentFailures',
  deadLetteredMessages: 'DeadLetteredMessages',
  /** Messages acknowledged and re-sent with a delay because their distribution's in-progress budget was full. */
  messagesWaiting: 'MessagesWaiting',
  /** S3 object changes acknowledged without an invalidation: outside every `keyPrefix`, "folder" keys, events that change no content. */
  s3KeysIgnored: 'S3KeysIgnored',
  /** The `s3:TestEvent` messages S3 sends when a notification is configured: acknowledged, nothing else. */
  s3TestEvents: 'S3TestEvents',
  /** Invalid records of S3 event bodies whose other records were invalidated: logged, not dead-lettered. */
  s3RecordsRejected: 'S3RecordsRejected',
  /** Requested paths replaced by a directory wildcard under a backlog (wildcardCollapse.whenBacklogRoundsAbove). */
  pathsCollapsed: 'PathsCollapsed',
  /** Distributions a batch sent to without the send lease (another invocation held it too long, or DynamoDB failed). */
  leasesNotTaken: 'LeasesNotTaken',
} as const;
/** The name of one of the handler's {@link METRICS}. */
export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/**
 * Per-distribution gauges (dimension `DistributionId`), one value a batch for each distribution it targets, 0 when
 * nothing waits: the backlog a burst leaves, and how old its oldest message is (alarmed on).
 */
export const GAUGES = {
  pathsWaiting: 'PathsWaiting',
  oldestWaitingAge: 'OldestWaitingAgeSeconds',
  invalidationsInProgress: 'InvalidationsInProgress',
} as const;
/** The name of one of the per-distribution {@link GAUGES}. */
export type GaugeName = (typeof GAUGES)[keyof typeof GAUGES];

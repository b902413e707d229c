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
} as const;
export type MetricName = (typeof METRICS)[keyof typeof METRICS];

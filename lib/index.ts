// The package's main entry point, `cloudfront-invalidation-queue` (its API: docs/api/): the construct, the stack and
// the app that deploys it from the `invalidator` context, and the message contract (also on its own, without the
// CDK, as `cloudfront-invalidation-queue/message`).
export * from './app.ts';
export * from './invalidation-queue.ts';
export * from './invalidation-queue-stack.ts';
export * from './stack-outputs.ts';
export * from '../lambda/read/message-contract.ts';
// What the construct's public fields and methods name: its configuration, and the handler's metrics.
export { invalidatorConfigSchema, type InvalidatorConfig } from '../lambda/config.ts';
export { GAUGES, METRICS, type GaugeName, type MetricName } from '../lambda/metrics.ts';

import { createHandler } from './wiring.ts';

/** The Lambda entry point: an SQS event source with `reportBatchItemFailures`. Settings are validated at cold start. */
export const handler = createHandler();

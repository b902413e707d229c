import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { METRICS } from './metrics.ts';
import { admit } from './plan/admission.ts';
import { collapseBatchUnderBacklog } from './plan/backlog-collapse.ts';
import { planInvalidations } from './plan/plan.ts';
import { mostUrgentFirst } from './plan/urgency.ts';
import { readRecords, type ReadBatch } from './read/records.ts';
import { routerForBatch, tenantParents } from './resolve/batch-router.ts';
import { bucketRouterOf } from './resolve/bucket-keys.ts';
import { settleBatch } from './settle/settle.ts';
import { InProgressBudget } from './submit/in-progress-budget.ts';
import { readInProgress } from './submit/read-in-progress.ts';
import { holdingSendLeases } from './submit/send-lease.ts';
import { submitAll } from './submit/submit-all.ts';
import type { PipelineDependencies } from './types.ts';

/**
 * Process one SQS batch, stage by stage: read (validate and route every record), plan (admit what fits CloudFront's
 * in-progress budget, oldest first; coalesce and chunk it per distribution), submit (CreateInvalidation within the
 * budget and the deadline), settle (dead-letter what can never succeed, re-send what waits or what is owed, delay
 * retries).
 *
 * @returns the partial batch response: the records to receive again
 */
export async function processBatch(records: readonly SQSRecord[], deps: PipelineDependencies): Promise<SQSBatchResponse> {
  const { observer, settings } = deps;
  observer.count(METRICS.messagesReceived, records.length);

  // With tenantLookup, the tenants CloudFront names for hosts the configuration does not route.
  const router = await routerForBatch(records, deps);
  const read = readRecords(records, router, observer, bucketRouterOf(settings.config));
  observer.count(METRICS.invalidMessages, read.deadLetters.length);
  observer.count(METRICS.pathsRequested, read.pathsRequested);
  // Only in batches that hold S3 events: a deployment without buckets publishes none of them.
  if (read.s3.keysIgnored > 0) observer.count(METRICS.s3KeysIgnored, read.s3.keysIgnored);
  if (read.s3.testEvents > 0) observer.count(METRICS.s3TestEvents, read.s3.testEvents);
  if (read.s3.recordsRejected > 0) observer.count(METRICS.s3RecordsRejected, read.s3.recordsRejected);

  // A distribution tenant shares its multi-tenant distribution's in-progress budget (in-progress-budget.ts): the
  // parent's own invalidations are read too, and the parent's send lease is the tenant's.
  const parents = tenantParents(read.requested.keys(), router);
  const leaseKeys = [...read.requested.keys()].map((id) => parents.get(id) ?? id);
  const { batch, ...sent } = await holdingSendLeases(leaseKeys, deps, () => planAndSubmit(records, read, parents, deps));
  return settleBatch(records, batch, sent, deps);
}

/**
 * Read the in-progress budget of what the batch targets, admit what fits (oldest first), plan and send it: all of it
 * while the batch holds its distributions' send leases (send-lease.ts), so no other invocation spends the budget read.
 */
async function planAndSubmit(records: readonly SQSRecord[], read: ReadBatch, parents: ReadonlyMap<string, string>, deps: PipelineDependencies) {
  const inProgress = await readInProgress(new Set([...read.requested.keys(), ...parents.values()]), deps);
  const budget = new InProgressBudget(inProgress, parents);
  const free = (distributionId: string) => budget.free(distributionId);
  // Opt-in: under a large backlog, directories collapse into wildcards before the budget is given out.
  const batch = await collapseBatchUnderBacklog(records, read, free, deps);
  const admission = admit(batch.accepted, records, free, batch.requested, (id) => parents.get(id));
  const planned = planInvalidations(
    admission.admitted,
    { ...deps.settings.config, freeWildcards: (distributionId) => free(distributionId).wildcards },
    admission.all ? batch.requested : undefined,
  );
  // With one receive count in the batch (every message new, the usual case), all requests are equally urgent.
  const ordered = read.oneReceiveCount ? planned : mostUrgentFirst(planned, records);
  const submitted = await submitAll(ordered, batch.accepted, deps, budget);
  return { batch, submitted, admission, inProgress };
}

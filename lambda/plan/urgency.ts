import type { SQSRecord } from 'aws-lambda';
import { receiveCountOf } from '../read/records.ts';
import type { InvalidationRequest } from '../types.ts';

/**
 * The requests in the order to send them: those carrying a message received most often first, so that when the
 * in-progress limits defer some, a message near its last receive is not the one left waiting (requests are cut from
 * sorted paths: without this, the paths that sort last would wait in every busy batch). Ties keep the planned order.
 */
export function mostUrgentFirst(requests: InvalidationRequest[], records: readonly SQSRecord[]): InvalidationRequest[] {
  if (requests.length < 2) return requests;
  const receives = new Map(records.map((record) => [record.messageId, receiveCountOf(record)]));
  const urgency = (request: InvalidationRequest) => Math.max(...request.messageIds.map((id) => receives.get(id) ?? 1));
  return requests
    .map((request) => ({ request, urgency: urgency(request) }))
    .sort((a, b) => b.urgency - a.urgency)
    .map(({ request }) => request);
}

import type { SQSRecord } from 'aws-lambda';
import { receiveCountOf } from '../read/records.ts';
import { countPaths, isWildcard } from '../resolve/paths.ts';
import type { AcceptedMessage, PathCount, Requested, Target } from '../types.ts';

/** The message attribute holding when a message's first version was enqueued (epoch ms), kept across re-sends. */
export const FIRST_ENQUEUED_AT_ATTRIBUTE = 'FirstEnqueuedAt';

/** Which of a batch's targets fit CloudFront's in-progress budget now, and which wait. */
export interface Admission {
  /** The messages with the targets that fit: `accepted` itself when everything fits. */
  readonly admitted: readonly AcceptedMessage[];
  /** Whether every target fits (the usual case): what was requested per distribution still holds. */
  readonly all: boolean;
  /** Per message with targets left waiting: per distribution, the distinct paths waiting ahead of it in the batch. */
  readonly waiting: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Per distribution with paths left waiting: how many distinct paths wait. */
  readonly waitingPaths: ReadonlyMap<string, number>;
}

/**
 * Admit a batch's targets into what is left of each distribution's in-progress budget, oldest message first (by
 * when it was first enqueued, then the most received), so a page published before a burst is not starved by it.
 * Per distribution, files and wildcards are admitted in that order until the first that does not fit; every later
 * one of its kind waits, and a path already admitted (or already waiting) costs nothing again. A message may be
 * admitted in part: the rest of it waits.
 *
 * @param free - what is left of a distribution's budget
 * @param requested - what the messages ask of each distribution (for the check that everything fits)
 * @param parentOf - a distribution tenant's multi-tenant distribution, whose budget its paths spend too: every tenant
 * of one parent, and the parent itself, draw on what is left of the parent's
 */
export function admit(
  accepted: readonly AcceptedMessage[],
  records: readonly SQSRecord[],
  free: (distributionId: string) => PathCount,
  requested: ReadonlyMap<string, Requested>,
  parentOf: (distributionId: string) => string | undefined = () => undefined,
): Admission {
  if (everythingFits(requested, free, parentOf)) return { admitted: accepted, all: true, waiting: new Map(), waitingPaths: new Map() };

  const states = new Map<string, DistributionState>();
  const stateOf = (distributionId: string) => {
    let state = states.get(distributionId);
    if (state === undefined) {
      const { files, wildcards } = free(distributionId);
      states.set(distributionId, (state = { files, wildcards, admitted: new Set(), waiting: new Set() }));
    }
    return state;
  };
  const admitted: AcceptedMessage[] = [];
  const waiting = new Map<string, Map<string, number>>();
  for (const message of oldestFirst(accepted, records)) {
    const fitting: Target[] = [];
    let ahead: Map<string, number> | undefined;
    for (const target of message.targets) {
      const state = stateOf(target.distributionId);
      const parent = parentOf(target.distributionId);
      if (admitOne(state, target.path, parent === undefined ? undefined : stateOf(parent))) {
        fitting.push(target);
        continue;
      }
      ahead ??= waiting.get(message.messageId) ?? new Map();
      if (!ahead.has(target.distributionId)) ahead.set(target.distributionId, state.waiting.size);
      state.waiting.add(target.path);
    }
    if (ahead !== undefined) waiting.set(message.messageId, ahead);
    if (fitting.length === message.targets.length) admitted.push(message);
    else if (fitting.length > 0) admitted.push({ ...message, targets: fitting });
  }
  const waitingPaths = new Map([...states].filter(([, state]) => state.waiting.size > 0).map(([id, state]) => [id, state.waiting.size]));
  return { admitted, all: false, waiting, waitingPaths };
}

/** What is left of one distribution's budget as the batch is admitted, and the paths admitted and waiting. */
interface DistributionState {
  files: number;
  wildcards: number;
  readonly admitted: Set<string>;
  readonly waiting: Set<string>;
}

/**
 * Admit one path if it fits (free when admitted already); once one of a kind does not fit, none of it does. A
 * tenant's path must fit its parent's budget (`shared`) too, and spends it.
 */
function admitOne(state: DistributionState, path: string, shared?: DistributionState): boolean {
  if (state.admitted.has(path)) return true;
  if (state.waiting.has(path)) return false;
  if (isWildcard(path)) {
    if (state.wildcards === 0 || shared?.wildcards === 0) return false;
    state.wildcards--;
    if (shared !== undefined) shared.wildcards--;
  } else {
    if (state.files === 0 || shared?.files === 0) return false;
    state.files--;
    if (shared !== undefined) shared.files--;
  }
  state.admitted.add(path);
  return true;
}

function everythingFits(
  requested: ReadonlyMap<string, Requested>,
  free: (distributionId: string) => PathCount,
  parentOf: (distributionId: string) => string | undefined,
): boolean {
  // What each budget would spend: a distribution's own paths, and its tenants' too (the parent's is shared).
  const spent = new Map<string, { files: number; wildcards: number }>();
  const spend = (id: string, needed: PathCount) => {
    const sum = spent.get(id) ?? { files: 0, wildcards: 0 };
    spent.set(id, { files: sum.files + needed.files, wildcards: sum.wildcards + needed.wildcards });
  };
  for (const [distributionId, { paths }] of requested) {
    const needed = countPaths(paths);
    spend(distributionId, needed);
    const parent = parentOf(distributionId);
    if (parent !== undefined) spend(parent, needed);
  }
  for (const [id, needed] of spent) {
    const left = free(id);
    if (needed.files > left.files || needed.wildcards > left.wildcards) return false;
  }
  return true;
}

/** The accepted messages, the first enqueued first, then the most received; ties keep the batch's order. */
function oldestFirst(accepted: readonly AcceptedMessage[], records: readonly SQSRecord[]): AcceptedMessage[] {
  const byId = new Map(records.map((record) => [record.messageId, record]));
  const keyed = accepted.map((message, index) => {
    const record = byId.get(message.messageId);
    return { message, index, enqueuedAt: record === undefined ? 0 : firstEnqueuedAt(record), receives: record === undefined ? 1 : receiveCountOf(record) };
  });
  keyed.sort((a, b) => a.enqueuedAt - b.enqueuedAt || b.receives - a.receives || a.index - b.index);
  return keyed.map(({ message }) => message);
}

/**
 * When the record's first version was enqueued, in epoch milliseconds: its `FirstEnqueuedAt` attribute when it is a
 * re-sent part of an earlier message, else when SQS received it (0 when neither is known).
 */
export function firstEnqueuedAt(record: SQSRecord): number {
  const carried = Number(record.messageAttributes?.[FIRST_ENQUEUED_AT_ATTRIBUTE]?.stringValue);
  if (Number.isFinite(carried) && carried > 0) return carried;
  return Number(record.attributes?.SentTimestamp) || 0;
}

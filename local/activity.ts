import type { InvocationOutcome } from './poller.ts';

/** Something local mode tells the developer about, one line each. */
export type LocalActivity =
  | {
      readonly kind: 'invalidation';
      readonly distributionId: string;
      readonly invalidationId: string;
      /** The paths submitted, when the emulator knows them. */
      readonly paths: readonly string[];
      readonly pathCount: number;
      readonly messages: number;
    }
  | {
      readonly kind: 'invalidation-failed';
      readonly distributionId: string;
      readonly errorCode: string;
      readonly errorMessage: string;
      readonly transient: boolean;
      readonly messages: number;
    }
  | { readonly kind: 'dead-lettered'; readonly messageId: string; readonly errorCode: string; readonly errorMessage: string }
  | {
      readonly kind: 'remainder';
      readonly messageId: string;
      readonly distributionId: string;
      readonly paths: number;
      readonly delaySeconds: number;
    }
  | { readonly kind: 'invocation-failed'; readonly outcome: InvocationOutcome; readonly records: number; readonly error: string }
  | { readonly kind: 'error'; readonly message: string };

const MAX_PATHS_SHOWN = 4;

/** One human line for an activity, prefixed with the local time (HH:MM:SS). */
export function formatActivity(activity: LocalActivity, at: Date = new Date()): string {
  const time = at.toTimeString().slice(0, 8);
  return `${time} ${describe(activity)}`;
}

function describe(activity: LocalActivity): string {
  switch (activity.kind) {
    case 'invalidation': {
      const shown = activity.paths.slice(0, MAX_PATHS_SHOWN).join(' ');
      const more = activity.paths.length > MAX_PATHS_SHOWN ? ` (+${activity.paths.length - MAX_PATHS_SHOWN} more)` : '';
      return (
        `CreateInvalidation ${activity.distributionId} ${activity.invalidationId}: ${plural(activity.pathCount, 'path')} ` +
        `from ${plural(activity.messages, 'message')}${shown ? `: ${shown}${more}` : ''}`
      );
    }
    case 'invalidation-failed':
      return (
        `CreateInvalidation ${activity.distributionId} failed: ${activity.errorCode} ` +
        `(${activity.transient ? `transient; ${plural(activity.messages, 'message')} will be retried` : 'permanent'}): ${activity.errorMessage}`
      );
    case 'dead-lettered':
      return `Dead-lettered ${activity.messageId}: ${activity.errorCode}: ${activity.errorMessage}`;
    case 'remainder':
      return (
        `Remainder of ${activity.messageId}: ${plural(activity.paths, 'path')} for ${activity.distributionId} ` +
        `back on the queue, due in ${activity.delaySeconds} s`
      );
    case 'invocation-failed':
      return `Invocation failed (${activity.outcome}, ${plural(activity.records, 'record')} left on the queue): ${activity.error}`;
    case 'error':
      return `Error: ${activity.message}`;
  }
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

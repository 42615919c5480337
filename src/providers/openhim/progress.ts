/**
 * What a task's state means, given the two processor designs (providers/openhim.md §5). Shared by
 * `task get`, `task watch` and the pause/resume/cancel checks. Pure: no I/O, the clock is passed in.
 *
 * - Progress is the items that were rerun (`rerunStatus` set, or `tstatus: Failed` when the rerun could not
 *   even be sent) out of `totalTransactions`. Never `remainingTransactions`: on 7.1+ it stays at the total
 *   until the very end, and per-item `tstatus` stays `Queued`.
 * - Success is judged by `rerunStatus` (`Successful` or `Completed`); `tstatus` is `Completed` for any HTTP
 *   answer, including 5xx. Failed = `tstatus: Failed`, or `rerunStatus` `Failed` / `Completed with error(s)`.
 *   `Processing` / `Pending Async` = sent, not yet finished.
 * - 4.0.5 runs one round per poll and puts the task back to `Queued` between rounds: `Queued` with reruns
 *   done is "running", not "not started".
 * - 7.1+ does not stop a running task on cancel: it reads `Cancelled` while reruns keep arriving, and the
 *   final save turns it `Completed`. A `Cancelled` task is only settled once nothing changes any more.
 */
import type { SettableStatus, TaskItem, TaskSummary } from './schemas.js';

export type ItemOutcome = 'succeeded' | 'failed' | 'running' | 'pending' | 'unknown';

export function itemOutcome(item: Pick<TaskItem, 'tstatus' | 'rerunStatus'>): ItemOutcome {
  const rs = item.rerunStatus;
  if (item.tstatus === 'Failed' || rs === 'Failed' || rs === 'Completed with error(s)') return 'failed';
  if (rs === 'Successful' || rs === 'Completed') return 'succeeded';
  if (rs === 'Processing' || rs === 'Pending Async') return 'running';
  if (rs !== undefined && rs !== null && rs !== '') return 'unknown';
  // no rerun recorded: not yet sent, unless the item was finalised without one
  return item.tstatus === 'Completed' ? 'unknown' : 'pending';
}

export interface ProgressCounts {
  /** totalTransactions (or the number of items when the server did not say) */
  total: number;
  /** items rerun or failed to send: the progress bar's numerator */
  done: number;
  succeeded: number;
  failed: number;
  /** sent, rerun not finished (Processing / Pending Async) */
  running: number;
  /** not sent yet */
  pending: number;
  /** finished without a recognised rerun status */
  unknown: number;
  /** reruns recorded while the item's tstatus still reads Queued/Processing: the 7.1+ processor is (or was) mid-run */
  inFlight: number;
}

export function countProgress(task: Pick<TaskSummary, 'totalTransactions'>, items: readonly Pick<TaskItem, 'tstatus' | 'rerunStatus'>[]): ProgressCounts {
  const c: ProgressCounts = { total: 0, done: 0, succeeded: 0, failed: 0, running: 0, pending: 0, unknown: 0, inFlight: 0 };
  for (const it of items) {
    const o = itemOutcome(it);
    c[o]++;
    if (o !== 'pending') c.done++;
    if (it.rerunStatus && (it.tstatus === 'Queued' || it.tstatus === 'Processing')) c.inFlight++;
  }
  c.total = typeof task.totalTransactions === 'number' ? Math.max(task.totalTransactions, c.done) : items.length;
  return c;
}

export type Phase = 'queued' | 'running' | 'pending-async' | 'paused' | 'cancelling' | 'cancelled' | 'finishing' | 'completed' | 'stopped';
export type Outcome = 'succeeded' | 'failed' | 'cancelled' | 'stopped';

export interface Assessment {
  phase: Phase;
  /** the task will not change any more (watch stops) */
  final: boolean;
  /** set when final */
  outcome?: Outcome;
  /** a sentence for people about what the state means */
  note?: string;
}

/** Polls without any change after which a Cancelled (7.1+) or Completed-with-reruns-in-flight task counts as settled. */
export const SETTLE_POLLS = 2;

/**
 * The phase of a task. `stablePolls` is how many consecutive polls before this one saw the same counts and
 * status (0 on the first poll); it settles the states that only time can tell apart.
 */
export function assess(status: string, counts: ProgressCounts, stablePolls = 0): Assessment {
  const settled = stablePolls >= SETTLE_POLLS;
  const allGood = counts.succeeded === counts.total && counts.failed === 0 && counts.unknown === 0;
  switch (status) {
    case 'Completed':
      if (counts.running > 0 && !settled) return { phase: 'finishing', final: false, note: `${counts.running} rerun(s) not finished yet` };
      return { phase: 'completed', final: true, outcome: allGood ? 'succeeded' : 'failed' };
    case 'Pending Async':
      return { phase: 'pending-async', final: false, note: 'waiting for asynchronous reruns to finish (Pending Async)' };
    case 'Processing':
      return { phase: 'running', final: false };
    case 'Queued':
      // 4.0.5 between rounds, or a resumed task: Queued with reruns done is still running
      return counts.done > 0 ? { phase: 'running', final: false } : { phase: 'queued', final: false, note: 'waiting for the task processor to pick it up' };
    case 'Paused':
      return { phase: 'paused', final: false, note: 'the task is Paused: nothing runs until it is resumed' };
    case 'Cancelled':
      if ((counts.inFlight > 0 || counts.running > 0) && !settled) {
        return { phase: 'cancelling', final: false, note: 'Cancelled, but reruns may still be arriving: OpenHIM 7.1+ finishes a running task anyway' };
      }
      return { phase: 'cancelled', final: true, outcome: 'cancelled' };
    default:
      return { phase: 'stopped', final: true, outcome: 'stopped', note: `status "${status}" is not one the task processor runs` };
  }
}

/** A value that changes whenever a poll saw something new (status or any count). */
export function fingerprint(status: string, c: ProgressCounts): string {
  return [status, c.total, c.done, c.succeeded, c.failed, c.running, c.unknown, c.inFlight].join('|');
}

/** `completedDate − created` once completed, `now − created` while queued or running; null otherwise. */
export function executionTimeMs(task: Pick<TaskSummary, 'created' | 'completedDate' | 'status'>, now: number): number | null {
  const created = task.created ? Date.parse(task.created) : NaN;
  if (Number.isNaN(created)) return null;
  const end = task.completedDate ? Date.parse(task.completedDate) : NaN;
  if (!Number.isNaN(end)) return Math.max(0, end - created);
  if (task.status === 'Queued' || task.status === 'Processing' || task.status === 'Pending Async') return Math.max(0, now - created);
  return null;
}

/** "12/40 (30%)" */
export function progressText(c: ProgressCounts): string {
  const pct = c.total > 0 ? Math.floor((c.done / c.total) * 100) : 100;
  return `${c.done}/${c.total} (${pct}%)`;
}

/** "10 successful, 2 failed, 1 running" (zero counts left out, except successful) */
export function outcomeText(c: ProgressCounts): string {
  const parts = [`${c.succeeded} successful`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.running) parts.push(`${c.running} running`);
  if (c.unknown) parts.push(`${c.unknown} without a rerun status`);
  return parts.join(', ');
}

export type StatusVerb = 'pause' | 'resume' | 'cancel';

export const TARGET_STATUS: Record<StatusVerb, SettableStatus> = { pause: 'Paused', resume: 'Queued', cancel: 'Cancelled' };

export interface StatusPlan {
  /** send the PUT */
  send: boolean;
  /** why it is refused (a per-id failure); only when send is false and it is not a no-op */
  refuse?: string;
  /** a note for the id's row (no-op reason, or a warning about what the server will do) */
  note?: string;
  /** a warning key, for one shared explanation on stderr */
  warning?: 'cancel-running' | 'pause-running' | 'resume-rerun';
}

/**
 * Whether pause/resume/cancel makes sense for a task in `current` status. The server has no state machine
 * (pausing a Completed task relabels it Paused), so taskctl refuses what the console never offers.
 * `rerunBeforePause`: for resume of a Paused task, how many items already have a rerun status while
 * `remainingTransactions` still equals the total (the 7.1+ processor lost the progress; resume reruns them).
 */
export function planStatusChange(verb: StatusVerb, task: Pick<TaskSummary, 'status' | 'remainingTransactions' | 'totalTransactions'>, rerunBeforePause = 0): StatusPlan {
  const s = task.status;
  switch (verb) {
    case 'pause':
      if (s === 'Paused') return { send: false, note: 'already Paused' };
      if (s === 'Completed' || s === 'Cancelled') return refuse(s, 'pause');
      if (s === 'Processing') return { send: true, note: 'was Processing: the batch in flight still finishes', warning: 'pause-running' };
      return { send: true };
    case 'resume':
      if (s === 'Queued' || s === 'Processing' || s === 'Pending Async') return { send: false, note: `already ${s}` };
      if (s === 'Completed' || s === 'Cancelled') return refuse(s, 'resume');
      if (s === 'Paused' && rerunBeforePause > 0) {
        return {
          send: true,
          note: `${rerunBeforePause} of ${task.totalTransactions ?? '?'} already rerun before the pause; OpenHIM 7.1+ reruns them again`,
          warning: 'resume-rerun',
        };
      }
      return { send: true };
    case 'cancel':
      if (s === 'Cancelled') return { send: false, note: 'already Cancelled' };
      if (s === 'Completed') return refuse(s, 'cancel');
      if (s === 'Processing' || s === 'Pending Async') {
        return { send: true, note: 'was Processing: OpenHIM 7.1+ still reruns every transaction and marks it Completed', warning: 'cancel-running' };
      }
      return { send: true };
  }
}

function refuse(status: string, verb: StatusVerb): StatusPlan {
  const done = verb === 'pause' ? 'paused' : verb === 'resume' ? 'resumed' : 'cancelled';
  return {
    send: false,
    refuse: `task is ${status} and cannot be ${done}; the server would only relabel it (\`task update --status ${TARGET_STATUS[verb]}\` forces it)`,
  };
}

/** The shared explanation for each warning key (printed once on stderr). */
export const STATUS_WARNINGS: Record<NonNullable<StatusPlan['warning']>, string> = {
  'cancel-running':
    'cancelling a task that is Processing does not stop it on OpenHIM 7.1+: the server reruns every transaction anyway and saves it as Completed. To stop it at the next batch, delete it (`taskctl openhim task delete <id>`) or pause it (7.1+ then forgets its progress).',
  'pause-running':
    'pausing a running task stops it after the batch in flight; on OpenHIM 7.1+ its progress is lost, and resuming reruns its transactions from the first one.',
  'resume-rerun':
    'a task paused mid-run on OpenHIM 7.1+ starts again from its first transaction when resumed, so transactions that were already rerun will run again. To avoid that, cancel it and create a new task with only the transactions that have no rerun status (`taskctl openhim task get <id> --all --json`).',
};

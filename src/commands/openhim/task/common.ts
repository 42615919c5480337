/** Pieces the `openhim task` handlers share: id checks, the status lookup before PUT/DELETE, Ctrl-C, and how a task reads. */
import type { Context } from '../../../context.js';
import { TaskctlError, UsageError, stoppedError } from '../../../errors.js';
import type { HttpClient } from '../../../http/client.js';
import { readIds } from '../../../input/ids.js';
import { formatDuration } from '../../../output/progress.js';
import { checkTask, lookupTasks } from '../../../providers/openhim/api.js';
import { OBJECT_ID_RE, objectIdProblem, type TaskItem, type TaskSummary } from '../../../providers/openhim/schemas.js';
import { executionTimeMs, outcomeText, progressText, type Assessment, type ProgressCounts } from '../../../providers/openhim/progress.js';

/** `<taskId…>`: arguments or `-`, each a 24-hex ObjectId, repeats dropped with a warning. */
export function readTaskIds(ctx: Context, args: unknown): Promise<string[]> {
  return readIds(ctx, args, { validate: objectIdProblem, noun: 'task id' });
}

/** `<taskId>`: one 24-hex ObjectId. */
export function taskIdArg(value: unknown): string {
  const id = String(value ?? '').trim();
  if (!OBJECT_ID_RE.test(id)) throw new UsageError(`invalid task id "${String(value ?? '')}" (expected a 24-character hex ObjectId)`, { hint: 'nothing was sent' });
  return id;
}

/** "task 6b05…c4" / "3 tasks (6b05…, 6b06…, …)" for confirmation questions */
export function describeTasks(ids: readonly string[]): string {
  if (ids.length === 1) return `task ${ids[0]}`;
  const shown = ids.slice(0, 3).join(', ');
  return `${ids.length} tasks (${shown}${ids.length > 3 ? ', …' : ''})`;
}

/** Turns a failure caused by Ctrl-C into exit 130 (SIGTERM: 143). */
export function rethrowInterrupted(ctx: Context, err: unknown, message?: string): never {
  if (ctx.signal.aborted) throw stoppedError(ctx.signal, {}, message);
  throw err;
}

/**
 * The current state of every task before a PUT/DELETE, keyed by lower-cased id: one `GET /tasks` per 100 ids
 * (`_id $in`), then `existing(id)` falls back to the per-id existence check for anything the list did not
 * return, which throws NotFoundError for an unknown id on every server version. Nothing is read under --dry-run.
 */
export async function taskStates(ctx: Context, client: HttpClient, ids: readonly string[]): Promise<(id: string) => Promise<TaskSummary | null>> {
  if (ctx.globals.dryRun) return async () => null;
  let known: Map<string, TaskSummary>;
  try {
    known = ids.length > 1 ? await lookupTasks(client, ids, ctx.signal) : new Map();
  } catch (err) {
    rethrowInterrupted(ctx, err);
  }
  return async (id) => known.get(id.toLowerCase()) ?? (await checkTask(client, id));
}

/** A per-id refusal (exit class 1): the server would accept it, but it makes no sense for the task's state. */
export class StateError extends TaskctlError {}

export function summaryPairs(task: TaskSummary, counts: ProgressCounts, a: Assessment, now: number): [string, unknown][] {
  const exec = executionTimeMs(task, now);
  return [
    ['ID', task._id],
    ['Status', task.status],
    ['Note', a.note],
    ['Progress', `${progressText(counts)}: ${outcomeText(counts)}`],
    ['User', task.user],
    ['Batch size', task.batchSize],
    ['Created', task.created],
    ['Completed', task.completedDate],
    ['Execution time', exec === null ? undefined : `${formatDuration(exec)}${task.completedDate ? '' : ' so far'}`],
  ];
}

export function itemColumns(ctx: Context) {
  return [
    { header: 'tid', get: (r: TaskItem) => r.tid },
    { header: 'tstatus', get: (r: TaskItem) => r.tstatus },
    {
      header: 'rerun status',
      get: (r: TaskItem) => r.rerunStatus ?? '',
      style: (t: string, r: TaskItem) =>
        r.rerunStatus === 'Successful' || r.rerunStatus === 'Completed' ? ctx.style.green(t) : r.rerunStatus === 'Failed' || r.rerunStatus === 'Completed with error(s)' ? ctx.style.red(t) : t,
    },
    { header: 'rerun id', get: (r: TaskItem) => r.rerunID ?? '' },
    { header: 'error', get: (r: TaskItem) => r.error ?? '' },
  ];
}

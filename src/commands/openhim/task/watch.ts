/**
 * `task watch <taskId>`: polls the task (every item, paged) until it ends. A progress bar on a terminal,
 * NDJSON events with --json, a line per change otherwise. Exit 0: completed and every rerun successful;
 * 7: completed with failed reruns; 1: it ended Cancelled (or with a status the processor never runs);
 * 130: Ctrl-C, which only stops watching. What the states mean per processor design: providers/openhim/progress.ts.
 */
import type { Context } from '../../../context.js';
import type { Handler } from '../../types.js';
import { ExitWith, Interrupted, PartialFailure } from '../../../errors.js';
import type { HttpClient } from '../../../http/client.js';
import { formatDuration, progressBar } from '../../../output/progress.js';
import { openhim } from '../../../providers/openhim/client.js';
import { readTaskItems } from '../../../providers/openhim/api.js';
import { assess, countProgress, fingerprint, itemOutcome, outcomeText, progressText, type Assessment, type ProgressCounts } from '../../../providers/openhim/progress.js';
import type { TaskDetail, TaskItem } from '../../../providers/openhim/schemas.js';
import { itemColumns, taskIdArg } from './common.js';

export const DEFAULT_INTERVAL_MS = 2000;

function event(kind: string, id: string, task: TaskDetail, c: ProgressCounts, a: Assessment, elapsedMs: number): Record<string, unknown> {
  return {
    event: kind,
    id,
    status: task.status,
    phase: a.phase,
    total: c.total,
    done: c.done,
    succeeded: c.succeeded,
    failed: c.failed,
    running: c.running,
    elapsedMs,
    ...(a.outcome ? { outcome: a.outcome } : {}),
  };
}

export async function watchTask(ctx: Context, client: HttpClient, id: string, intervalMs: number): Promise<number> {
  const started = ctx.now();
  const bar = progressBar(ctx, 'rerun');
  let previous: string | undefined;
  let stablePolls = 0;
  let notedPhase: string | undefined;
  let last: { task: TaskDetail; counts: ProgressCounts; a: Assessment } | undefined;
  try {
    for (;;) {
      const read = await readTaskItems(client, id);
      if (!read) return 0; // --dry-run: the first poll was shown
      const counts = countProgress(read.task, read.items);
      const fp = fingerprint(read.task.status, counts);
      stablePolls = fp === previous ? stablePolls + 1 : 0;
      const changed = fp !== previous;
      previous = fp;
      const a = assess(read.task.status, counts, stablePolls);
      last = { task: read.task, counts, a };
      const elapsed = ctx.now() - started;
      if (a.note && a.phase !== notedPhase) {
        bar.stop();
        ctx.info(`task ${id}: ${a.note}`);
      }
      if (ctx.globals.json) {
        if (changed || a.final) ctx.out.printEvent(event(a.final ? 'end' : 'progress', id, read.task, counts, a, elapsed));
      } else {
        if (ctx.showProgress) bar.update(counts.done, counts.total, `${counts.succeeded} ok, ${counts.failed} failed · ${read.task.status}`);
        else if (changed) ctx.info(`${read.task.status}: ${progressText(counts)} rerun, ${outcomeText(counts)}`);
      }
      notedPhase = a.phase;
      if (a.final) {
        bar.stop();
        return finish(ctx, id, read.task, read.items, counts, a, elapsed);
      }
      await ctx.sleep(intervalMs, ctx.signal);
    }
  } catch (err) {
    bar.stop();
    if (ctx.signal.aborted) {
      if (ctx.globals.json && last) ctx.out.printEvent(event('interrupted', id, last.task, last.counts, last.a, ctx.now() - started));
      ctx.info(`stopped watching task ${id}; the task itself was not changed`);
      throw new Interrupted('interrupted', { reported: true });
    }
    throw err;
  }
}

function finish(ctx: Context, id: string, task: TaskDetail, items: TaskItem[], c: ProgressCounts, a: Assessment, elapsedMs: number): number {
  const failedItems = items.filter((i) => itemOutcome(i) !== 'succeeded');
  if (ctx.globals.json) {
    if (failedItems.length && a.outcome === 'failed') ctx.out.printEvent({ event: 'failures', id, items: failedItems });
  } else {
    ctx.out.keyValues([
      ['Task', id],
      ['Status', task.status],
      ['Rerun', progressText(c)],
      ['Successful', c.succeeded],
      ['Failed', c.failed],
      ['Elapsed', formatDuration(elapsedMs)],
    ]);
    if (a.outcome === 'failed' && failedItems.length) {
      ctx.out.line();
      ctx.out.table(failedItems, itemColumns(ctx));
    }
  }
  switch (a.outcome) {
    case 'succeeded':
      ctx.info(`task ${id} completed: ${c.succeeded} of ${c.total} reruns successful`);
      return 0;
    case 'failed':
      ctx.info(`${ctx.errStyle.red('taskctl:')} task ${id} completed with ${c.total - c.succeeded} of ${c.total} reruns not successful (${outcomeText(c)})`);
      throw new PartialFailure('some reruns failed', { reported: true });
    case 'cancelled':
      ctx.info(`${ctx.errStyle.red('taskctl:')} task ${id} was cancelled after ${c.done} of ${c.total} reruns (${outcomeText(c)})`);
      throw new ExitWith(1, 'task cancelled', { reported: true });
    default:
      ctx.info(`${ctx.errStyle.red('taskctl:')} task ${id} stopped: ${a.note ?? task.status}`);
      throw new ExitWith(1, 'task stopped', { reported: true });
  }
}

export const run: Handler = async (ctx, { args, opts }) => {
  const id = taskIdArg(args[0]);
  const client = await openhim.connect(ctx);
  return watchTask(ctx, client, id, (opts.interval as number | undefined) ?? DEFAULT_INTERVAL_MS);
};

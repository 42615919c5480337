/**
 * `task watch <taskId…>`: polls each task (every item, paged) until it ends. A progress bar on a terminal,
 * NDJSON events with --json, a line per change otherwise. Exit 0: completed and every rerun successful;
 * 7: completed with failed reruns; 1: it ended Cancelled (or with a status the processor never runs);
 * 130: Ctrl-C, which only stops watching. What the states mean per processor design: providers/openhim/progress.ts.
 */
import type { Context } from '../../../context.js';
import type { Handler } from '../../types.js';
import { ExitCode, ExitWith, PartialFailure, stoppedError } from '../../../errors.js';
import { durationText, parseDuration } from '../../../input/duration.js';
import type { HttpClient } from '../../../http/client.js';
import { formatDuration, progressBar } from '../../../output/progress.js';
import { openhim } from '../../../providers/openhim/client.js';
import { readTaskItems } from '../../../providers/openhim/api.js';
import { assess, countProgress, fingerprint, itemOutcome, outcomeText, progressText, type Assessment, type ProgressCounts } from '../../../providers/openhim/progress.js';
import type { TaskDetail, TaskItem } from '../../../providers/openhim/schemas.js';
import { itemColumns, readTaskIds } from './common.js';

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

export interface WatchOptions {
  intervalMs: number;
  /** --wait-timeout: stop after this long with exit 6, saying where each task stood */
  waitTimeoutMs?: number;
}

interface Watched {
  id: string;
  previous?: string;
  stablePolls: number;
  notedPhase?: string;
  last?: { task: TaskDetail; counts: ProgressCounts; a: Assessment };
  /** exit code once the task ended */
  code?: number;
}

/** Watches one task (see watchTasks). */
export function watchTask(ctx: Context, client: HttpClient, id: string, opts: WatchOptions): Promise<number> {
  return watchTasks(ctx, client, [id], opts);
}

/**
 * Polls every task until each has ended, or --wait-timeout passed (exit 6, where each task stood).
 * Exit: 6 on the deadline, else 1 when one was cancelled or stopped, else 7 when one had failed reruns, else 0.
 */
export async function watchTasks(ctx: Context, client: HttpClient, ids: readonly string[], opts: WatchOptions): Promise<number> {
  const started = ctx.now();
  const deadline = opts.waitTimeoutMs === undefined ? Infinity : started + opts.waitTimeoutMs;
  const bar = progressBar(ctx, ids.length === 1 ? 'rerun' : `${ids.length} tasks`);
  const tasks: Watched[] = ids.map((id) => ({ id, stablePolls: 0 }));
  const label = (id: string) => (ids.length === 1 ? '' : `task ${id}: `);
  // one bar for all the tasks: their reruns summed
  const drawBar = (current: Watched) => {
    const sum = { done: 0, total: 0, ok: 0, failed: 0 };
    for (const t of tasks) {
      sum.done += t.last?.counts.done ?? 0;
      sum.total += t.last?.counts.total ?? 0;
      sum.ok += t.last?.counts.succeeded ?? 0;
      sum.failed += t.last?.counts.failed ?? 0;
    }
    const open = tasks.filter((t) => t.code === undefined && !t.last?.a.final).length;
    bar.update(sum.done, sum.total, `${sum.ok} ok, ${sum.failed} failed · ${ids.length === 1 ? current.last!.task.status : `${open} running`}`);
  };
  try {
    for (;;) {
      for (const w of tasks.filter((t) => t.code === undefined)) {
        const read = await readTaskItems(client, w.id);
        if (!read) {
          w.code = 0; // --dry-run: the first poll was shown
          continue;
        }
        const counts = countProgress(read.task, read.items);
        const fp = fingerprint(read.task.status, counts);
        const changed = fp !== w.previous;
        w.stablePolls = changed ? 0 : w.stablePolls + 1;
        w.previous = fp;
        const a = assess(read.task.status, counts, w.stablePolls);
        w.last = { task: read.task, counts, a };
        const elapsed = ctx.now() - started;
        // at a terminal a note is transient: it stands in for the bar while it is true (bar.note below);
        // elsewhere (logs, CI) it is a line of the record
        if (a.note && a.phase !== w.notedPhase && !ctx.showProgress) ctx.info(`task ${w.id}: ${a.note}`);
        if (ctx.globals.json) {
          if (changed || a.final) ctx.out.printEvent(event(a.final ? 'end' : 'progress', w.id, read.task, counts, a, elapsed));
        } else if (!ctx.showProgress && changed) {
          ctx.info(`${label(w.id)}${read.task.status}: ${progressText(counts)} rerun, ${outcomeText(counts)}`);
        }
        w.notedPhase = a.phase;
        if (ctx.showProgress) {
          const notes = tasks.filter((t) => t.code === undefined && t.last?.a.note && !t.last.a.final).map((t) => `task ${t.id}: ${t.last!.a.note}`);
          bar.note(notes.length ? notes.join('; ') : undefined);
          drawBar(w);
        }
        if (a.final) {
          bar.stop();
          w.code = finish(ctx, w.id, read.task, read.items, counts, a, elapsed, ids.length > 1);
        }
      }
      const open = tasks.filter((t) => t.code === undefined);
      if (!open.length) return exitFor(tasks.map((t) => t.code!));
      const left = deadline - ctx.now();
      if (left <= 0) {
        bar.stop();
        for (const w of open) {
          const where = w.last ? `${w.last.task.status}, ${progressText(w.last.counts)} rerun, ${outcomeText(w.last.counts)}` : 'not read yet';
          if (ctx.globals.json && w.last) ctx.out.printEvent(event('timeout', w.id, w.last.task, w.last.counts, w.last.a, ctx.now() - started));
          ctx.info(`${ctx.errStyle.red('taskctl:')} gave up waiting after ${durationText(opts.waitTimeoutMs!)} (--wait-timeout): task ${w.id} is ${where}`);
        }
        throw new ExitWith(ExitCode.NETWORK, 'wait timeout', { reported: true });
      }
      await ctx.sleep(Math.min(opts.intervalMs, left), ctx.signal);
    }
  } catch (err) {
    bar.stop();
    if (ctx.signal.aborted) {
      const open = tasks.filter((t) => t.code === undefined);
      for (const w of open) if (ctx.globals.json && w.last) ctx.out.printEvent(event('interrupted', w.id, w.last.task, w.last.counts, w.last.a, ctx.now() - started));
      ctx.info(open.length === 1 ? `stopped watching task ${open[0].id}; the task itself was not changed` : `stopped watching ${open.length} tasks; the tasks themselves were not changed`);
      throw stoppedError(ctx.signal, { reported: true });
    }
    throw err;
  }
}

/** 1 when a task was cancelled or stopped, else 7 when one had failed reruns, else 0 (thrown as reported failures). */
function exitFor(codes: readonly number[]): number {
  if (codes.includes(1)) throw new ExitWith(1, 'task cancelled or stopped', { reported: true });
  if (codes.includes(7)) throw new PartialFailure('some reruns failed', { reported: true });
  return 0;
}

function finish(ctx: Context, id: string, task: TaskDetail, items: TaskItem[], c: ProgressCounts, a: Assessment, elapsedMs: number, several: boolean): number {
  const failedItems = items.filter((i) => itemOutcome(i) !== 'succeeded');
  if (ctx.globals.json) {
    if (failedItems.length && a.outcome === 'failed') ctx.out.printEvent({ event: 'failures', id, items: failedItems });
  } else {
    if (several) ctx.out.line();
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
      return ExitCode.PARTIAL;
    case 'cancelled':
      ctx.info(`${ctx.errStyle.red('taskctl:')} task ${id} was cancelled after ${c.done} of ${c.total} reruns (${outcomeText(c)})`);
      return 1;
    default:
      ctx.info(`${ctx.errStyle.red('taskctl:')} task ${id} stopped: ${a.note ?? task.status}`);
      return 1;
  }
}

export const run: Handler = async (ctx, { args, opts }) => {
  const ids = await readTaskIds(ctx, args[0]);
  const waitTimeoutMs = parseDuration(opts.waitTimeout);
  const client = await openhim.connect(ctx);
  return watchTasks(ctx, client, ids, { intervalMs: (opts.interval as number | undefined) ?? DEFAULT_INTERVAL_MS, waitTimeoutMs });
};

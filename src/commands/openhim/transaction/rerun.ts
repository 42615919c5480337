/**
 * `transaction rerun`: counts the matching transactions, asks, then creates rerun tasks with `POST /tasks`,
 * at most 50 transactions each, and prints every task id. Refuses to run without a filter unless --all.
 * Never `/bulkrerun`: it returns no task ids, does not exist on 4.0.5, and reruns everything when its filter is empty.
 */
import type { Handler } from '../../types.js';
import { ExitWith, TaskctlError, UsageError, interruptCode, stoppedError } from '../../../errors.js';
import { openhim } from '../../../providers/openhim/client.js';
import { countTransactions, createTask, selectTransactions, type CreatedTask } from '../../../providers/openhim/api.js';
import { isEmptyFilter } from '../../../providers/openhim/filters.js';
import { filtersFromOptions } from './common.js';
import { parseDuration } from '../../../input/duration.js';
import { DEFAULT_INTERVAL_MS, watchTasks } from '../task/watch.js';

/** ids per task, like the server's own /bulkrerun (`taskTransactionsLength`) */
export const TASK_CHUNK = 50;

export const run: Handler = async (ctx, { opts }) => {
  const filters = filtersFromOptions(ctx, opts);
  if (isEmptyFilter(filters) && !opts.all) {
    throw new UsageError('refusing to rerun every transaction: no filter given', { hint: 'give --status, --channel, --since or --until; or --all to really rerun everything' });
  }
  const batchSize = opts.batchSize as number | undefined;
  const paused = Boolean(opts.paused);
  const wait = Boolean(opts.wait);
  const waitTimeoutMs = parseDuration(opts.waitTimeout);
  if (wait && paused) throw new UsageError('--wait would wait forever for tasks created --paused', { hint: 'drop --paused, or later `task resume` them and `task watch` them' });
  // it asks once it knows the count; without a terminal and --yes it must refuse before even counting
  ctx.requireConfirmable('Rerun the matching transactions');
  const client = await openhim.connect(ctx);

  const count = await countTransactions(client, filters);
  if (count === null) {
    await selectTransactions(client, filters);
    ctx.info(`(dry run) then: POST /tasks {"tids":[…at most ${TASK_CHUNK} ids…]${batchSize ? `,"batchSize":${batchSize}` : ''}${paused ? ',"paused":true' : ''}} for each ${TASK_CHUNK} matching transactions`);
    return;
  }
  if (count === 0) {
    ctx.info('no transactions match; nothing to rerun');
    ctx.out.result({ count: 0, transactions: 0, tasks: [] }, () => undefined);
    return;
  }
  const tasksNeeded = Math.ceil(count / TASK_CHUNK);
  ctx.info(`${count} transaction${count === 1 ? '' : 's'} match`);
  await ctx.confirm(`Rerun ${count} transaction${count === 1 ? '' : 's'} in ${tasksNeeded} task${tasksNeeded === 1 ? '' : 's'}?`);

  const selection = (await selectTransactions(client, filters))!;
  if (selection.notRerunnable.length) {
    const n = selection.notRerunnable.length;
    ctx.warn(`${n} matching transaction${n === 1 ? ' has' : 's have'} canRerun: false and ${n === 1 ? 'is' : 'are'} left out (the server cannot rerun ${n === 1 ? 'it' : 'them'}): ${selection.notRerunnable.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''}`);
  }
  const ids = selection.ids;
  if (ids.length === 0) {
    ctx.info('nothing left to rerun');
    ctx.out.result({ count, transactions: 0, tasks: [] }, () => undefined);
    return;
  }

  const tasks: (CreatedTask & { transactions: number })[] = [];
  for (let i = 0; i < ids.length; i += TASK_CHUNK) {
    const tids = ids.slice(i, i + TASK_CHUNK);
    let created: CreatedTask | null;
    try {
      if (ctx.signal.aborted) throw stoppedError(ctx.signal);
      created = await createTask(client, { tids, ...(batchSize !== undefined ? { batchSize } : {}), ...(paused ? { paused: true } : {}) });
    } catch (err) {
      if (tasks.length === 0) throw err;
      // some tasks exist already: report them, then the failure
      const e = err instanceof TaskctlError ? err : null;
      const reason = e ? `${e.message}${e.serverMessage ? `: ${e.serverMessage}` : ''}` : String(err);
      ctx.out.result({ count, transactions: ids.length, tasks, error: { message: reason, notSent: ids.length - i } }, () => undefined);
      ctx.info(`${ctx.errStyle.red('taskctl:')} created ${tasks.length} task${tasks.length === 1 ? '' : 's'}, then failed: ${reason}; ${ids.length - i} transactions were not rerun`);
      throw new ExitWith(ctx.signal.aborted ? interruptCode(ctx.signal) : 7, 'rerun stopped part way', { reported: true });
    }
    if (!created) return;
    tasks.push({ ...created, transactions: tids.length });
    if (!ctx.globals.json) ctx.out.line(created.id);
    else if (wait) ctx.out.printEvent({ event: 'created', ...created, transactions: tids.length });
  }
  if (!wait) ctx.out.result({ count, transactions: ids.length, tasks }, () => undefined);
  ctx.info(
    `created ${tasks.length} rerun task${tasks.length === 1 ? '' : 's'} for ${ids.length} transaction${ids.length === 1 ? '' : 's'}` +
      (paused ? ' (Paused: start them with `taskctl openhim task resume`)' : ''),
  );
  if (wait) return watchTasks(ctx, client, tasks.map((t) => t.id), { intervalMs: (opts.interval as number | undefined) ?? DEFAULT_INTERVAL_MS, waitTimeoutMs });
};

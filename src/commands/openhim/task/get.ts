/**
 * `task get <taskId>`: the task's summary (status, progress from rerunStatus, user, times) and one page of
 * its transactions (`--tstatus`, `--rerun-status`, `--limit`, `--page`, `--all`). With --json the server's
 * task object, with the requested transactions.
 */
import type { Handler } from '../../types.js';
import { listOptions } from '../../../runner/paging.js';
import { openhim } from '../../../providers/openhim/client.js';
import { getTask, readTaskItems } from '../../../providers/openhim/api.js';
import { isEmptyFilter, taskItemFilters } from '../../../providers/openhim/filters.js';
import { assess, countProgress } from '../../../providers/openhim/progress.js';
import type { TaskDetail, TaskItem } from '../../../providers/openhim/schemas.js';
import { itemColumns, summaryPairs, taskIdArg } from './common.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const id = taskIdArg(args[0]);
  const filters = taskItemFilters({ tstatus: opts.tstatus as string | undefined, rerunStatus: opts.rerunStatus as string | undefined });
  const lo = listOptions(opts);
  const client = await openhim.connect(ctx);

  let task: TaskDetail;
  let items: TaskItem[];
  if (lo.all) {
    const read = await readTaskItems(client, id, filters);
    if (!read) return;
    task = read.task;
    items = read.items;
  } else {
    const one = await getTask(client, id, { page0: lo.page - 1, limit: lo.limit, filters });
    if (!one) return;
    task = one;
    items = one.transactions;
  }
  if (ctx.globals.json) {
    ctx.out.printJson(lo.all ? { ...task, transactions: items } : task);
    return;
  }

  // progress needs every item, whatever page or filter the table shows
  const matching = task.totalFilteredTransactions ?? items.length;
  const complete = isEmptyFilter(filters) && (lo.all || (lo.page === 1 && items.length >= matching));
  const all = complete ? items : ((await readTaskItems(client, id))?.items ?? items);
  const counts = countProgress(task, all);
  ctx.out.keyValues(summaryPairs(task, counts, assess(task.status, counts), ctx.now()));
  ctx.out.line();
  if (items.length === 0) {
    ctx.info(matching === 0 ? 'no transactions match' : `no transactions on page ${lo.page} (${matching} match)`);
    return;
  }
  ctx.out.table(items, itemColumns(ctx));
  if (!lo.all && items.length < matching) {
    const from = (lo.page - 1) * lo.limit + 1;
    ctx.info(`showing ${from}–${from + items.length - 1} of ${matching} transactions (--page ${lo.page + 1} for more, --all for every one)`);
  }
};

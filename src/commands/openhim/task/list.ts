/** `task list`: `GET /tasks?filterLimit&filterPage&filters` (status, user, created double-encoded), newest first. */
import type { Handler } from '../../types.js';
import { collectAll, listOptions } from '../../../runner/paging.js';
import { formatDuration } from '../../../output/progress.js';
import { openhim } from '../../../providers/openhim/client.js';
import { listTasks } from '../../../providers/openhim/api.js';
import { taskListFilters } from '../../../providers/openhim/filters.js';
import { executionTimeMs } from '../../../providers/openhim/progress.js';
import type { TaskSummary } from '../../../providers/openhim/schemas.js';

const ALL_PAGE = 500;

export const run: Handler = async (ctx, { opts }) => {
  const filters = taskListFilters(
    { status: opts.status as string | undefined, user: opts.user as string | undefined, since: opts.since as string | undefined, until: opts.until as string | undefined },
    ctx.now(),
  );
  const lo = listOptions(opts);
  const client = await openhim.connect(ctx);
  let tasks: TaskSummary[] | null;
  if (lo.all) {
    tasks = await collectAll(ALL_PAGE, async (_offset, size, index) => {
      const page = await listTasks(client, { page0: index, limit: size, filters });
      return page ? { items: page, last: page.length < size } : { items: [], last: true };
    });
  } else {
    tasks = await listTasks(client, { page0: lo.page - 1, limit: lo.limit, filters });
  }
  if (!tasks || ctx.globals.dryRun) return;
  const now = ctx.now();
  ctx.out.result(tasks, () => {
    if (tasks.length === 0) {
      ctx.info('no tasks match');
      return;
    }
    ctx.out.table(tasks, [
      { header: 'id', get: (t) => t._id, priority: 0 },
      { header: 'status', get: (t) => t.status, priority: 0 },
      { header: 'transactions', get: (t) => t.totalTransactions, priority: 2 },
      { header: 'batch', get: (t) => t.batchSize, priority: 4 },
      { header: 'user', get: (t) => t.user, priority: 5 },
      { header: 'created', get: (t) => t.created, time: true, priority: 1 },
      {
        header: 'execution time',
        priority: 3,
        // as the console shows it: completedDate − created, once there is a completedDate
        get: (t) => {
          const ms = t.completedDate ? executionTimeMs(t, now) : null;
          return ms === null ? '' : formatDuration(ms);
        },
      },
    ]);
    // OpenHIM gives no total: a full page means there may be more
    if (!lo.all && tasks.length === lo.limit) ctx.moreHint(tasks.length);
  });
};

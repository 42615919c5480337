/** `spaaza task list`: GET /tasks (a bare array; `limit`/`offset` paging, `--all` until a short page). */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { collectAll, listOptions } from '../../../runner/paging.js';
import { listTasks, type ListQuery } from '../../../providers/spaaza/api.js';
import { TASK_STATES, type SpaazaTask } from '../../../providers/spaaza/schemas.js';
import { connect, describeTrigger, stateCode } from './common.js';

/** page size for --all: Spaaza's maximum `limit` is undocumented; 100 is a common ceiling */
export const ALL_PAGE_SIZE = 100;

export const run: Handler = async (ctx, { opts }) => {
  const paging = listOptions(opts);
  const filters: ListQuery = {};
  if (opts.status !== undefined) {
    const s = String(opts.status).toUpperCase();
    if (!(TASK_STATES as readonly string[]).includes(s)) throw new UsageError(`--status: expected one of ${TASK_STATES.join(', ')}, received "${String(opts.status)}"`, { hint: 'nothing was sent' });
    filters.status = s;
  }
  if (opts.action !== undefined) filters.action = String(opts.action);
  if (opts.campaignId !== undefined) filters.campaign_id = String(opts.campaignId);

  const client = await connect(ctx);
  let tasks: SpaazaTask[] | undefined;
  if (paging.all) {
    tasks = await collectAll(ALL_PAGE_SIZE, async (offset, size) => {
      const items = await listTasks(client, { ...filters, limit: size, offset });
      return { items: items ?? [], last: !items || items.length < size };
    });
  } else {
    tasks = await listTasks(client, { ...filters, limit: paging.limit, offset: (paging.page - 1) * paging.limit });
  }
  if (ctx.globals.dryRun || !tasks) return;
  const rows = tasks;
  ctx.out.result(rows, () => {
    ctx.out.table(rows, [
      { header: 'id', get: (t) => t.id, priority: 0 },
      { header: 'state', priority: 0, get: (t) => stateCode(t), style: (text, t) => (stateCode(t) === 'ERROR' ? ctx.style.red(text) : stateCode(t) === 'DONE' ? ctx.style.green(text) : text) },
      { header: 'action', get: (t) => t.target?.action, priority: 5 },
      { header: 'index', get: (t) => t.target?.export_index, priority: 3 },
      { header: 'format', get: (t) => t.target?.export_format, priority: 4 },
      { header: 'trigger', get: (t) => describeTrigger(t.trigger), priority: 6 },
      { header: 'last run', get: (t) => t.state?.last_run_date ?? '', time: true, priority: 2 },
      { header: 'desc', get: (t) => t.desc, priority: 1 },
    ]);
    if (rows.length === 0 && ctx.stdoutIsTTY) ctx.info('no tasks match');
    // Spaaza gives no total: a full page means there may be more
    if (!paging.all && rows.length === paging.limit) ctx.moreHint(rows.length);
  });
};

import type { Handler } from '../../types.js';
import type { Context } from '../../../context.js';
import { UsageError } from '../../../errors.js';
import { collectAll, listOptions } from '../../../runner/paging.js';
import { close } from '../../../providers/close/client.js';
import { listTasks, type TaskFilters } from '../../../providers/close/api.js';
import { TASK_TYPES, type CloseTask } from '../../../providers/close/schemas.js';
import { closeIdFlag, exclusive, fieldsOpt, taskSummary } from './common.js';

/** Close's largest `_limit` is not published; 100 is its default page size, so always accepted. */
export const PAGE_SIZE = 100;

function typesOpt(ctx: Context, value: unknown): 'all' | string[] {
  const list = (value as string[] | undefined) ?? [];
  if (list.length === 0) return 'all';
  if (list.includes('all')) {
    if (list.length > 1) throw new UsageError(`--type all already means every type; drop ${list.filter((t) => t !== 'all').join(', ')}`);
    return 'all';
  }
  for (const t of list) if (!/^[a-z_]+$/.test(t)) throw new UsageError(`--type "${t}": not a task type`, { hint: `known types: ${TASK_TYPES.join(', ')}` });
  const unknown = list.filter((t) => !(TASK_TYPES as readonly string[]).includes(t));
  if (unknown.length) ctx.warn(`unknown task type${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${TASK_TYPES.join(', ')})`);
  return [...new Set(list)];
}

/** `close task list`: GET /task/ with _type=all unless --type; _skip/_limit paging through has_more. */
export const run: Handler = async (ctx, { opts }) => {
  const paging = listOptions(opts);
  exclusive(opts, 'complete', 'incomplete', '--complete', '--incomplete');
  const filters: TaskFilters = {
    types: typesOpt(ctx, opts.type),
    lead_id: opts.lead === undefined ? undefined : closeIdFlag('--lead', opts.lead, 'lead'),
    assigned_to: opts.assignedTo === undefined ? undefined : closeIdFlag('--assigned-to', opts.assignedTo, 'user'),
    is_complete: opts.complete ? true : opts.incomplete ? false : undefined,
    view: opts.view as string | undefined,
    fields: fieldsOpt(opts),
  };
  if (filters.view === 'archive' && filters.is_complete === false) throw new UsageError('--view archive lists completed tasks only; it cannot be combined with --incomplete');
  if ((filters.view === 'inbox' || filters.view === 'future') && filters.is_complete === true) {
    throw new UsageError(`--view ${filters.view} lists incomplete tasks only; it cannot be combined with --complete`);
  }
  const client = await close.connect(ctx);

  let tasks: CloseTask[];
  let more = false;
  if (paging.all) {
    let dry = false;
    tasks = await collectAll<CloseTask>(PAGE_SIZE, async (skip, size) => {
      const page = await listTasks(client, filters, skip, size);
      if (!page) dry = true;
      return { items: page?.data ?? [], last: !page || !page.has_more };
    });
    if (dry) return;
  } else {
    // --limit may exceed one page: fetch pages of at most PAGE_SIZE until the limit is reached
    tasks = [];
    let skip = (paging.page - 1) * paging.limit;
    for (let i = 0; tasks.length < paging.limit && i < 10_000; i++) {
      const size = Math.min(PAGE_SIZE, paging.limit - tasks.length);
      const page = await listTasks(client, filters, skip, size);
      if (!page) return;
      tasks.push(...page.data.slice(0, size));
      more = page.has_more;
      if (!page.has_more || page.data.length === 0) break;
      skip += page.data.length;
    }
  }

  ctx.out.result(tasks, () => {
    if (tasks.length === 0) {
      ctx.info(paging.page > 1 ? `no tasks on page ${paging.page}` : 'no tasks match');
      return;
    }
    if (filters.fields) {
      const fields = filters.fields;
      ctx.out.table(tasks, fields.map((f) => ({ header: f, get: (t: CloseTask) => t[f] })));
    } else {
      ctx.out.table(tasks, [
        { header: 'id', get: (t) => t.id, priority: 0 },
        { header: 'type', get: (t) => t._type, priority: 5 },
        { header: 'date', get: (t) => t.date ?? '', time: true, priority: 2 },
        { header: 'done', get: (t) => (t.is_complete === undefined ? '' : t.is_complete ? 'yes' : 'no'), style: (s, t) => (t.is_complete ? ctx.style.green(s) : s), priority: 0 },
        { header: 'assigned to', get: (t) => t.assigned_to_name ?? t.assigned_to ?? '', priority: 4 },
        { header: 'lead', get: (t) => t.lead_name ?? t.lead_id ?? '', priority: 3 },
        { header: 'text', get: (t) => taskSummary(t), priority: 1 },
      ]);
    }
    if (more) ctx.moreHint(tasks.length);
  });
};

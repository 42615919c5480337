/**
 * `conductor human list`: `POST /api/human/tasks/search` with `searchType` always sent (INBOX by default),
 * paging by `start`/`size` (`--all` follows `start += hits` until `totalHits`). The table hides the
 * internal `__humanTask*` input keys; `--json` prints the server's `results` as they came.
 */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { listOptions, collectAll, MAX_PAGES } from '../../../runner/paging.js';
import { validateBody } from '../../../input/payload.js';
import { conductor } from '../../../providers/conductor/client.js';
import { searchHumanTasks } from '../../../providers/conductor/api.js';
import { HUMAN_TASK_STATES, SEARCH_TYPES, humanTaskSearch, type HumanTaskEntry, type HumanTaskSearch, type SearchType } from '../../../providers/conductor/schemas.js';
import { compactJson, formatTime, formatUser, parseUserSpec, visibleInput } from './common.js';

/** page size used by --all */
export const ALL_PAGE_SIZE = 100;

/** The search body without paging, from the options; exit 2 on a bad value before anything is sent. */
export function searchFilters(opts: Record<string, unknown>): Omit<HumanTaskSearch, 'start' | 'size'> {
  const st = String(opts.searchType ?? 'INBOX').toUpperCase();
  if (!(SEARCH_TYPES as readonly string[]).includes(st)) throw new UsageError(`--search-type "${String(opts.searchType)}": expected INBOX or ADMIN`);
  const states = ((opts.state as string[] | undefined) ?? []).map((s) => {
    const up = s.trim().toUpperCase().replace(/-/g, '_');
    if (!(HUMAN_TASK_STATES as readonly string[]).includes(up)) throw new UsageError(`--state "${s}": expected one of ${HUMAN_TASK_STATES.join(', ')}`);
    return up as (typeof HUMAN_TASK_STATES)[number];
  });
  const users = (flag: string, values: string[] | undefined) => (values ?? []).map((v) => parseUserSpec(v, flag, { bare: true }));
  const assignees = users('--assignee', opts.assignee as string[] | undefined);
  const claimants = users('--claimant', opts.claimant as string[] | undefined);
  const definitions = ((opts.definition as string[] | undefined) ?? []).map((d) => d.trim());
  if (definitions.some((d) => !d)) throw new UsageError('--definition is empty');
  return {
    searchType: st as SearchType,
    ...(states.length ? { states: [...new Set(states)] } : {}),
    ...(assignees.length ? { assignees } : {}),
    ...(claimants.length ? { claimants } : {}),
    ...(definitions.length ? { definitionNames: definitions } : {}),
  };
}

export const run: Handler = async (ctx, { opts }) => {
  const paging = listOptions(opts);
  const filters = searchFilters(opts);
  const body = (start: number, size: number): HumanTaskSearch => validateBody(humanTaskSearch, { ...filters, start, size }, 'search');
  body(0, 1); // validate before connecting
  const client = await conductor.connect(ctx);

  let items: HumanTaskEntry[] = [];
  let total: number | null = null;
  if (paging.all) {
    let dry = false;
    items = await collectAll<HumanTaskEntry>(ALL_PAGE_SIZE, async (offset, size) => {
      const r = await searchHumanTasks(client, body(offset, size));
      if (r.dryRun || !r.data) {
        dry = true;
        return { items: [], last: true };
      }
      const results = r.data.results ?? [];
      total = r.data.totalHits ?? null;
      const last = results.length === 0 || (total !== null && offset + results.length >= total);
      return { items: results, last };
    });
    if (dry) return;
  } else {
    // --limit items from (page-1)*limit; a server that caps the page size is followed until the limit
    let start = (paging.page - 1) * paging.limit;
    for (let i = 0; i < MAX_PAGES && items.length < paging.limit; i++) {
      const r = await searchHumanTasks(client, body(start, paging.limit - items.length));
      if (r.dryRun || !r.data) return;
      const results = r.data.results ?? [];
      total = r.data.totalHits ?? null;
      items.push(...results.slice(0, paging.limit - items.length));
      start += results.length;
      if (results.length === 0 || (total !== null && start >= total)) break;
    }
  }

  ctx.out.result(items, () => {
    if (items.length === 0) {
      ctx.info(
        filters.searchType === 'INBOX'
          ? 'no human tasks matched (the INBOX holds tasks assigned to or claimed by you; --search-type ADMIN searches all)'
          : 'no human tasks matched',
      );
      return;
    }
    ctx.out.table(items, [
      { header: 'task id', get: (t) => t.taskId },
      { header: 'state', get: (t) => t.state ?? '', priority: 0 },
      { header: 'name', get: (t) => t.displayName ?? '' },
      { header: 'definition', get: (t) => t.definitionName ?? '' },
      { header: 'assignee', get: (t) => formatUser(t.assignee) },
      { header: 'claimant', get: (t) => formatUser(t.claimant) },
      { header: 'workflow id', get: (t) => t.workflowId ?? '', whole: true },
      { header: 'task ref', get: (t) => t.taskRefName ?? '' },
      { header: 'updated', get: (t) => formatTime(t.updatedOn), time: true },
      { header: 'input', get: (t) => compactJson(visibleInput(t.input)) },
    ]);
    const shownFrom = paging.all ? 0 : (paging.page - 1) * paging.limit;
    if (!paging.all && total !== null && shownFrom + items.length < total) {
      ctx.moreHint(items.length);
    }
  });
};

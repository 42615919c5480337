/**
 * `transaction list`: `GET /transactions?filterLimit&filterPage&filters`, newest first; `--count` asks the
 * server to count (`filterRepresentation=bulkrerun`: `{count}` on 7.1+, an array of ids before, counted).
 */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { collectAll, listOptions } from '../../../runner/paging.js';
import { openhim } from '../../../providers/openhim/client.js';
import { countTransactions, listTransactions } from '../../../providers/openhim/api.js';
import type { Transaction } from '../../../providers/openhim/schemas.js';
import { filtersFromOptions } from './common.js';

const ALL_PAGE = 1000;

export const run: Handler = async (ctx, { opts }) => {
  const filters = filtersFromOptions(ctx, opts);
  if (opts.count) {
    const extra = (['limit', 'page', 'all'] as const).filter((k) => opts[k] !== undefined);
    if (extra.length) throw new UsageError(`--count cannot be combined with ${extra.map((k) => `--${k}`).join(', ')}`);
    const client = await openhim.connect(ctx);
    const count = await countTransactions(client, filters);
    if (count === null) return;
    ctx.out.result({ count }, () => ctx.out.line(String(count)));
    return;
  }
  const lo = listOptions(opts);
  const client = await openhim.connect(ctx);
  let list: Transaction[] | null;
  if (lo.all) {
    list = await collectAll(ALL_PAGE, async (_offset, size, index) => {
      const page = await listTransactions(client, { page0: index, limit: size, filters });
      return page ? { items: page, last: page.length < size } : { items: [], last: true };
    });
  } else {
    list = await listTransactions(client, { page0: lo.page - 1, limit: lo.limit, filters });
  }
  if (!list || ctx.globals.dryRun) return;
  const rows = list;
  ctx.out.result(rows, () => {
    if (rows.length === 0) {
      ctx.info('no transactions match');
      return;
    }
    ctx.out.table(rows, [
      { header: 'id', get: (t) => t._id, priority: 0 },
      { header: 'timestamp', get: (t) => t.request?.timestamp, time: true, priority: 1 },
      {
        header: 'status',
        priority: 0,
        get: (t) => t.status,
        style: (s, t) => (t.status === 'Successful' ? ctx.style.green(s) : t.status === 'Failed' || t.status === 'Completed with error(s)' ? ctx.style.red(s) : s),
      },
      { header: 'method', get: (t) => t.request?.method, priority: 4 },
      { header: 'path', get: (t) => t.request?.path, priority: 2 },
      { header: 'channel', get: (t) => t.channelID, priority: 5, whole: true },
      { header: 'reruns', get: (t) => t.childIDs?.length ?? 0, priority: 3 },
    ]);
    // OpenHIM gives no total: a full page means there may be more
    if (!lo.all && rows.length === lo.limit) ctx.moreHint(rows.length);
  });
};

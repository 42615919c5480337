/**
 * `complete` and `reopen`: for several ids, Close's bulk update in chunks (providers/close/bulk.ts: one
 * `PUT /task/?id__in=…&_type=all`, then a read-back, per chunk; one PUT per id where the bulk route is
 * missing); for one id, one plain `PUT /task/{id}/`. Either way through the shared multi-id runner.
 */
import type { Context } from '../../../context.js';
import { close } from '../../../providers/close/client.js';
import { updateTask } from '../../../providers/close/api.js';
import { BulkUpdater } from '../../../providers/close/bulk.js';
import { runTasks, taskIdsArg } from './common.js';

/** only what the result needs: keeps the answer small */
const ANSWER_FIELDS = ['id', 'is_complete'];

export async function setComplete(ctx: Context, idsArg: unknown, value: boolean): Promise<number> {
  const ids = await taskIdsArg(ctx, idsArg);
  const client = await close.connect(ctx);
  const opts = { verb: value ? 'completed' : 'reopened', label: value ? 'completing' : 'reopening' };
  if (ids.length > 1) {
    return runTasks(ctx, client, ids, new BulkUpdater(client, 'is_complete', value), opts);
  }
  return runTasks(
    ctx,
    client,
    ids,
    async (id) => {
      const r = await updateTask(client, id, { is_complete: value }, ANSWER_FIELDS);
      return { status: r.status };
    },
    opts,
  );
}

/** `complete` and `reopen`: one partial PUT per id through the shared multi-id runner. */
import type { Context } from '../../../context.js';
import { close } from '../../../providers/close/client.js';
import { updateTask } from '../../../providers/close/api.js';
import { runTasks, taskIdsArg } from './common.js';

/** only what the result needs: keeps 1,000 answers small */
const ANSWER_FIELDS = ['id', 'is_complete'];

export async function setComplete(ctx: Context, idsArg: unknown, value: boolean): Promise<number> {
  const ids = await taskIdsArg(ctx, idsArg);
  const client = await close.connect(ctx);
  return runTasks(
    ctx,
    client,
    ids,
    async (id) => {
      const r = await updateTask(client, id, { is_complete: value }, ANSWER_FIELDS);
      return { status: r.status };
    },
    { verb: value ? 'completed' : 'reopened', label: value ? 'completing' : 'reopening' },
  );
}

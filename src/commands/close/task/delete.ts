import type { Handler } from '../../types.js';
import { close } from '../../../providers/close/client.js';
import { deleteTask } from '../../../providers/close/api.js';
import { runTasks, taskIdsArg } from './common.js';

/** `close task delete <taskId…>`: DELETE each, after confirmation (--yes without a terminal). */
export const run: Handler = async (ctx, { args }) => {
  const ids = await taskIdsArg(ctx, args[0]);
  const client = await close.connect(ctx);
  await ctx.confirm(ids.length === 1 ? `Delete Close task ${ids[0]}?` : `Delete ${ids.length} Close tasks?`);
  return runTasks(ctx, client, ids, async (id) => deleteTask(client, id), { verb: 'deleted', label: 'deleting' });
};

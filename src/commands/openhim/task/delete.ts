/**
 * `task delete <taskId…>`: asks first (ctx.confirm), reads each task (unknown ids → not found on every
 * version; 4.0.5 and the v8.5.0 tag answer 200 to DELETE of an unknown id), then `DELETE /tasks/:id`.
 */
import type { Handler } from '../../types.js';
import { runMany } from '../../../runner/many.js';
import { openhim } from '../../../providers/openhim/client.js';
import { deleteTask } from '../../../providers/openhim/api.js';
import { describeTasks, readTaskIds, taskStates } from './common.js';

export const run: Handler = async (ctx, { args }) => {
  const ids = await readTaskIds(ctx, args[0]);
  await ctx.confirm(`Delete ${describeTasks(ids)}?`);
  const client = await openhim.connect(ctx);
  const stateOf = await taskStates(ctx, client, ids);
  return runMany(
    ctx,
    ids,
    async (id) => {
      const task = await stateOf(id);
      const note = task?.status === 'Processing' ? 'was Processing: the batch in flight still finishes' : undefined;
      const message = await deleteTask(client, id);
      return { status: message === null ? null : 200, note };
    },
    { verb: 'deleted', noun: 'task' },
  );
};

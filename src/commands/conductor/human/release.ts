/** `conductor human release <taskId…>`: `POST /api/human/tasks/{taskId}/release` for each id. */
import type { Handler } from '../../types.js';
import { conductor } from '../../../providers/conductor/client.js';
import { releaseHumanTask } from '../../../providers/conductor/api.js';
import { runOnTasks, taskIds } from './common.js';

export const run: Handler = async (ctx, { args }) => {
  const ids = await taskIds(ctx, args[0]);
  const client = await conductor.connect(ctx);
  return runOnTasks(ctx, ids, async (id) => ({ status: (await releaseHumanTask(client, id)).status }), { verb: 'released' });
};

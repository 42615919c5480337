/** `conductor human skip <taskId…> [--reason <text>]`: `POST /api/human/tasks/{taskId}/skip[?reason=]` for each id. */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { conductor } from '../../../providers/conductor/client.js';
import { skipHumanTask } from '../../../providers/conductor/api.js';
import { runOnTasks, taskIds } from './common.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const reason = opts.reason === undefined ? undefined : String(opts.reason);
  if (reason !== undefined && !reason.trim()) throw new UsageError('--reason is empty', { hint: 'leave it out, or say why the task is skipped' });
  const ids = await taskIds(ctx, args[0]);
  const client = await conductor.connect(ctx);
  return runOnTasks(ctx, ids, async (id) => ({ status: (await skipHumanTask(client, id, { reason })).status }), { verb: 'skipped' });
};

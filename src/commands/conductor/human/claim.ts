/** `conductor human claim <taskId…> [--override]`: `POST /api/human/tasks/{taskId}/claim` for each id. */
import type { Handler } from '../../types.js';
import { conductor } from '../../../providers/conductor/client.js';
import { claimHumanTask } from '../../../providers/conductor/api.js';
import { formatUser, runOnTasks, taskIds } from './common.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const ids = await taskIds(ctx, args[0]);
  const client = await conductor.connect(ctx);
  return runOnTasks(
    ctx,
    ids,
    async (id) => {
      const r = await claimHumanTask(client, id, { override: Boolean(opts.override) });
      const by = formatUser(r.data?.claimant);
      return { status: r.status, data: r.data ?? undefined, note: by ? `claimed by ${by}` : undefined };
    },
    { verb: 'claimed' },
  );
};

/** `spaaza task delete <id…>`: DELETE /tasks/{id} (204) for each id; the tasks will no longer be executed. */
import type { Handler } from '../../types.js';
import { readIds } from '../../../input/ids.js';
import { runMany } from '../../../runner/many.js';
import { deleteTask } from '../../../providers/spaaza/api.js';
import { connect, idProblem } from './common.js';

export const run: Handler = async (ctx, { args }) => {
  const ids = await readIds(ctx, args[0], { validate: idProblem, noun: 'task id' });
  const client = await connect(ctx);
  await ctx.confirm(`Delete ${ids.length === 1 ? `task ${ids[0]}` : `${ids.length} tasks (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`}? ${ids.length === 1 ? 'It' : 'They'} will no longer be executed`);
  return runMany(ctx, ids, async (id) => ({ status: (await deleteTask(client, id)) ?? null }), { verb: 'deleted', noun: 'task' });
};

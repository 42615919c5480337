/** `spaaza task get <id>`: GET /tasks/{id}, with its logs (entry fields are undocumented). */
import type { Handler } from '../../types.js';
import { getTask } from '../../../providers/spaaza/api.js';
import { connect, logLevel, logText, logTime, taskId, taskPairs } from './common.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const id = taskId(args[0]);
  const client = await connect(ctx);
  const task = await getTask(client, id, opts.logs !== undefined ? { log_limit: opts.logs as number } : {});
  if (!task) return;
  ctx.out.result(task, () => {
    ctx.out.keyValues(taskPairs(task));
    const logs = Array.isArray(task.logs) ? task.logs : [];
    if (logs.length) {
      ctx.out.line();
      ctx.out.table(logs, [
        { header: 'time', get: (l) => logTime(l) },
        { header: 'level', get: (l) => logLevel(l), style: (t, l) => (/err|fail/i.test(logLevel(l)) ? ctx.style.red(t) : t) },
        { header: 'log', get: (l) => logText(l) },
      ]);
    }
  });
};

import type { Handler } from '../../types.js';
import { close } from '../../../providers/close/client.js';
import { getTask } from '../../../providers/close/api.js';
import { fieldsOpt, renderTask, taskIdArg } from './common.js';

/** `close task get <taskId>` */
export const run: Handler = async (ctx, { args, opts }) => {
  const id = taskIdArg(args[0]);
  const fields = fieldsOpt(opts);
  const client = await close.connect(ctx);
  const task = await getTask(client, id, fields);
  if (!task) return;
  ctx.out.result(task, () => renderTask(ctx, task, fields));
};

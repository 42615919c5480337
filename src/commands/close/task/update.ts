import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { readJsonFile, requireObject, validateBody } from '../../../input/payload.js';
import { close } from '../../../providers/close/client.js';
import { updateTask } from '../../../providers/close/api.js';
import { updateBodySchema } from '../../../providers/close/schemas.js';
import { closeIdFlag, dateFlag, exclusive, fieldsOpt, renderTask, taskIdArg } from './common.js';

/** `close task update <taskId> [flags] [--file <json|->]`: PUT /task/{id}/ with only the fields given. */
export const run: Handler = async (ctx, { args, opts }) => {
  const id = taskIdArg(args[0]);
  exclusive(opts, 'complete', 'incomplete', '--complete', '--incomplete');
  exclusive(opts, 'date', 'dueDate', '--date', '--due-date');
  const fields = fieldsOpt(opts);
  const file = opts.file as string | undefined;
  const body: Record<string, unknown> = file ? { ...requireObject(await readJsonFile(ctx, file), `--file ${file}`) } : {};

  // flags override the file field by field; date and due_date are one field in two spellings
  if (opts.date !== undefined) {
    delete body.due_date;
    body.date = dateFlag('--date', opts.date);
  }
  if (opts.dueDate !== undefined) {
    delete body.date;
    body.due_date = dateFlag('--due-date', opts.dueDate);
  }
  if (opts.assignedTo !== undefined) body.assigned_to = closeIdFlag('--assigned-to', opts.assignedTo, 'user');
  if (opts.complete) body.is_complete = true;
  if (opts.incomplete) body.is_complete = false;
  if (opts.text !== undefined) body.text = String(opts.text);
  if (opts.priority !== undefined) body.priority = opts.priority;
  if (opts.resolution !== undefined) body.resolution = opts.resolution;

  if (Object.keys(body).length === 0) {
    throw new UsageError('nothing to update', {
      hint: 'give --assigned-to, --date, --complete/--incomplete, --text, --priority, --resolution or --file',
    });
  }
  const valid = validateBody(updateBodySchema, body, file ? `--file ${file}` : 'update');
  if (opts.dueDate !== undefined) ctx.warn('due_date is a deprecated alias of date in the Close API; --date sets the same field');

  const client = await close.connect(ctx);
  const { task } = await updateTask(client, id, valid, fields);
  if (valid.text !== undefined) {
    const type = task?._type;
    if (typeof type === 'string' && type !== 'lead') {
      ctx.warn(`Close accepts text only on lead tasks; ${id} is a ${type} task, so its text may not have changed`);
    } else if (type === undefined) {
      ctx.warn('Close accepts text only on lead tasks; on other task types it refuses or ignores it');
    }
  }
  if (!task) return;
  ctx.out.result(task, () => renderTask(ctx, task, fields));
};

import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { readJsonFile, requireObject, validateBody } from '../../../input/payload.js';
import { close } from '../../../providers/close/client.js';
import { createTask } from '../../../providers/close/api.js';
import { createBodySchema } from '../../../providers/close/schemas.js';
import { closeIdFlag, dateFlag, fieldsOpt } from './common.js';

/** `close task create --lead <id> --text <s> [--date …] [--assigned-to <id>] [--file <json|->]`: POST /task/ */
export const run: Handler = async (ctx, { opts }) => {
  const file = opts.file as string | undefined;
  const body: Record<string, unknown> = file ? { ...requireObject(await readJsonFile(ctx, file), `--file ${file}`) } : {};
  if (opts.lead !== undefined) body.lead_id = closeIdFlag('--lead', opts.lead, 'lead');
  if (opts.text !== undefined) body.text = String(opts.text);
  if (opts.date !== undefined) body.date = dateFlag('--date', opts.date);
  if (opts.assignedTo !== undefined) body.assigned_to = closeIdFlag('--assigned-to', opts.assignedTo, 'user');
  // taskctl creates lead tasks unless the file says otherwise (Close creates only lead and outgoing_call)
  if (body._type === undefined) body._type = 'lead';
  if (body.lead_id === undefined) throw new UsageError('--lead is required: a Close task belongs to a lead', { hint: 'e.g. --lead lead_…; nothing was sent' });
  if (body._type === 'lead' && body.text === undefined) throw new UsageError('--text is required: what is to be done', { hint: 'nothing was sent' });
  const fields = fieldsOpt(opts);
  const valid = validateBody(createBodySchema, body, file ? `--file ${file}` : 'task');
  const client = await close.connect(ctx);
  const task = await createTask(client, valid, fields);
  if (!task) return;
  // like every create: the new id on stdout, the whole task with --json
  ctx.out.result(task, () => ctx.out.line(String(task.id)));
};

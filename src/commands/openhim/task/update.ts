/**
 * `task update <taskId> [--file] [--status] [--batch-size]`: `PUT /tasks/:id`. The body is validated before
 * anything is sent (status only Queued/Paused/Cancelled: the server stores anything). The task is read first,
 * since 4.0.5 and the v8.5.0 tag answer 200 for an unknown id; its state drives the processor warnings.
 */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { readJsonFile, requireObject, validateBody } from '../../../input/payload.js';
import { openhim } from '../../../providers/openhim/client.js';
import { checkTask, readTaskItems, updateTask } from '../../../providers/openhim/api.js';
import { choice } from '../../../providers/openhim/filters.js';
import { SETTABLE_STATUSES, updateTaskBody } from '../../../providers/openhim/schemas.js';
import { STATUS_WARNINGS } from '../../../providers/openhim/progress.js';
import { taskIdArg } from './common.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const id = taskIdArg(args[0]);
  const file = opts.file as string | undefined;
  if (file === undefined && opts.status === undefined && opts.batchSize === undefined) {
    throw new UsageError('nothing to update', { hint: 'give --status, --batch-size or --file' });
  }
  const source = file !== undefined ? `--file ${file}` : 'task update';
  const body: Record<string, unknown> = file !== undefined ? { ...requireObject(await readJsonFile(ctx, file), source) } : {};
  if (opts.status !== undefined) body.status = choice(String(opts.status), SETTABLE_STATUSES, '--status');
  if (opts.batchSize !== undefined) body.batchSize = opts.batchSize;
  const valid = validateBody(updateTaskBody, body, source);
  if (valid._id !== undefined && valid._id.toLowerCase() !== id.toLowerCase()) {
    throw new UsageError(`${source}: _id ${valid._id} is not the task being updated (${id})`, { hint: 'nothing was sent' });
  }
  const send: Record<string, unknown> = {};
  if (valid.status !== undefined) send.status = valid.status;
  if (valid.batchSize !== undefined) send.batchSize = valid.batchSize;

  const client = await openhim.connect(ctx);
  if (!ctx.globals.dryRun) {
    const task = (await checkTask(client, id))!;
    if (send.status === 'Cancelled' && (task.status === 'Processing' || task.status === 'Pending Async')) ctx.warn(STATUS_WARNINGS['cancel-running']);
    if (send.status === 'Paused' && task.status === 'Processing') ctx.warn(STATUS_WARNINGS['pause-running']);
    const total = task.totalTransactions ?? 0;
    if (send.status === 'Queued' && task.status === 'Paused' && total > 0 && task.remainingTransactions === total) {
      const all = await readTaskItems(client, id);
      if (all && all.items.some((i) => i.rerunStatus)) ctx.warn(STATUS_WARNINGS['resume-rerun']);
    }
    if (send.status !== undefined && task.status === send.status) ctx.info(`task ${id} is already ${task.status}`);
  }
  const message = await updateTask(client, id, send);
  if (message === null) return;
  const changes = Object.entries(send)
    .map(([k, v]) => `${k === 'batchSize' ? 'batch size' : k} ${String(v)}`)
    .join(', ');
  ctx.out.result({ id, message, ...send }, () => ctx.out.line(`updated task ${id}: ${changes}`));
};

/**
 * `spaaza task update <id>`: PUT /tasks/{id}. Target and trigger are replaced as whole objects on the
 * server, so the task is read first and single-field flags are merged into its current objects.
 */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { validateBody } from '../../../input/payload.js';
import { getTask, updateTask } from '../../../providers/spaaza/api.js';
import { updateBodySchema } from '../../../providers/spaaza/schemas.js';
import { applyTarget, applyTrigger, assembleBody, hasKeys, warnPastOnce } from './body.js';
import { connect, printTask, stateCode, taskId } from './common.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const id = taskId(args[0]);
  const { body, targetPatch, triggerPatch } = await assembleBody(ctx, opts, 'update');
  if (!hasKeys(body) && !hasKeys(targetPatch) && !hasKeys(triggerPatch)) {
    throw new UsageError('nothing to update', { hint: 'give --desc, --export-index, --export-format, --target, --at, --trigger, --debug or --file' });
  }
  // whole objects given: check them before any request
  const early = { ...body };
  if (early.target !== undefined) early.target = applyTarget(early.target, targetPatch);
  if (early.trigger !== undefined) early.trigger = applyTrigger(early.trigger, triggerPatch);
  validateBody(updateBodySchema, early, 'task update');

  const client = await connect(ctx);
  const current = await getTask(client, id);
  const code = stateCode(current);
  if (current && code !== 'READY') {
    ctx.warn(`task ${id} is ${code}, not READY: Spaaza says only tasks that have not started can be meaningfully updated`);
  }
  const needsTargetBase = body.target === undefined && hasKeys(targetPatch);
  const needsTriggerBase = body.trigger === undefined && hasKeys(triggerPatch);
  if (!current && (needsTargetBase || needsTriggerBase)) {
    ctx.warn('--dry-run: the task was not read, so the PUT below shows only the fields the flags set; a real run sends the whole merged target/trigger');
  }
  const out: Record<string, unknown> = { ...early };
  if (needsTargetBase) out.target = applyTarget(current?.target, targetPatch);
  if (needsTriggerBase) out.trigger = applyTrigger(current?.trigger, triggerPatch);
  const valid = current ? validateBody(updateBodySchema, out, 'task update') : (out as Parameters<typeof updateTask>[2]);
  if (valid.target && valid.target.action !== 'export') ctx.warn(`target.action "${String(valid.target.action)}" is not documented by Spaaza (only "export" is)`);
  warnPastOnce(ctx, valid.trigger, opts.at !== undefined);

  const updated = await updateTask(client, id, valid);
  if (updated) printTask(ctx, updated);
};

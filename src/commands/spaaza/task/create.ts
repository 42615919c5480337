/** `spaaza task create`: POST /tasks; with --run/--download the whole create → run → wait → download path. */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { validateBody } from '../../../input/payload.js';
import { createTask, getTask } from '../../../providers/spaaza/api.js';
import { createBodySchema } from '../../../providers/spaaza/schemas.js';
import { applyTarget, applyTrigger, assembleBody, hasKeys, warnPastOnce } from './body.js';
import { connect, printTask } from './common.js';
import { DEFAULT_INTERVAL_MS, checkOutput, downloadTask, failOnError, reportDownload, runTask } from './flow.js';

export const run: Handler = async (ctx, { opts }) => {
  const output = opts.output as string | undefined;
  const download = Boolean(opts.download) || output !== undefined;
  const runIt = Boolean(opts.run) || download;
  if (output === '-' && ctx.globals.json) throw new UsageError('-o - writes the file to standard output, which --json needs for its document', { hint: 'save to a file, or drop --json' });
  checkOutput(ctx, output, Boolean(opts.force));

  const { body, targetPatch, triggerPatch } = await assembleBody(ctx, opts, 'create');
  if (hasKeys(targetPatch) || body.target !== undefined) body.target = applyTarget(body.target, targetPatch);
  if (hasKeys(triggerPatch) || body.trigger !== undefined) body.trigger = applyTrigger(body.trigger, triggerPatch);

  const missing: string[] = [];
  if (body.desc === undefined) missing.push('a description (--desc)');
  if (body.target === undefined) missing.push('a target (--export-index and --export-format, or --target)');
  if (body.trigger === undefined) missing.push('a trigger (--at <time|now>, or --trigger)');
  if (missing.length) throw new UsageError(`task create needs ${missing.join(', ')}`, { hint: 'or give them in --file; nothing was sent' });

  const profile = await ctx.profile('spaaza');
  if (body.chain === undefined) {
    const chain = profile.values.chain as number | undefined;
    if (chain === undefined) {
      throw new UsageError('task create needs a chain, and neither the profile nor --file has one', {
        hint: 'add "chain" to the profile (or set SPAAZA_CHAIN), or put "chain" in the --file body; nothing was sent',
      });
    }
    body.chain = chain;
  }
  // chain first, as in Spaaza's examples
  const ordered = { chain: body.chain, ...body };
  const valid = validateBody(createBodySchema, ordered, 'task create');
  if (valid.target.action !== 'export') ctx.warn(`target.action "${valid.target.action}" is not documented by Spaaza (only "export" is)`);
  warnPastOnce(ctx, valid.trigger, opts.at !== undefined);

  const client = await connect(ctx);
  const created = await createTask(client, valid);
  if (!runIt) {
    // like every create: the new id on stdout, the whole task with --json
    if (created) ctx.out.result(created, () => ctx.out.line(String(created.id)));
    return;
  }
  if (!created) {
    ctx.info('(--dry-run: the task would then be run with POST /tasks/<new id>/execute, waited for, and downloaded)');
    return;
  }

  const id = String(created.id);
  ctx.info(`created task ${id}`);
  const result = await runTask(ctx, client, id, { wait: true, intervalMs: (opts.interval as number | undefined) ?? DEFAULT_INTERVAL_MS });
  const finalTask = result?.task ?? (await getTask(client, id)) ?? created;
  if (result && result.state.code === 'ERROR') {
    if (output !== '-') printTask(ctx, finalTask);
    failOnError(ctx, id, { ...finalTask, state: result.state });
  }
  let saved;
  if (download) saved = await downloadTask(ctx, client, id, { output, force: Boolean(opts.force), task: finalTask });
  if (output !== '-') printTask(ctx, finalTask);
  if (saved) reportDownload(ctx, saved, { printResult: false });
};

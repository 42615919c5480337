/** `spaaza task run <id>`: POST /tasks/{id}/execute (long timeout, retried only on 429, spinner), then wait / download. */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { connect, taskId } from './common.js';
import { DEFAULT_INTERVAL_MS, checkOutput, downloadTask, failOnError, reportDownload, runTask } from './flow.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const id = taskId(args[0]);
  const output = opts.output as string | undefined;
  const download = Boolean(opts.download) || output !== undefined;
  if (output === '-' && ctx.globals.json) throw new UsageError('-o - writes the file to standard output, which --json needs for its document', { hint: 'save to a file, or drop --json' });
  if (download && opts.wait === false) throw new UsageError('--download needs the task to finish: it cannot be combined with --no-wait');
  checkOutput(ctx, output, Boolean(opts.force));

  const client = await connect(ctx);
  const result = await runTask(ctx, client, id, { wait: opts.wait !== false, intervalMs: (opts.interval as number | undefined) ?? DEFAULT_INTERVAL_MS });
  if (!result) {
    if (download) ctx.info('(--dry-run: when the task is DONE, its file would then be downloaded)');
    return;
  }
  const { state } = result;
  const show = () =>
    ctx.out.result(state, () =>
      ctx.out.keyValues([
        ['Task', id],
        ['State', state.code],
        ['Last run', state.last_run_date ?? undefined],
      ]),
    );
  if (state.code === 'ERROR') {
    if (output !== '-') show();
    failOnError(ctx, id, { ...(result.task ?? { id: Number(id) }), state });
  }
  if (state.code !== 'DONE') {
    if (output !== '-') show();
    ctx.info(`task ${id} is ${state.code}; \`taskctl spaaza task wait ${id}\` waits for it to finish`);
    return;
  }
  const saved = download ? await downloadTask(ctx, client, id, { output, force: Boolean(opts.force), task: result.task }) : undefined;
  if (output !== '-') show();
  if (saved) reportDownload(ctx, saved, { printResult: false });
};

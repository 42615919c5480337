/**
 * `spaaza task download <id>`: GET /tasks/{id}/download_url, then the file from the pre-signed URL,
 * without our Authorization header, to disk (or stdout with -o -), with a progress bar on a terminal.
 */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { connect, taskId } from './common.js';
import { downloadTask, reportDownload } from './flow.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const id = taskId(args[0]);
  const output = opts.output as string | undefined;
  if (output === '-' && ctx.globals.json) throw new UsageError('-o - writes the file to standard output, which --json needs for its document', { hint: 'save to a file, or drop --json' });
  const client = await connect(ctx);
  const saved = await downloadTask(ctx, client, id, { output, force: Boolean(opts.force) });
  if (saved) reportDownload(ctx, saved, { printResult: true });
};

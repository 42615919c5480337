/** `spaaza task wait <id>`: polls GET /tasks/{id} until DONE (exit 0) or ERROR (exit 1); NDJSON with --json. */
import type { Handler } from '../../types.js';
import { parseDuration } from '../../../input/duration.js';
import { connect, stateCode, taskId } from './common.js';
import { DEFAULT_INTERVAL_MS, failOnError, waitForTask } from './flow.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const id = taskId(args[0]);
  const waitTimeoutMs = parseDuration(opts.waitTimeout);
  const client = await connect(ctx);
  const task = await waitForTask(ctx, client, id, { intervalMs: (opts.interval as number | undefined) ?? DEFAULT_INTERVAL_MS, events: ctx.globals.json, waitTimeoutMs });
  if (!task) return;
  if (!ctx.globals.json) {
    ctx.out.keyValues([
      ['Task', id],
      ['State', stateCode(task)],
      ['Last run', task.state?.last_run_date ?? undefined],
    ]);
  }
  failOnError(ctx, id, task);
};

/**
 * `task pause|resume|cancel <taskId…>`: `PUT /tasks/:id {"status": …}` for each id through the shared
 * multi-id runner. Each task's state is read first (the server answers 200 for unknown ids on 4.0.5 and
 * the v8.5.0 tag, and has no state machine), so an unknown id is reported as not found and a Completed task
 * is not relabelled. Under --dry-run only the PUTs are shown.
 */
import type { Handler } from '../../types.js';
import { runMany } from '../../../runner/many.js';
import { openhim } from '../../../providers/openhim/client.js';
import { readTaskItems, updateTask } from '../../../providers/openhim/api.js';
import { STATUS_WARNINGS, TARGET_STATUS, planStatusChange, type StatusVerb } from '../../../providers/openhim/progress.js';
import { StateError, describeTasks, readTaskIds, taskStates } from './common.js';

const PAST: Record<StatusVerb, string> = { pause: 'paused', resume: 'resumed', cancel: 'cancelled' };

export function statusCommand(verb: StatusVerb): Handler {
  return async (ctx, { args }) => {
    const ids = await readTaskIds(ctx, args[0]);
    if (verb === 'cancel') await ctx.confirm(`Cancel ${describeTasks(ids)}?`);
    const client = await openhim.connect(ctx);
    const stateOf = await taskStates(ctx, client, ids);
    const status = TARGET_STATUS[verb];
    return runMany(
      ctx,
      ids,
      async (id) => {
        const task = await stateOf(id);
        let note: string | undefined;
        if (task) {
          let rerunBeforePause = 0;
          const total = task.totalTransactions ?? 0;
          if (verb === 'resume' && task.status === 'Paused' && total > 0 && task.remainingTransactions === total) {
            // 7.1+ keeps no progress on pause; the items' rerunStatus shows what already ran
            const all = await readTaskItems(client, id);
            rerunBeforePause = all ? all.items.filter((i) => i.rerunStatus).length : 0;
          }
          const plan = planStatusChange(verb, task, rerunBeforePause);
          if (plan.refuse) throw new StateError(plan.refuse);
          if (plan.warning) ctx.warn(STATUS_WARNINGS[plan.warning]);
          if (!plan.send) return { status: 200, note: plan.note };
          note = plan.note;
        }
        const message = await updateTask(client, id, { status });
        return { status: message === null ? null : 200, note };
      },
      { verb: PAST[verb], noun: 'task' },
    );
  };
}

/**
 * `human complete` and `human update`: the form's fields for each task id
 * (`POST /api/human/tasks/{id}/update?complete=`), or for one task found by workflow id + task reference
 * (`POST /api/human/tasks/update/taskRef`). On Conductor OSS (no /api/human) the by-reference form falls
 * back to `POST /api/tasks/{workflowId}/{taskRef}/{COMPLETED|IN_PROGRESS}/sync`.
 */
import type { Context } from '../../../context.js';
import { UsageError } from '../../../errors.js';
import { segmentProblem } from '../../../http/segment.js';
import type { Handler } from '../../types.js';
import { conductor, authOf } from '../../../providers/conductor/client.js';
import { updateHumanTask, updateHumanTaskByRef, updateTaskByRefSync } from '../../../providers/conductor/api.js';
import { ConductorOssError } from '../../../providers/conductor/errors.js';
import type { Workflow } from '../../../providers/conductor/schemas.js';
import { readFormBody, runOnTasks, taskIds } from './common.js';

interface RefForm {
  workflowId: string;
  taskRefName: string;
  iteration: number[];
}

/** Checks the two forms' flags before anything is read or sent. */
export function refForm(ids: readonly string[], opts: Record<string, unknown>): RefForm | null {
  const wf = opts.workflowId as string | undefined;
  const ref = opts.taskRef as string | undefined;
  const its = (opts.iteration as string[] | undefined) ?? [];
  const byRef = wf !== undefined || ref !== undefined;
  if (!byRef) {
    if (its.length) throw new UsageError('--iteration only applies with --workflow-id and --task-ref');
    if (ids.length === 0) throw new UsageError('which task? give one or more task ids, or --workflow-id and --task-ref', { hint: 'see --help; nothing was sent' });
    return null;
  }
  if (ids.length) throw new UsageError('give task ids or --workflow-id with --task-ref, not both');
  if (wf === undefined || !wf.trim()) throw new UsageError(wf === undefined ? '--task-ref needs --workflow-id <id> as well' : '--workflow-id is empty', { hint: 'nothing was sent' });
  if (ref === undefined || !ref.trim()) throw new UsageError(ref === undefined ? '--workflow-id needs --task-ref <ref> as well' : '--task-ref is empty', { hint: 'nothing was sent' });
  for (const [flag, v] of [['--workflow-id', wf.trim()], ['--task-ref', ref.trim()]]) {
    const problem = segmentProblem(v);
    if (problem) throw new UsageError(`${flag} "${v}": ${problem}`, { hint: 'it becomes part of the URL on Conductor OSS; nothing was sent' });
  }
  const iteration = its.map((v) => {
    if (!/^\d+$/.test(v.trim())) throw new UsageError(`--iteration "${v}": expected a whole number, 0 or more`);
    return Number(v.trim());
  });
  return { workflowId: wf.trim(), taskRefName: ref.trim(), iteration };
}

/** The OSS task the /sync call changed: the latest-updated task with that reference (loop refs end in __N). */
function changedTask(wf: Workflow | null, ref: string) {
  const tasks = (wf?.tasks ?? []).filter((t) => t.referenceTaskName === ref || (t.referenceTaskName ?? '').replace(/__\d+$/, '') === ref);
  return tasks.sort((a, b) => (b.updateTime ?? 0) - (a.updateTime ?? 0))[0];
}

async function byReference(ctx: Context, form: RefForm, body: Record<string, unknown>, complete: boolean): Promise<void> {
  const client = await conductor.connect(ctx);
  const verb = complete ? 'completed' : 'updated';
  // with a key, the token exchange tells OSS apart (404) before any /api/human request
  await authOf(client)?.prepare(ctx.globals.dryRun);
  if (!authOf(client)?.oss) {
    try {
      const r = await updateHumanTaskByRef(client, form, body, complete);
      if (r.dryRun) return;
      const out = { ok: true, status: r.status, workflowId: form.workflowId, taskRefName: form.taskRefName, ...(form.iteration.length ? { iteration: form.iteration } : {}), complete, server: 'orkes' };
      ctx.out.result(out, () =>
        ctx.out.keyValues([
          ['Workflow', form.workflowId],
          ['Task ref', form.taskRefName],
          ['Iteration', form.iteration.length ? form.iteration.join(',') : undefined],
          ['Result', verb],
        ]),
      );
      return;
    } catch (err) {
      if (!(err instanceof ConductorOssError)) throw err;
    }
  }
  // Conductor OSS: no /api/human; the task API's by-reference /sync route instead
  if (form.iteration.length) {
    throw new UsageError('--iteration is not supported on Conductor OSS', {
      hint: 'OSS updates the first pending task with that reference (a loop task approve__2 matches approve); drop --iteration',
    });
  }
  ctx.info(`${client.baseUrl} is Conductor OSS: using POST /api/tasks/{workflowId}/{taskRef}/${complete ? 'COMPLETED' : 'IN_PROGRESS'}/sync`);
  const r = await updateTaskByRefSync(client, form.workflowId, form.taskRefName, complete ? 'COMPLETED' : 'IN_PROGRESS', body);
  if (r.dryRun) return;
  const task = changedTask(r.data, form.taskRefName);
  const out = {
    ok: true,
    status: r.status,
    workflowId: form.workflowId,
    taskRefName: form.taskRefName,
    complete,
    server: 'oss',
    taskId: task?.taskId ?? null,
    taskStatus: task?.status ?? null,
    workflowStatus: r.data?.status ?? null,
    workflow: r.data,
  };
  ctx.out.result(out, () =>
    ctx.out.keyValues([
      ['Workflow', form.workflowId],
      ['Task ref', form.taskRefName],
      ['Result', verb],
      ['Task id', task?.taskId ?? undefined],
      ['Task status', task?.status ?? undefined],
      ['Workflow status', r.data?.status ?? undefined],
      ['Server', 'Conductor OSS (/api/tasks/…/sync)'],
    ]),
  );
}

export function formHandler(complete: boolean): Handler {
  return async (ctx, { args, opts }) => {
    const given = ((args[0] as string[] | undefined) ?? []).map(String);
    const form = refForm(given, opts);
    if (given.length === 1 && given[0] === '-' && opts.file === '-') {
      throw new UsageError('the ids and --file cannot both come from standard input ("-")');
    }
    const { body, given: hasBody } = await readFormBody(ctx, opts);
    if (!complete && !hasBody) {
      throw new UsageError('nothing to update: give the form fields with --data, --file or --field', { hint: 'to complete the task without changing fields, use `human complete`' });
    }
    if (form) return byReference(ctx, form, body, complete);
    const ids = await taskIds(ctx, given);
    const client = await conductor.connect(ctx);
    return runOnTasks(
      ctx,
      ids,
      async (id) => {
        const r = await updateHumanTask(client, id, body, complete);
        return { status: r.status };
      },
      { verb: complete ? 'completed' : 'updated' },
    );
  };
}

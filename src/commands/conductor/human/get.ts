/** `conductor human get <taskId>`: `GET /api/human/tasks/{taskId}`. */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { conductor } from '../../../providers/conductor/client.js';
import { getHumanTask } from '../../../providers/conductor/api.js';
import { compactJson, formatTime, formatUser, validateTaskId, visibleInput } from './common.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const id = String(args[0] ?? '').trim();
  const bad = id ? validateTaskId(id) : 'it is empty';
  if (bad) throw new UsageError(`invalid task id "${id}" (${bad})`, { hint: 'nothing was sent' });
  const client = await conductor.connect(ctx);
  const r = await getHumanTask(client, id, { withTemplate: Boolean(opts.withTemplate) });
  if (r.dryRun || !r.data) return;
  const t = r.data;
  ctx.out.result(t, () =>
    ctx.out.keyValues([
      ['Task id', t.taskId],
      ['State', t.state ?? ''],
      ['Name', t.displayName ?? ''],
      ['Definition', t.definitionName ?? ''],
      ['Workflow', [t.workflowName, t.workflowId].filter(Boolean).join(' ')],
      ['Task ref', t.taskRefName ?? ''],
      ['Assignee', formatUser(t.assignee)],
      ['Claimant', formatUser(t.claimant)],
      ['Created', formatTime(t.createdOn)],
      ['Updated', formatTime(t.updatedOn)],
      ['Input', compactJson(visibleInput(t.input)) || '{}'],
      ['Output', compactJson(t.output ?? {}) || '{}'],
    ]),
  );
};

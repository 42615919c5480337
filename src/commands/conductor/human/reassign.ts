/**
 * `conductor human reassign <taskId> --to user:ID|group:ID…`: `POST /api/human/tasks/{taskId}/reassign` with
 * `[{"assignee":{"user":ID,"userType":"CONDUCTOR_USER|CONDUCTOR_GROUP"},"slaMinutes":n}]`, highest priority first.
 */
import type { Handler } from '../../types.js';
import { UsageError } from '../../../errors.js';
import { validateBody } from '../../../input/payload.js';
import { conductor } from '../../../providers/conductor/client.js';
import { reassignHumanTask } from '../../../providers/conductor/api.js';
import { reassignBody } from '../../../providers/conductor/schemas.js';
import { formatUser, parseUserSpec, validateTaskId } from './common.js';

export const run: Handler = async (ctx, { args, opts }) => {
  const id = String(args[0] ?? '').trim();
  const bad = id ? validateTaskId(id) : 'it is empty';
  if (bad) throw new UsageError(`invalid task id "${id}" (${bad})`, { hint: 'nothing was sent' });
  const to = (opts.to as string[] | undefined) ?? [];
  if (to.length === 0) throw new UsageError('--to is required: who gets the task (user:ID or group:ID)');
  const sla = (opts.sla as number | undefined) ?? 0;
  const body = validateBody(
    reassignBody,
    to.map((t) => ({ assignee: parseUserSpec(t, '--to'), slaMinutes: sla })),
    'reassign body',
  );
  const client = await conductor.connect(ctx);
  const r = await reassignHumanTask(client, id, body);
  if (r.dryRun) return;
  const names = body.map((a) => formatUser(a.assignee));
  ctx.out.result({ ok: true, status: r.status, taskId: id, assignments: body }, () =>
    ctx.out.keyValues([
      ['Task id', id],
      ['Assigned to', names.join(', then ')],
      ['SLA', sla ? `${sla} min each` : 'none'],
    ]),
  );
};

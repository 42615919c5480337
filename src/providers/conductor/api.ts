/**
 * Typed calls to Orkes Conductor, one function per endpoint (providers/conductor.md §3, §7). Nothing here
 * prints: each returns `{status, data, dryRun}` or throws a typed error. Under --dry-run the request is
 * printed by the HTTP client and `dryRun` is true (no data).
 */
import { ApiError, NotFoundError } from '../../errors.js';
import type { HttpClient, HttpResponse, RequestSpec } from '../../http/client.js';
import { pathSegment } from '../../http/segment.js';
import { hostOf, parseResponse } from '../errors.js';
import { conductorErrorFor, missingRoutePath, parseErrorBody } from './errors.js';
import {
  humanTaskEntry,
  humanTaskSearchResult,
  workflow as workflowSchema,
  type HumanTaskEntry,
  type HumanTaskSearch,
  type HumanTaskSearchResult,
  type ReassignBody,
  type Workflow,
} from './schemas.js';

export interface Result<T> {
  status: number;
  data: T;
  dryRun: boolean;
}

const seg = (s: string) => pathSegment(s, 'task id');

async function send(client: HttpClient, spec: RequestSpec, what: string, humanApi = true): Promise<HttpResponse> {
  const res = await client.request(spec);
  if (res.dryRun) return res;
  if (res.status < 200 || res.status >= 300) throw conductorErrorFor(res, what, client, { humanApi });
  return res;
}

function done<T>(res: HttpResponse, data: T): Result<T> {
  return { status: res.status, data, dryRun: Boolean(res.dryRun) };
}

/** `POST /api/human/tasks/search` */
export async function searchHumanTasks(client: HttpClient, body: HumanTaskSearch): Promise<Result<HumanTaskSearchResult | null>> {
  const res = await send(client, { method: 'POST', path: '/api/human/tasks/search', json: body }, 'search human tasks');
  return done(res, res.dryRun ? null : parseResponse(res, humanTaskSearchResult, 'search human tasks'));
}

/** `GET /api/human/tasks/{taskId}[?withTemplate=true]` */
export async function getHumanTask(client: HttpClient, taskId: string, opts: { withTemplate?: boolean } = {}): Promise<Result<HumanTaskEntry | null>> {
  const what = `human task ${taskId}`;
  const res = await send(client, { method: 'GET', path: `/api/human/tasks/${seg(taskId)}`, query: opts.withTemplate ? { withTemplate: true } : undefined }, what);
  return done(res, res.dryRun ? null : parseResponse(res, humanTaskEntry, what));
}

/** `POST /api/human/tasks/{taskId}/claim[?overrideAssignment=true]` → the claimed HumanTaskEntry */
export async function claimHumanTask(client: HttpClient, taskId: string, opts: { override?: boolean } = {}): Promise<Result<HumanTaskEntry | null>> {
  const what = `claim ${taskId}`;
  const res = await send(client, { method: 'POST', path: `/api/human/tasks/${seg(taskId)}/claim`, query: opts.override ? { overrideAssignment: true } : undefined }, what);
  if (res.dryRun) return done(res, null);
  // the entry is documented; an empty 200 still means the claim worked
  return done(res, res.text.trim() ? parseResponse(res, humanTaskEntry, what) : null);
}

/** `POST /api/human/tasks/{taskId}/release` */
export async function releaseHumanTask(client: HttpClient, taskId: string): Promise<Result<null>> {
  const res = await send(client, { method: 'POST', path: `/api/human/tasks/${seg(taskId)}/release` }, `release ${taskId}`);
  return done(res, null);
}

/** `POST /api/human/tasks/{taskId}/skip[?reason=…]` */
export async function skipHumanTask(client: HttpClient, taskId: string, opts: { reason?: string } = {}): Promise<Result<null>> {
  const res = await send(client, { method: 'POST', path: `/api/human/tasks/${seg(taskId)}/skip`, query: opts.reason !== undefined ? { reason: opts.reason } : undefined }, `skip ${taskId}`);
  return done(res, null);
}

/** `POST /api/human/tasks/{taskId}/reassign` with `[{assignee:{user,userType},slaMinutes}]` */
export async function reassignHumanTask(client: HttpClient, taskId: string, body: ReassignBody): Promise<Result<null>> {
  const res = await send(client, { method: 'POST', path: `/api/human/tasks/${seg(taskId)}/reassign`, json: body }, `reassign ${taskId}`);
  return done(res, null);
}

/** `POST /api/human/tasks/{taskId}/update?complete=true|false` with the form's fields */
export async function updateHumanTask(client: HttpClient, taskId: string, body: Record<string, unknown>, complete: boolean): Promise<Result<null>> {
  const res = await send(
    client,
    { method: 'POST', path: `/api/human/tasks/${seg(taskId)}/update`, query: { complete }, json: body },
    `${complete ? 'complete' : 'update'} ${taskId}`,
  );
  return done(res, null);
}

export interface TaskRef {
  workflowId: string;
  taskRefName: string;
  /** loop iterations (repeated `iteration` keys); empty = the latest */
  iteration?: readonly number[];
}

/** `POST /api/human/tasks/update/taskRef?workflowId&taskRefName&complete[&iteration=n…]` */
export async function updateHumanTaskByRef(client: HttpClient, ref: TaskRef, body: Record<string, unknown>, complete: boolean): Promise<Result<null>> {
  const res = await send(
    client,
    {
      method: 'POST',
      path: '/api/human/tasks/update/taskRef',
      query: { workflowId: ref.workflowId, taskRefName: ref.taskRefName, complete, iteration: ref.iteration?.length ? ref.iteration : undefined },
      json: body,
    },
    `${complete ? 'complete' : 'update'} ${ref.taskRefName} of workflow ${ref.workflowId}`,
  );
  return done(res, null);
}

export type TaskResultStatus = 'COMPLETED' | 'IN_PROGRESS';

/**
 * Conductor OSS: `POST /api/tasks/{workflowId}/{taskRef}/{status}/sync` (OSS ≥ 3.21.12). Answers the whole
 * Workflow; 404 when no running task matches (unlike the async route, which answers 200 for anything).
 */
export async function updateTaskByRefSync(client: HttpClient, workflowId: string, taskRefName: string, status: TaskResultStatus, body: Record<string, unknown>): Promise<Result<Workflow | null>> {
  const what = `${status === 'COMPLETED' ? 'complete' : 'update'} ${taskRefName} of workflow ${workflowId}`;
  const res = await client.request({ method: 'POST', path: `/api/tasks/${pathSegment(workflowId, 'workflow id')}/${pathSegment(taskRefName, 'task reference')}/${status}/sync`, json: body });
  if (res.dryRun) return done(res, null);
  if (missingRoutePath(res) !== undefined) {
    throw new ApiError(`${what}: ${hostOf(res)} has neither /api/human nor /api/tasks/…/sync`, {
      status: res.status,
      hint: 'the by-reference update needs Conductor OSS 3.21.12 or later (or Orkes Conductor)',
    });
  }
  if (res.status === 404) {
    throw new NotFoundError(`${what}: no running task ${taskRefName} in workflow ${workflowId}`, { status: 404, serverMessage: parseErrorBody(res).message });
  }
  if (res.status < 200 || res.status >= 300) throw conductorErrorFor(res, what, client);
  return done(res, res.text.trim() ? parseResponse(res, workflowSchema, what) : null);
}

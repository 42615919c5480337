/**
 * Typed calls to the Close task endpoints (providers/close.md §2): one function per endpoint. Never
 * prints; returns the server's objects (not re-shaped) or throws the typed error. Under --dry-run the
 * request is printed instead of sent and these return `undefined`.
 */
import type { HttpClient, HttpResponse, QueryInit } from '../../http/client.js';
import { parseResponse } from '../errors.js';
import { apiPath, close } from './client.js';
import { listResponseSchema, meSchema, taskSchema, type CloseMe, type CloseTask, type CreateBody, type UpdateBody } from './schemas.js';

/** Close sorts and filters dates (and the inbox/future views) in this zone; [PY] sends local hours as a float. */
export function tzOffsetHours(date = new Date()): string {
  const hours = -date.getTimezoneOffset() / 60;
  return Number.isInteger(hours) ? hours.toFixed(1) : String(hours);
}

async function send(client: HttpClient, spec: Parameters<HttpClient['request']>[0], what: string): Promise<HttpResponse | undefined> {
  const res = await client.request(spec);
  if (res.dryRun) return undefined;
  if (res.status < 200 || res.status >= 300) throw close.errorFor(res, what, client);
  return res;
}

const fieldsQuery = (fields?: readonly string[]): QueryInit => (fields?.length ? { _fields: fields.join(',') } : {});

export async function getMe(client: HttpClient): Promise<CloseMe | undefined> {
  const res = await send(client, { method: 'GET', path: apiPath('me') }, 'GET /me/');
  return res && parseResponse(res, meSchema, 'GET /me/', { emptyAs: {} });
}

export async function getTask(client: HttpClient, id: string, fields?: readonly string[]): Promise<CloseTask | undefined> {
  const what = `task ${id}`;
  const res = await send(client, { method: 'GET', path: apiPath('task', id), query: fieldsQuery(fields) }, what);
  return res && (parseResponse(res, taskSchema, what, { emptyAs: {} }) as CloseTask);
}

/** `PUT /task/{id}/`: a partial update; the answer is the updated task. */
export async function updateTask(client: HttpClient, id: string, body: UpdateBody, fields?: readonly string[]): Promise<{ task?: CloseTask; status: number }> {
  const what = `task ${id}`;
  const res = await send(client, { method: 'PUT', path: apiPath('task', id), json: body, query: fieldsQuery(fields) }, what);
  if (!res) return { status: 0 };
  return { task: parseResponse(res, taskSchema, what, { emptyAs: {} }) as CloseTask, status: res.status };
}

/** `DELETE /task/{id}/`: 200 with an empty body or `{}` ([SPEC]), or 204 ([PY]) — both are success. */
export async function deleteTask(client: HttpClient, id: string): Promise<{ status: number }> {
  const res = await send(client, { method: 'DELETE', path: apiPath('task', id) }, `task ${id}`);
  return { status: res?.status ?? 0 };
}

export async function createTask(client: HttpClient, body: CreateBody, fields?: readonly string[]): Promise<CloseTask | undefined> {
  const res = await send(client, { method: 'POST', path: apiPath('task'), json: body, query: fieldsQuery(fields) }, 'create task');
  return res && (parseResponse(res, taskSchema, 'create task', { emptyAs: {} }) as CloseTask);
}

export interface TaskFilters {
  /** `all`, one type, or several (sent as `_type__in`) */
  types: 'all' | string[];
  lead_id?: string;
  assigned_to?: string;
  is_complete?: boolean;
  view?: string;
  fields?: readonly string[];
}

export interface TaskPage {
  data: CloseTask[];
  has_more: boolean;
}

export function listQuery(f: TaskFilters, skip: number, limit: number): Record<string, string | number | undefined> {
  const q: Record<string, string | number | undefined> = {};
  // without _type Close lists only lead tasks (§4): always say which types are wanted
  if (f.types === 'all') q._type = 'all';
  else if (f.types.length === 1) q._type = f.types[0];
  else q._type__in = f.types.join(',');
  q.lead_id = f.lead_id;
  q.assigned_to = f.assigned_to;
  if (f.is_complete !== undefined) q.is_complete = String(f.is_complete);
  q.view = f.view;
  if (f.fields?.length) q._fields = f.fields.join(',');
  q._skip = skip;
  q._limit = limit;
  return q;
}

/** One page of `GET /task/` (`_skip`/`_limit`). */
export async function listTasks(client: HttpClient, f: TaskFilters, skip: number, limit: number): Promise<TaskPage | undefined> {
  const what = 'list tasks';
  const res = await send(client, { method: 'GET', path: apiPath('task'), query: listQuery(f, skip, limit), headers: { 'x-tz-offset': tzOffsetHours() } }, what);
  if (!res) return undefined;
  const page = parseResponse(res, listResponseSchema, what, { emptyAs: {} });
  return { data: page.data as CloseTask[], has_more: page.has_more ?? false };
}

/**
 * Typed calls to the Spaaza Services API task endpoints (providers/spaaza.md §3). One function per
 * endpoint; never prints. Under --dry-run the client prints the request and each call returns
 * undefined. Non-2xx answers throw the typed error (errors.ts).
 */
import type { Readable } from 'node:stream';
import { errorForStatus } from '../../errors.js';
import type { HttpClient, HttpResponse } from '../../http/client.js';
import { pathSegment } from '../../http/segment.js';
import { hostOf, shortText, parseResponse } from '../errors.js';
import { spaazaErrorFor } from './errors.js';
import { downloadUrlSchema, stateResponseSchema, taskListResponseSchema, taskResponseSchema, type CreateBody, type SpaazaState, type SpaazaTask, type UpdateBody } from './schemas.js';

export interface ListQuery {
  status?: string;
  action?: string;
  campaign_id?: string;
  limit?: number;
  offset?: number;
}

const ok = (res: HttpResponse) => res.status >= 200 && res.status < 300;

function taskPath(id: string | number, rest = ''): string {
  return `/tasks/${pathSegment(id, 'task id')}${rest}`;
}

/** `GET /tasks`: a bare JSON array, no envelope and no total. Default and maximum `limit` are unknown. */
export async function listTasks(client: HttpClient, query: ListQuery): Promise<SpaazaTask[] | undefined> {
  const res = await client.request({ method: 'GET', path: '/tasks', query: { ...query } });
  if (res.dryRun) return undefined;
  if (!ok(res)) throw spaazaErrorFor(res, 'list tasks', client);
  return parseResponse(res, taskListResponseSchema, 'list tasks', { expected: 'a JSON array of tasks' }) as SpaazaTask[];
}

/** `GET /tasks/{id}` (its `logs` page with `log_limit`, default 10, and `offset`). */
export async function getTask(client: HttpClient, id: string, query: { log_limit?: number; offset?: number } = {}): Promise<SpaazaTask | undefined> {
  const res = await client.request({ method: 'GET', path: taskPath(id), query: { ...query } });
  if (res.dryRun) return undefined;
  if (!ok(res)) throw spaazaErrorFor(res, `task ${id}`, client);
  return parseResponse(res, taskResponseSchema, `task ${id}`, { expected: 'a task object' }) as SpaazaTask;
}

/** `POST /tasks` (whether it answers 200 or 201 is undocumented: any 2xx is success). */
export async function createTask(client: HttpClient, body: CreateBody): Promise<SpaazaTask | undefined> {
  const res = await client.request({ method: 'POST', path: '/tasks', json: body });
  if (res.dryRun) return undefined;
  if (!ok(res)) throw spaazaErrorFor(res, 'create task', client);
  return parseResponse(res, taskResponseSchema, 'create task', { expected: 'a task object' }) as SpaazaTask;
}

/** `PUT /tasks/{id}`: every field given replaces the stored one, `target` and `trigger` as whole objects. */
export async function updateTask(client: HttpClient, id: string, body: UpdateBody): Promise<SpaazaTask | undefined> {
  const res = await client.request({ method: 'PUT', path: taskPath(id), json: body });
  if (res.dryRun) return undefined;
  if (!ok(res)) throw spaazaErrorFor(res, `task ${id}`, client);
  return parseResponse(res, taskResponseSchema, `task ${id}`, { expected: 'a task object' }) as SpaazaTask;
}

/** `DELETE /tasks/{id}` → 204 No Content; returns the status. */
export async function deleteTask(client: HttpClient, id: string): Promise<number | undefined> {
  const res = await client.request({ method: 'DELETE', path: taskPath(id) });
  if (res.dryRun) return undefined;
  if (!ok(res)) throw spaazaErrorFor(res, `task ${id}`, client);
  return res.status;
}

/**
 * `POST /tasks/{id}/execute`: runs the task now, bypassing `trigger.once`, and answers its state object.
 * It appears to be synchronous (unverified), so it gets a long timeout. Like every POST it is retried on 429
 * only (the server did not act on it), never after a 5xx, a reset or a timeout (the task may be running).
 */
export async function executeTask(client: HttpClient, id: string, timeoutMs: number): Promise<SpaazaState | undefined> {
  const res = await client.request({ method: 'POST', path: taskPath(id, '/execute'), timeoutMs, onStop: 'abort' });
  if (res.dryRun) return undefined;
  if (!ok(res)) throw spaazaErrorFor(res, `task ${id}`, client);
  return parseResponse(res, stateResponseSchema, `run task ${id}`, { expected: 'a state object such as {"code":"DONE"}' }) as SpaazaState;
}

/** `GET /tasks/{id}/download_url` → `{"url":"<pre-signed URL>"}` (valid about an hour; export tasks in DONE only). */
export async function getDownloadUrl(client: HttpClient, id: string): Promise<string | undefined> {
  const res = await client.request({ method: 'GET', path: taskPath(id, '/download_url') });
  if (res.dryRun) return undefined;
  if (!ok(res)) throw spaazaErrorFor(res, `task ${id}`, client);
  return parseResponse(res, downloadUrlSchema, `download URL of task ${id}`, { expected: '{"url":"https://…"}' }).url;
}

export interface OpenedDownload {
  stream: Readable;
  /** content-length, when the store sent one */
  length?: number;
  contentType?: string;
}

/**
 * Opens the export file at its pre-signed URL WITHOUT the profile's Authorization header (an object
 * store refuses a request that carries one, and it would hand the credential to another host).
 */
export async function openDownload(client: HttpClient, url: string): Promise<OpenedDownload> {
  const res = await client.request({ method: 'GET', path: url, auth: false, stream: true, headers: { accept: '*/*' }, onStop: 'abort' });
  if (!ok(res) || !res.stream) {
    const hint =
      res.status === 403
        ? 'a download URL is valid for about an hour after it is issued: run the download again for a fresh one'
        : res.status === 400 && /authorization/i.test(res.text)
          ? 'the file store refused the request because it carried credentials'
          : undefined;
    throw errorForStatus(res.status, `downloading the export failed: ${hostOf(res)} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, {
      hint,
      serverMessage: shortText(res.text) || undefined,
    });
  }
  const len = Number(res.headers['content-length']);
  return {
    stream: res.stream,
    length: Number.isFinite(len) && len >= 0 && res.headers['content-length'] !== undefined ? len : undefined,
    contentType: typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined,
  };
}

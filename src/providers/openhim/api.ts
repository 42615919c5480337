/**
 * Typed calls to the OpenHIM tasks and transactions API, one function per endpoint (providers/openhim.md §3–§6).
 * Each returns typed data, or null under --dry-run (the request was printed, not sent), or throws the typed
 * error from `openhim.errorFor`. Nothing here prints.
 */
import { ApiError } from '../../errors.js';
import type { HttpClient, HttpResponse } from '../../http/client.js';
import { pathSegment } from '../../http/segment.js';
import { shortText, parseResponse } from '../errors.js';
import { openhim, isAuthTrap } from './client.js';
import { capTimestamp, pageQuery, type Filters } from './filters.js';
import {
  bulkCountSchema,
  taskDetailSchema,
  taskSummarySchema,
  transactionSchema,
  type CreateTaskBody,
  type TaskDetail,
  type TaskItem,
  type TaskSummary,
  type Transaction,
} from './schemas.js';
import * as z from 'zod/mini';

/** items per `GET /tasks/:id` page when every item is needed (progress) */
export const ITEMS_PAGE = 1000;
/** ids per `GET /tasks` existence lookup (keeps the URL well under 8 KiB) */
export const LOOKUP_CHUNK = 100;
/** transactions per `GET /transactions` page when collecting ids */
export const IDS_PAGE = 1000;
/** `bulkrerun` array page (cores before 7.1 answer the count request with the ids) */
export const COUNT_PAGE = 10_000;
/** a server that never says "done" must not make a loop run forever */
const MAX_PAGES = 10_000;

const CREATED_RE = /created task with id ([0-9a-f]{24})$/i;

function succeeded(res: HttpResponse): boolean {
  return res.status >= 200 && res.status < 300 && !isAuthTrap(res);
}

/**
 * A 2xx with JSON, or (master RBAC bug, §4.9) a 403 whose body is nevertheless the JSON asked for.
 * Anything else becomes the typed error.
 */
function readJson<T>(client: HttpClient, res: HttpResponse, schema: z.ZodMiniType<T>, what: string): T {
  if (res.status === 403 && res.text.trim().match(/^[[{]/)) {
    try {
      const raw = JSON.parse(res.text) as unknown;
      if (schema.safeParse(raw).success) return raw as T;
    } catch {
      /* a text 403: the normal error below */
    }
  }
  if (!succeeded(res)) throw openhim.errorFor(res, what, client);
  return parseResponse(res, schema, what, { raw: true });
}

function plainText(client: HttpClient, res: HttpResponse, what: string): string {
  if (!succeeded(res)) throw openhim.errorFor(res, what, client);
  return res.text.trim();
}

export interface PageRequest {
  /** 0-based */
  page0: number;
  limit: number;
  filters: Filters;
}

const taskListSchema = z.array(taskSummarySchema);
/** what the existence lookup reads of each task (the rest of the list's fields are not checked or kept) */
const taskStateListSchema = z.array(z.object({ _id: taskSummarySchema.shape._id, status: taskSummarySchema.shape.status, remainingTransactions: taskSummarySchema.shape.remainingTransactions, totalTransactions: taskSummarySchema.shape.totalTransactions }));
const transactionListSchema = z.array(transactionSchema);

// ---- tasks ----

/** `GET /tasks?filterLimit&filterPage&filters` (all three always sent: a missing `filters` is a 500) */
export async function listTasks(client: HttpClient, req: PageRequest): Promise<TaskSummary[] | null> {
  const res = await client.request({ method: 'GET', path: '/tasks', query: pageQuery(req.page0, req.limit, req.filters) });
  if (res.dryRun) return null;
  return readJson(client, res, taskListSchema, 'list tasks');
}

/** `GET /tasks/:id?filterLimit&filterPage&filters`: the task with one page of its transactions */
export async function getTask(client: HttpClient, id: string, req: PageRequest): Promise<TaskDetail | null> {
  const res = await client.request({ method: 'GET', path: `/tasks/${pathSegment(id, 'task id')}`, query: pageQuery(req.page0, req.limit, req.filters) });
  if (res.dryRun) return null;
  return readJson(client, res, taskDetailSchema, `task ${id}`);
}

/**
 * The existence check before PUT/DELETE: `GET /tasks/:id?filterLimit=0&filterPage=0&filters={}` (summary,
 * no items). Unknown ids throw NotFoundError on every version (404 on master, the 500
 * "reading 'transactions'" on 4.0.5 and the v8.5.0 tag, which errorFor maps to not found).
 */
export function checkTask(client: HttpClient, id: string): Promise<TaskDetail | null> {
  return getTask(client, id, { page0: 0, limit: 0, filters: {} });
}

/**
 * Status of many tasks in few requests: `GET /tasks` with `filters={"_id":{"$in":[…]}}`, LOOKUP_CHUNK ids each.
 * Returns the tasks found, by lower-cased id. A chunk the server refuses (e.g. 403 for non-admins on
 * 4.0.5/v8.5.0) is skipped, and ids missing from the result (not found, or hidden by master's narrowed
 * list) are left to `checkTask`, which decides. Only a 401 is thrown.
 */
export async function lookupTasks(client: HttpClient, ids: readonly string[], signal?: AbortSignal): Promise<Map<string, TaskSummary>> {
  const found = new Map<string, TaskSummary>();
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) chunks.push(ids.slice(i, i + LOOKUP_CHUNK));
  // the client bounds the requests in flight (--concurrency) and runs any login exchange once first
  await Promise.all(
    chunks.map(async (chunk) => {
      if (signal?.aborted) return;
      const res = await client.request({ method: 'GET', path: '/tasks', query: pageQuery(0, chunk.length, { _id: { $in: chunk } }) });
      if (res.dryRun) return;
      if (res.status === 401) throw openhim.errorFor(res, 'list tasks', client);
      if (!succeeded(res)) return;
      let list: TaskSummary[];
      try {
        list = parseResponse(res, taskStateListSchema, 'list tasks', { raw: true });
      } catch {
        return;
      }
      // keep only what the state checks read (10,000 ids must stay cheap)
      for (const t of list) found.set(t._id.toLowerCase(), { _id: t._id, status: t.status, remainingTransactions: t.remainingTransactions, totalTransactions: t.totalTransactions });
    }),
  );
  return found;
}

/** Every item of a task, read in pages of ITEMS_PAGE (the detail's `transactions` is paged by the server). */
export async function readTaskItems(client: HttpClient, id: string, filters: Filters = {}): Promise<{ task: TaskDetail; items: TaskItem[] } | null> {
  const first = await getTask(client, id, { page0: 0, limit: ITEMS_PAGE, filters });
  if (!first) return null;
  const items = [...first.transactions];
  const total = first.totalFilteredTransactions ?? items.length;
  for (let page = 1; items.length < total && page < MAX_PAGES; page++) {
    const next = await getTask(client, id, { page0: page, limit: ITEMS_PAGE, filters });
    if (!next || next.transactions.length === 0) break;
    items.push(...next.transactions);
  }
  return { task: first, items };
}

export interface CreatedTask {
  id: string;
  /** the server's text, e.g. `User root@openhim.org created task with id 6b05…` */
  message: string;
}

/** `POST /tasks` → the new id, parsed from the 201 text (there is no JSON and no Location header). */
export async function createTask(client: HttpClient, body: CreateTaskBody): Promise<CreatedTask | null> {
  const res = await client.request({ method: 'POST', path: '/tasks', json: body });
  if (res.dryRun) return null;
  const message = plainText(client, res, 'create task');
  const m = CREATED_RE.exec(message);
  if (!m) {
    throw new ApiError(`OpenHIM answered ${res.status} to POST /tasks without reporting a task id`, {
      status: res.status,
      serverMessage: shortText(message),
      hint: 'check with `taskctl openhim task list` whether a task was created',
    });
  }
  return { id: m[1], message };
}

/** `PUT /tasks/:id` → the server's text (`The Task was successfully updated`). Call checkTask first: 4.0.5 answers 200 for unknown ids. */
export async function updateTask(client: HttpClient, id: string, body: Record<string, unknown>): Promise<string | null> {
  const res = await client.request({ method: 'PUT', path: `/tasks/${pathSegment(id, 'task id')}`, json: body });
  if (res.dryRun) return null;
  return plainText(client, res, `task ${id}`);
}

/** `DELETE /tasks/:id` → the server's text (`The Task was successfully deleted`). Call checkTask first. */
export async function deleteTask(client: HttpClient, id: string): Promise<string | null> {
  const res = await client.request({ method: 'DELETE', path: `/tasks/${pathSegment(id, 'task id')}` });
  if (res.dryRun) return null;
  return plainText(client, res, `task ${id}`);
}

// ---- transactions ----

/** `GET /transactions?filterLimit&filterPage&filters` (newest first) */
export async function listTransactions(client: HttpClient, req: PageRequest): Promise<Transaction[] | null> {
  const res = await client.request({ method: 'GET', path: '/transactions', query: pageQuery(req.page0, req.limit, req.filters) });
  if (res.dryRun) return null;
  return readJson(client, res, transactionListSchema, 'list transactions');
}

/**
 * How many transactions match: `filterRepresentation=bulkrerun` answers `{count}` on 7.1+; older cores
 * answer an array of ids there instead, which is counted page by page.
 */
export async function countTransactions(client: HttpClient, filters: Filters): Promise<number | null> {
  let total = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await client.request({
      method: 'GET',
      path: '/transactions',
      query: { filterLimit: COUNT_PAGE, filterPage: page, filterRepresentation: 'bulkrerun', filters: JSON.stringify(filters) },
    });
    if (res.dryRun) return null;
    const body = readJson(client, res, bulkCountSchema, 'count transactions');
    if (!Array.isArray(body)) return body.count;
    total += body.length;
    if (body.length < COUNT_PAGE) return total;
  }
  return total;
}

export interface RerunSelection {
  /** ids to rerun, newest first, each once */
  ids: string[];
  /** matching transactions with `canRerun: false` (the processor would fail them), left out */
  notRerunnable: string[];
}

/**
 * The ids of every matching transaction. The newest match's timestamp caps the query first, so transactions
 * arriving while the pages are read (reruns land in the same channel) do not shift the pages.
 */
export async function selectTransactions(client: HttpClient, filters: Filters): Promise<RerunSelection | null> {
  const newest = await listTransactions(client, { page0: 0, limit: 1, filters });
  if (!newest) return null;
  const selection: RerunSelection = { ids: [], notRerunnable: [] };
  if (newest.length === 0) return selection;
  const cap = newest[0].request?.timestamp;
  const stable = cap ? capTimestamp(filters, cap) : filters;
  const seen = new Set<string>();
  for (let page = 0; page < MAX_PAGES; page++) {
    const list = await listTransactions(client, { page0: page, limit: IDS_PAGE, filters: stable });
    if (!list) return null;
    for (const t of list) {
      const id = t._id.toLowerCase();
      if (seen.has(id)) continue;
      seen.add(id);
      if (t.canRerun === false) selection.notRerunnable.push(t._id);
      else selection.ids.push(t._id);
    }
    if (list.length < IDS_PAGE) break;
  }
  return selection;
}

/**
 * Fake Close CRM tasks API (https://api.close.com/api/v1) for the `close` tests.
 *
 * Behaviour, and the choices made where the real API is not documented:
 * - Auth: HTTP Basic, API key as user name and an EMPTY password. Missing header, unknown key or a
 *   non-empty password → 401 `{"error":"…"}` (strict on purpose, so a client that sends the key as
 *   the password is caught). 401 answers carry no `RateLimit` header (there is no key to count).
 * - Every path must end with `/`: a path without it is answered 404 `{"error":"Not found. Close API paths end with a slash."}`
 *   (no redirect, so a missing slash can never be hidden by a client that follows redirects).
 * - Routes (under `/api/v1`): `GET /me/`, `GET /task/`, `POST /task/`, `PUT /task/` (bulk), `GET|PUT|DELETE /task/{id}/`.
 * - Bulk `PUT /task/?<filters>`: the list's filters (`_type` default lead-only; an empty `id__in` counts as no
 *   filter), only `assigned_to`/`date`/`is_complete` accepted (400 naming any other field), answer 200 `{}`.
 *   `bulkStatus: 404|405` (or `setBulkStatus`) makes the route answer that instead (a server without it).
 *   `stats().unfilteredBulkPuts` counts bulk PUTs that carried no filter but `_type`, whatever their answer.
 *   `POST /task/` with `x-http-method-override: GET` and a `{"_params":{…}}` body is a list.
 * - `POST /task/` answers 200 with the new task (Close answers creates with 200).
 * - `DELETE /task/{id}/` answers 200 with the JSON body `{}` by default (`deleteStatus: 204` → 204, no body).
 * - `GET /task/` without `_type` lists only `lead` tasks (the documented trap); `_type=all` lists every type.
 *   `_limit` default 100, above `maxLimit` (default 200) → 400; `_skip` above `maxSkip` (if set) → 400.
 *   Default order is creation order; `_order_by=date|-date|date_created|-date_created`.
 * - `view`: `inbox` = incomplete and dated up to the end of the caller's day (UTC shifted by `X-TZ-Offset`
 *   hours) or dateless; `future` = incomplete and dated after that; `archive` = complete.
 * - 400 bodies are `{"errors":[…],"field-errors":{…}}`.
 * - Rate limit: a fixed window of `windowMs` (default 1000) per (API key, endpoint group), where the group is
 *   method + path template (`PUT /task/{id}/`) and the limit is `round(requestsPerSecond × windowMs / 1000)`.
 *   Every authenticated answer carries `RateLimit: limit=<n>, remaining=<n>, reset=<decimal seconds>`
 *   (without `rateLimit` the window still runs with a limit of 1000 but never refuses). A refused request gets
 *   429 + `Retry-After` (whole seconds, rounded up) and the Close 429 body, and is NOT acted on.
 * - `failNext(n, status, …)` answers the next n matching requests with that status before auth and the
 *   limiter; they are not acted on either.
 */
import { randomBytes } from 'node:crypto';
import { startServer, jsonReply, type FakeServer, type RecordedRequest, type Reply, type StartOptions } from './server.js';

export const CLOSE_TASK_TYPES = [
  'lead',
  'incoming_email',
  'email_followup',
  'missed_call',
  'answered_detached_call',
  'voicemail',
  'opportunity_due',
  'incoming_sms',
  'outgoing_call',
] as const;

export type CloseTaskType = (typeof CLOSE_TASK_TYPES)[number];

export interface CloseTask {
  id: string;
  _type: string;
  organization_id: string;
  lead_id: string | null;
  lead_name: string | null;
  contact_id: string | null;
  contact_name: string | null;
  assigned_to: string | null;
  assigned_to_name: string | null;
  text: string;
  date: string | null;
  due_date: string | null;
  is_dateless: boolean;
  is_complete: boolean;
  view: 'inbox' | 'future' | 'archive';
  object_type: string | null;
  object_id: string | null;
  priority: 'high' | 'medium' | null;
  resolution: 'abandoned' | 'skipped' | null;
  date_created: string;
  date_updated: string;
  created_by: string | null;
  created_by_name: string | null;
  updated_by: string | null;
  updated_by_name: string | null;
  [extra: string]: unknown;
}

export interface CloseUser {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  organization_id: string;
}

export interface CloseRateLimit {
  requestsPerSecond: number;
  /** window length, default 1000 ms */
  windowMs?: number;
}

export interface CloseOptions {
  /** accepted API keys (default `['api_test_key']`) */
  apiKeys?: string[];
  /** enforce a per-(key, endpoint group) limit; without it nothing is refused */
  rateLimit?: CloseRateLimit;
  /** delay every answer by this long */
  latencyMs?: number;
  tls?: StartOptions['tls'];
  lifetimeMs?: number;
  /** largest accepted `_limit` (default 200) */
  maxLimit?: number;
  /** largest accepted `_skip` (default: no maximum) */
  maxSkip?: number;
  /** status of a successful DELETE: 200 with `{}` (default) or 204 without a body */
  deleteStatus?: 200 | 204;
  /** the user behind every key (GET /me/, default assignee) */
  user?: Partial<CloseUser>;
  /** tasks present from the start */
  tasks?: Array<Partial<CloseTask>>;
  /** the sandbox's server settings: fixed port, no recording, injected faults (see server.ts) */
  serve?: Pick<StartOptions, 'port' | 'record' | 'faults' | 'transaction'>;
  /** start from this saved state (the sandbox's state file) */
  state?: CloseSnapshot;
  /** answer the bulk route (`PUT /task/`) with this status instead of acting: a server without it */
  bulkStatus?: 404 | 405;
  /** the rate limiter's clock in ms (default Date.now): tests share a virtual clock with the client */
  now?: () => number;
  /** told of every bulk PUT (`PUT /task/`) received, whatever its answer (the test fake checks its filter) */
  onBulkPut?: (req: RecordedRequest, query: URLSearchParams) => void;
}

/** The emulator's tasks and user, as plain JSON: what the sandbox saves between commands. */
export interface CloseSnapshot {
  user: CloseUser;
  tasks: CloseTask[];
}

export interface CloseGroupStats {
  total: number;
  limited: number;
}

export interface CloseStats {
  /** every request received (including 401s and injected failures) */
  total: number;
  /** requests refused by the rate limiter (429) */
  limited: number;
  /** per endpoint group, e.g. `PUT /task/{id}/` */
  byGroup: Record<string, CloseGroupStats>;
  /** bulk PUTs (`PUT /task/`) received, whatever their answer */
  bulkPuts: number;
  /**
   * bulk PUTs received without any filter but `_type` (or with an empty `id__in`): each would update every
   * task of the organisation. Counted whatever the answer (also when refused), so a test can assert 0.
   */
  unfilteredBulkPuts: number;
}

export interface FakeClose extends FakeServer {
  /** the first API key */
  apiKey: string;
  /** `Basic base64("<key>:")` for the given (default: first) key */
  authHeader(key?: string): string;
  user: CloseUser;
  /** every task by id, in creation order */
  tasks: Map<string, CloseTask>;
  /** add tasks (or `n` generated lead tasks); returns the stored tasks */
  seed(tasks: Array<Partial<CloseTask>> | number): CloseTask[];
  addTask(partial?: Partial<CloseTask>): CloseTask;
  stats(): CloseStats;
  resetStats(): void;
  /** change (or remove) the rate limit; resets every window */
  setRateLimit(limit: CloseRateLimit | undefined): void;
  /** answer the bulk route with 404/405 (a server without it), or act on it again (undefined) */
  setBulkStatus(status: 404 | 405 | undefined): void;
  /** answer the next `n` requests (matching `match`, default all) with this status */
  failNext(n: number, status: number, headers?: Record<string, string>, body?: unknown, match?: (req: RecordedRequest) => boolean): void;
  snapshot(): CloseSnapshot;
  /** replaces the tasks (and the user's fields) with a snapshot's (the sandbox, before each request) */
  load(state: CloseSnapshot): void;
}

const BASE = '/api/v1';
const DEFAULT_MAX_LIMIT = 200;
const NEVER_LIMIT = 1000;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62(n: number): string {
  const bytes = randomBytes(n);
  let s = '';
  for (const b of bytes) s += BASE62[b % 62];
  return s;
}
export function closeId(prefix: string): string {
  return `${prefix}_${base62(43)}`;
}

const OBJECT_TYPES: Record<string, string | null> = {
  lead: null,
  incoming_email: 'emailthread',
  email_followup: 'emailthread',
  missed_call: 'call',
  answered_detached_call: 'call',
  voicemail: 'call',
  opportunity_due: 'opportunity',
  incoming_sms: 'sms',
  outgoing_call: 'call',
};
const OBJECT_PREFIX: Record<string, string> = { emailthread: 'acti', call: 'acti', opportunity: 'oppo', sms: 'acti' };

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/;

function isValidDate(v: string): boolean {
  const m = DATE_RE.exec(v);
  if (m) {
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
  }
  return DATETIME_RE.test(v) && !Number.isNaN(Date.parse(v));
}

/** a task date as epoch ms (a date-only value is the start of that UTC day, shifted by the tz offset) */
function dateMs(v: string, tzHours = 0): number {
  if (DATE_RE.test(v)) return Date.parse(`${v}T00:00:00Z`) - tzHours * 3_600_000;
  return Date.parse(v);
}

function endOfToday(now: number, tzHours: number): number {
  const shifted = new Date(now + tzHours * 3_600_000);
  const end = Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate(), 23, 59, 59, 999);
  return end - tzHours * 3_600_000;
}

function computeView(t: CloseTask, now: number, tzHours: number): CloseTask['view'] {
  if (t.is_complete) return 'archive';
  if (t.date === null) return 'inbox';
  return dateMs(t.date, tzHours) <= endOfToday(now, tzHours) ? 'inbox' : 'future';
}

function project(obj: Record<string, unknown>, fields: string[] | undefined): Record<string, unknown> {
  if (!fields) return obj;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in obj) out[f] = obj[f];
  return out;
}

interface Window {
  start: number;
  count: number;
}

interface Injection {
  remaining: number;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  match?: (req: RecordedRequest) => boolean;
}

interface Route {
  group: string;
  name: 'me' | 'list' | 'create' | 'bulk' | 'get' | 'update' | 'delete' | 'noslash' | 'notfound' | 'method';
  id?: string;
}

function fieldErrors(errs: Record<string, string>, errors: string[] = []): Reply {
  return jsonReply(400, { errors, 'field-errors': errs });
}

export async function startClose(options: CloseOptions = {}): Promise<FakeClose> {
  const apiKeys = options.apiKeys ?? ['api_test_key'];
  const maxLimit = options.maxLimit ?? DEFAULT_MAX_LIMIT;
  const deleteStatus = options.deleteStatus ?? 200;
  const orgId = options.state?.user.organization_id ?? options.user?.organization_id ?? closeId('orga');
  const user: CloseUser = options.state ? structuredClone(options.state.user) : {
    id: closeId('user'),
    email: 'tester@example.com',
    first_name: 'Test',
    last_name: 'User',
    ...options.user,
    organization_id: orgId,
  };
  const userName = `${user.first_name} ${user.last_name}`;
  let rateLimit = options.rateLimit;
  const clock = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  const tasks = new Map<string, CloseTask>();
  const injections: Injection[] = [];
  let bulkStatus = options.bulkStatus;
  let stats: CloseStats = { total: 0, limited: 0, byGroup: {}, bulkPuts: 0, unfilteredBulkPuts: 0 };

  function addTask(partial: Partial<CloseTask> = {}): CloseTask {
    const now = new Date().toISOString();
    const type = partial._type ?? 'lead';
    const objectType = partial.object_type !== undefined ? partial.object_type : (OBJECT_TYPES[type] ?? null);
    const leadId = partial.lead_id !== undefined ? partial.lead_id : closeId('lead');
    const date = partial.date !== undefined ? partial.date : partial.due_date !== undefined ? partial.due_date : null;
    const assigned = partial.assigned_to !== undefined ? partial.assigned_to : user.id;
    const t: CloseTask = {
      id: closeId('task'),
      _type: type,
      organization_id: orgId,
      lead_id: leadId,
      lead_name: leadId ? `Lead ${leadId.slice(5, 11)}` : null,
      contact_id: null,
      contact_name: null,
      assigned_to: assigned,
      assigned_to_name: assigned === user.id ? userName : assigned ? 'Other User' : null,
      text: type === 'lead' ? 'Follow up' : '',
      date,
      due_date: date,
      is_dateless: date === null,
      is_complete: false,
      view: 'inbox',
      object_type: objectType,
      object_id: objectType ? closeId(OBJECT_PREFIX[objectType] ?? 'acti') : null,
      priority: null,
      resolution: null,
      date_created: now,
      date_updated: now,
      created_by: user.id,
      created_by_name: userName,
      updated_by: user.id,
      updated_by_name: userName,
      ...partial,
    };
    if (partial.date !== undefined || partial.due_date !== undefined) {
      t.date = date;
      t.due_date = date;
      t.is_dateless = date === null;
    }
    t.view = computeView(t, Date.now(), 0);
    tasks.set(t.id, t);
    return t;
  }

  function seed(list: Array<Partial<CloseTask>> | number): CloseTask[] {
    if (typeof list === 'number') {
      const out: CloseTask[] = [];
      for (let i = 0; i < list; i++) out.push(addTask({ text: `Task ${i + 1}` }));
      return out;
    }
    return list.map((p) => addTask(p));
  }

  for (const p of options.tasks ?? []) addTask(p);
  for (const t of structuredClone(options.state?.tasks ?? [])) tasks.set(t.id, t);

  function route(method: string, path: string): Route {
    if (!path.startsWith(`${BASE}/`)) return { group: `${method} ${path}`, name: 'notfound' };
    const rest = path.slice(BASE.length); // e.g. /task/abc/
    const segs = rest.split('/').filter((s) => s !== '');
    const slash = rest.endsWith('/');
    let template: string | undefined;
    let id: string | undefined;
    if (segs.length === 1 && segs[0] === 'me') template = '/me/';
    else if (segs.length === 1 && segs[0] === 'task') template = '/task/';
    else if (segs.length === 2 && segs[0] === 'task') {
      template = '/task/{id}/';
      id = decodeURIComponent(segs[1]);
    }
    if (!template) return { group: `${method} ${rest}`, name: 'notfound' };
    const group = `${method} ${template}`;
    if (!slash) return { group, name: 'noslash', id };
    if (template === '/me/') return method === 'GET' ? { group, name: 'me' } : { group, name: 'method' };
    if (template === '/task/') {
      if (method === 'GET') return { group, name: 'list' };
      if (method === 'POST') return { group, name: 'create' };
      if (method === 'PUT') return { group, name: 'bulk' };
      return { group, name: 'method' };
    }
    if (method === 'GET') return { group, name: 'get', id };
    if (method === 'PUT') return { group, name: 'update', id };
    if (method === 'DELETE') return { group, name: 'delete', id };
    return { group, name: 'method', id };
  }

  function authKey(req: RecordedRequest): { key?: string; error?: string } {
    const h = req.headers.authorization;
    if (!h) return { error: 'Authentication required. Use your API key as the HTTP Basic user name with an empty password.' };
    const m = /^Basic\s+(\S+)$/i.exec(h);
    if (!m) return { error: 'Unsupported authorization scheme. Use HTTP Basic with your API key as the user name.' };
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const key = colon === -1 ? decoded : decoded.slice(0, colon);
    const password = colon === -1 ? '' : decoded.slice(colon + 1);
    if (!apiKeys.includes(key) || password !== '') return { error: 'The API key is invalid or has been revoked.' };
    return { key };
  }

  /** returns the RateLimit header value, or a 429 reply */
  function limit(key: string, group: string): { header: string; refused?: Reply } {
    const windowMs = rateLimit?.windowMs ?? 1000;
    const lim = rateLimit ? Math.max(1, Math.round((rateLimit.requestsPerSecond * windowMs) / 1000)) : NEVER_LIMIT;
    const now = clock();
    const k = `${key}\u0000${group}`;
    let w = windows.get(k);
    if (!w || now - w.start >= windowMs) {
      w = { start: now, count: 0 };
      windows.set(k, w);
    }
    const resetS = Math.max(0.001, (w.start + windowMs - now) / 1000);
    const reset = Number(resetS.toFixed(3));
    if (rateLimit && w.count >= lim) {
      const header = `limit=${lim}, remaining=0, reset=${reset}`;
      return {
        header,
        refused: jsonReply(
          429,
          {
            error: {
              message: 'API call count exceeded for this period',
              rate_endpoint_group: group,
              rate_limit: lim,
              rate_limit_type: 'key',
              rate_reset: resetS,
              rate_window: windowMs / 1000,
            },
          },
          { RateLimit: header, 'Retry-After': String(Math.max(1, Math.ceil(resetS))) },
        ),
      };
    }
    w.count++;
    return { header: `limit=${lim}, remaining=${Math.max(0, lim - w.count)}, reset=${reset}` };
  }

  function tzOffset(req: RecordedRequest): number {
    const v = req.headers['x-tz-offset'];
    const n = typeof v === 'string' ? Number.parseFloat(v) : NaN;
    return Number.isFinite(n) ? n : 0;
  }

  function present(t: CloseTask, req: RecordedRequest, fields?: string[]): Record<string, unknown> {
    t.view = computeView(t, Date.now(), tzOffset(req));
    return project({ ...t }, fields);
  }

  function fieldsOf(q: URLSearchParams): string[] | undefined {
    const f = q.get('_fields');
    return f ? f.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  }

  function parseBody(req: RecordedRequest): { body?: Record<string, unknown>; error?: Reply } {
    if (req.body.trim() === '') return { body: {} };
    try {
      const b: unknown = JSON.parse(req.body);
      if (b === null || typeof b !== 'object' || Array.isArray(b)) {
        return { error: fieldErrors({}, ['The request body must be a JSON object.']) };
      }
      return { body: b as Record<string, unknown> };
    } catch {
      return { error: fieldErrors({}, ['Unable to parse the request body as JSON.']) };
    }
  }

  function notFoundTask(): Reply {
    return jsonReply(404, { error: 'Empty query: Task matching query does not exist.' });
  }

  /**
   * The tasks the list filters select (the GET's filters, also used by the bulk PUT): `_type` default
   * lead-only, `id__in`, `id`, `lead_id`, `assigned_to`, `organization_id`, `is_complete`, `view`, the date
   * ranges and `_order_by`. Returns the rows, or the 400 reply for a bad filter.
   */
  function select(req: RecordedRequest, q: URLSearchParams, errs: Record<string, string>): CloseTask[] | Reply {
    let types: string[] | 'all';
    const typeIn = q.get('_type__in');
    const type = q.get('_type');
    if (type === 'all') types = 'all';
    else if (type) types = [type];
    else if (typeIn) types = typeIn.split(',').map((s) => s.trim());
    else types = ['lead'];

    let isComplete: boolean | undefined;
    const ic = q.get('is_complete');
    if (ic !== null) {
      if (ic === 'true' || ic === 'True' || ic === '1') isComplete = true;
      else if (ic === 'false' || ic === 'False' || ic === '0') isComplete = false;
      else errs.is_complete = 'Must be a valid boolean.';
    }
    const view = q.get('view');
    if (view !== null && !['inbox', 'future', 'archive'].includes(view)) errs.view = 'Must be one of: inbox, future, archive.';
    const orderBy = q.get('_order_by');
    if (orderBy !== null && !['date', '-date', 'date_created', '-date_created'].includes(orderBy)) {
      errs._order_by = 'Must be one of: date, -date, date_created, -date_created.';
    }
    const dateFilters: Array<[string, (a: number, b: number) => boolean, number]> = [];
    const cmp: Record<string, (a: number, b: number) => boolean> = {
      lt: (a, b) => a < b,
      lte: (a, b) => a <= b,
      gt: (a, b) => a > b,
      gte: (a, b) => a >= b,
    };
    for (const base of ['date', 'due_date', 'date_created', 'date_updated']) {
      for (const op of Object.keys(cmp)) {
        const name = `${base}__${op}`;
        const v = q.get(name);
        if (v === null) continue;
        if (!isValidDate(v)) errs[name] = 'Invalid date.';
        else dateFilters.push([base === 'due_date' ? 'date' : base, cmp[op], dateMs(v)]);
      }
    }
    if (Object.keys(errs).length) return fieldErrors(errs);

    const tz = tzOffset(req);
    const now = Date.now();
    // an empty `id__in` is taken as no filter at all (the dangerous reading: every task of the types)
    const idIn = q.get('id__in');
    const ids = idIn ? new Set(idIn.split(',').map((s) => s.trim())) : undefined;
    const eq = (name: string, t: CloseTask) => {
      const v = q.get(name);
      return v === null || t[name] === v;
    };
    let rows = [...tasks.values()].filter((t) => {
      if (types !== 'all' && !types.includes(t._type)) return false;
      if (ids && !ids.has(t.id)) return false;
      if (!eq('id', t) || !eq('lead_id', t) || !eq('assigned_to', t) || !eq('organization_id', t)) return false;
      if (isComplete !== undefined && t.is_complete !== isComplete) return false;
      if (view && computeView(t, now, tz) !== view) return false;
      for (const [field, fn, bound] of dateFilters) {
        const v = t[field];
        if (typeof v !== 'string' || !fn(dateMs(v, field === 'date' ? tz : 0), bound)) return false;
      }
      return true;
    });
    if (orderBy) {
      const desc = orderBy.startsWith('-');
      const field = desc ? orderBy.slice(1) : orderBy;
      const key = (t: CloseTask) => {
        const v = t[field];
        return typeof v === 'string' ? dateMs(v, tz) : Number.NEGATIVE_INFINITY;
      };
      rows = rows.slice().sort((a, b) => (desc ? key(b) - key(a) : key(a) - key(b)));
    }
    return rows;
  }

  function list(req: RecordedRequest, q: URLSearchParams): Reply {
    const errs: Record<string, string> = {};
    const intParam = (name: string, def: number, max?: number): number => {
      const raw = q.get(name);
      if (raw === null || raw === '') return def;
      if (!/^\d+$/.test(raw)) {
        errs[name] = 'A valid integer is required.';
        return def;
      }
      const n = Number(raw);
      if (max !== undefined && n > max) errs[name] = `Ensure this value is less than or equal to ${max}.`;
      return n;
    };
    const skip = intParam('_skip', 0, options.maxSkip);
    const lim = intParam('_limit', 100, maxLimit);
    const rows = select(req, q, errs);
    if (!Array.isArray(rows)) return rows;
    const page = rows.slice(skip, skip + lim);
    const fields = fieldsOf(q);
    return jsonReply(200, { data: page.map((t) => present(t, req, fields)), has_more: skip + page.length < rows.length });
  }

  function validateDate(body: Record<string, unknown>, errs: Record<string, string>): string | null | undefined {
    let out: string | null | undefined;
    for (const name of ['date', 'due_date']) {
      if (!(name in body)) continue;
      const v = body[name];
      if (v === null) out = null;
      else if (typeof v === 'string' && isValidDate(v)) out = v;
      else errs[name] = 'Invalid date. Use YYYY-MM-DD or an ISO 8601 date-time.';
    }
    return out;
  }

  function create(req: RecordedRequest, q: URLSearchParams): Reply {
    const parsed = parseBody(req);
    if (parsed.error) return parsed.error;
    const body = parsed.body!;
    const errs: Record<string, string> = {};
    const type = body._type;
    if (type === undefined) errs._type = 'This field is required.';
    else if (type !== 'lead' && type !== 'outgoing_call') {
      errs._type = 'Currently only tasks of type lead and outgoing_call can be created.';
    }
    const lead = body.lead_id;
    if (lead === undefined || lead === null || lead === '') errs.lead = 'This field is required.';
    else if (typeof lead !== 'string' || !lead.startsWith('lead_')) errs.lead = 'Object does not exist.';
    if ('text' in body && typeof body.text !== 'string') errs.text = 'Not a valid string.';
    if ('text' in body && type === 'outgoing_call') errs.text = 'Text can only be set on tasks of type lead.';
    if ('is_complete' in body && typeof body.is_complete !== 'boolean') errs.is_complete = 'Must be a valid boolean.';
    if ('assigned_to' in body && body.assigned_to !== null && (typeof body.assigned_to !== 'string' || !body.assigned_to.startsWith('user_'))) {
      errs.assigned_to = 'Object does not exist.';
    }
    const date = validateDate(body, errs);
    if (Object.keys(errs).length) return fieldErrors(errs);
    const partial: Partial<CloseTask> = { _type: type as string, lead_id: lead as string, text: (body.text as string | undefined) ?? '' };
    if (date !== undefined) partial.date = date;
    if ('assigned_to' in body) partial.assigned_to = body.assigned_to as string | null;
    if ('is_complete' in body) partial.is_complete = body.is_complete as boolean;
    const t = addTask(partial);
    return jsonReply(200, present(t, req, fieldsOf(q)));
  }

  function update(req: RecordedRequest, q: URLSearchParams, t: CloseTask): Reply {
    const parsed = parseBody(req);
    if (parsed.error) return parsed.error;
    const body = parsed.body!;
    const errs: Record<string, string> = {};
    if ('text' in body) {
      if (t._type !== 'lead') errs.text = 'Text can only be set on tasks of type lead.';
      else if (typeof body.text !== 'string') errs.text = 'Not a valid string.';
    }
    if ('is_complete' in body && typeof body.is_complete !== 'boolean') errs.is_complete = 'Must be a valid boolean.';
    if ('priority' in body && body.priority !== 'high' && body.priority !== 'medium') {
      errs.priority = 'Must be one of: high, medium.';
    }
    if ('resolution' in body && body.resolution !== null && body.resolution !== 'abandoned' && body.resolution !== 'skipped') {
      errs.resolution = 'Must be one of: abandoned, skipped, null.';
    }
    if ('assigned_to' in body && body.assigned_to !== null && (typeof body.assigned_to !== 'string' || !body.assigned_to.startsWith('user_'))) {
      errs.assigned_to = 'Object does not exist.';
    }
    const date = validateDate(body, errs);
    if (Object.keys(errs).length) return fieldErrors(errs);
    if (date !== undefined) {
      t.date = date;
      t.due_date = date;
      t.is_dateless = date === null;
    }
    if ('text' in body) t.text = body.text as string;
    if ('is_complete' in body) t.is_complete = body.is_complete as boolean;
    if ('priority' in body) t.priority = body.priority as CloseTask['priority'];
    if ('resolution' in body) t.resolution = body.resolution as CloseTask['resolution'];
    if ('assigned_to' in body) {
      t.assigned_to = body.assigned_to as string | null;
      t.assigned_to_name = t.assigned_to === user.id ? userName : t.assigned_to ? 'Other User' : null;
    }
    for (const k of ['agent_config_id', 'contact_id', 'is_dateless', 'lead_id', 'organization_id']) {
      if (k in body) t[k] = body[k];
    }
    t.date_updated = new Date().toISOString();
    t.updated_by = user.id;
    t.updated_by_name = userName;
    return jsonReply(200, present(t, req, fieldsOf(q)));
  }

  /** true when a list filter narrows the selection beyond the task types */
  function isFiltered(q: URLSearchParams): boolean {
    for (const [k, v] of q) {
      if (v === '' || k.startsWith('_')) continue;
      if (k === 'id' || k === 'id__in' || k === 'lead_id' || k === 'assigned_to' || k === 'organization_id' || k === 'is_complete' || k === 'view') return true;
      if (/^(date|due_date|date_created|date_updated)__(lt|lte|gt|gte)$/.test(k)) return true;
    }
    return false;
  }

  /**
   * `PUT /task/?<list filters>` (providers/close.md §2): updates every task the filters select, `_type`
   * default lead-only as in the list. Only `assigned_to`, `date` and `is_complete` may be updated; any other
   * field is a 400 naming it. The answer's body is not documented: the fake answers 200 `{}` (a client
   * reads the tasks back to know what changed).
   */
  function bulkUpdate(req: RecordedRequest, q: URLSearchParams): Reply {
    if (bulkStatus === 404) return jsonReply(404, { error: 'Not found.' });
    if (bulkStatus === 405) return jsonReply(405, { error: 'Method not allowed.' });
    const parsed = parseBody(req);
    if (parsed.error) return parsed.error;
    const body = parsed.body!;
    const errs: Record<string, string> = {};
    for (const k of Object.keys(body)) {
      if (k !== 'assigned_to' && k !== 'date' && k !== 'is_complete') errs[k] = 'Only assigned_to, date and is_complete can be updated in bulk.';
    }
    if ('is_complete' in body && typeof body.is_complete !== 'boolean') errs.is_complete = 'Must be a valid boolean.';
    if ('assigned_to' in body && body.assigned_to !== null && (typeof body.assigned_to !== 'string' || !body.assigned_to.startsWith('user_'))) {
      errs.assigned_to = 'Object does not exist.';
    }
    const date = validateDate(body, errs);
    if (Object.keys(body).length === 0) errs.non_field_errors = 'Nothing to update.';
    if (Object.keys(errs).length) return fieldErrors(errs);
    const rows = select(req, q, {});
    if (!Array.isArray(rows)) return rows;
    const now = new Date().toISOString();
    for (const t of rows) {
      if (date !== undefined) {
        t.date = date;
        t.due_date = date;
        t.is_dateless = date === null;
      }
      if ('is_complete' in body) t.is_complete = body.is_complete as boolean;
      if ('assigned_to' in body) {
        t.assigned_to = body.assigned_to as string | null;
        t.assigned_to_name = t.assigned_to === user.id ? userName : t.assigned_to ? 'Other User' : null;
      }
      t.date_updated = now;
      t.updated_by = user.id;
      t.updated_by_name = userName;
    }
    return jsonReply(200, {});
  }

  function act(req: RecordedRequest, r: Route, q: URLSearchParams): Reply {
    switch (r.name) {
      case 'notfound':
        return jsonReply(404, { error: 'Not found.' });
      case 'noslash':
        return jsonReply(404, { error: 'Not found. Close API paths end with a slash.' });
      case 'method':
        return jsonReply(405, { error: 'Method not allowed.' });
      case 'me':
        return jsonReply(200, project({ ...user, organizations: [{ id: orgId, name: 'Test Org' }] }, fieldsOf(q)));
      case 'list':
        return list(req, q);
      case 'create':
        return create(req, q);
      case 'bulk':
        return bulkUpdate(req, q);
      default: {
        const t = r.id ? tasks.get(r.id) : undefined;
        if (!t) return notFoundTask();
        if (r.name === 'get') return jsonReply(200, present(t, req, fieldsOf(q)));
        if (r.name === 'update') return update(req, q, t);
        tasks.delete(t.id);
        return deleteStatus === 204 ? { status: 204 } : jsonReply(200, {});
      }
    }
  }

  function handle(req: RecordedRequest): Reply {
    let method = req.method.toUpperCase();
    let q = req.query;
    const override = req.headers['x-http-method-override'];
    if (method === 'POST' && typeof override === 'string' && override.toUpperCase() === 'GET') {
      method = 'GET';
      q = new URLSearchParams(req.query);
      try {
        const params = (JSON.parse(req.body || '{}') as { _params?: Record<string, unknown> })._params ?? {};
        for (const [k, v] of Object.entries(params)) q.set(k, Array.isArray(v) ? v.join(',') : String(v));
      } catch {
        return fieldErrors({}, ['Unable to parse the request body as JSON.']);
      }
    }
    const r = route(method, req.path);
    stats.total++;
    if (r.name === 'bulk') {
      stats.bulkPuts++;
      if (!isFiltered(q)) stats.unfilteredBulkPuts++;
      options.onBulkPut?.(req, q);
    }
    const g = (stats.byGroup[r.group] ??= { total: 0, limited: 0 });
    g.total++;

    const inj = injections.find((i) => i.remaining > 0 && (!i.match || i.match(req)));
    if (inj) {
      inj.remaining--;
      const body = inj.body ?? { error: `Injected failure (HTTP ${inj.status})` };
      return jsonReply(inj.status, body, inj.headers ?? {});
    }

    const auth = authKey(req);
    if (!auth.key) return jsonReply(401, { error: auth.error }, { 'WWW-Authenticate': 'Basic realm="Close API"' });

    const rl = limit(auth.key, r.group);
    if (rl.refused) {
      stats.limited++;
      g.limited++;
      return rl.refused;
    }
    const reply = act(req, r, q);
    reply.headers = { ...(reply.headers ?? {}), RateLimit: rl.header };
    return reply;
  }

  const server = await startServer(
    (req) => {
      const reply = handle(req);
      if (options.latencyMs) reply.delayMs = options.latencyMs;
      return reply;
    },
    { tls: options.tls, lifetimeMs: options.lifetimeMs, ...options.serve },
  );

  return {
    ...server,
    snapshot: () => structuredClone({ user, tasks: [...tasks.values()] }),
    load: (state) => {
      Object.assign(user, structuredClone(state.user));
      tasks.clear();
      for (const t of structuredClone(state.tasks)) tasks.set(t.id, t);
    },
    apiKey: apiKeys[0],
    authHeader: (key = apiKeys[0]) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
    user,
    tasks,
    seed,
    addTask,
    stats: () => ({
      total: stats.total,
      limited: stats.limited,
      byGroup: Object.fromEntries(Object.entries(stats.byGroup).map(([k, v]) => [k, { ...v }])),
      bulkPuts: stats.bulkPuts,
      unfilteredBulkPuts: stats.unfilteredBulkPuts,
    }),
    resetStats: () => {
      stats = { total: 0, limited: 0, byGroup: {}, bulkPuts: 0, unfilteredBulkPuts: 0 };
    },
    setRateLimit: (l) => {
      rateLimit = l;
      windows.clear();
    },
    setBulkStatus: (status) => {
      bulkStatus = status;
    },
    failNext: (n, status, headers, body, match) => {
      injections.push({ remaining: n, status, headers, body, match });
    },
  };
}

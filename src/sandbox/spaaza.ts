/**
 * Fake Spaaza Services API tasks endpoints (`/tasks…`) plus a fake object store for the
 * pre-signed export download, for the `spaaza` tests.
 *
 * The real error statuses and bodies of the Services API are undocumented. This fake answers every
 * error with the core-API envelope
 *   `{"result":{"code":2,"status":"error"},"error":{"code":<n>,"name":"<name>","description":"<text>"}}`:
 * - 401 `authentication_failure` (code 1): missing/wrong `Authorization: Bearer <tokenId>:<tokenSecret>`;
 * - 403 `authentication_failure` (code 1): create for a chain the token does not reach;
 * - 404 `task_not_found` (code 2): unknown id, non-integer id, or a task of another chain;
 * - 400 `invalid_target_or_trigger` (code 3, description starts with "Invalid target or trigger");
 * - 400 `invalid_parameter` (code 4): bad JSON, missing `chain`/`desc`, bad `limit`/`offset`/`status`…;
 * - 400 `task_not_exportable` (code 5): `download_url` of a task whose `target.action` is not `export`;
 * - 409 `task_not_done` (code 6): `download_url` of an export task not in state DONE;
 * - 409 `task_in_progress` (code 7): `execute` of a task already INPROGRESS;
 * - 404 `not_found` (code 0) unknown route, 405 `method_not_allowed` (code 0).
 * Successes: create 201 + task; list 200 bare array sorted by id; get/update 200 + task; delete 204 no body;
 * execute 200 + state object (after `executeDelayMs`, during which the task is INPROGRESS);
 * download_url 200 `{"url":"<server>/files/<token>/<Index>_Export-<id>.<ext>?X-Amz-…"}` (valid 1 h).
 * `GET /tasks` with `limit` above `maxLimit` → 400 (or clamped with `overLimit: 'clamp'`); default limit 20.
 * Updates are accepted in every state (the docs only say they are not "meaningful" once started).
 * The file route needs no auth; a request WITH an `Authorization` header gets 400 XML
 * `Authorization not allowed with a pre-signed URL` (like S3), an unknown/expired token 403, a wrong
 * file name 404. Every file request is recorded in `downloads`.
 */
import { randomBytes } from 'node:crypto';
import { startServer, jsonReply, type FakeServer, type RecordedRequest, type Reply, type StartOptions } from './server.js';

export type SpaazaStateCode = 'READY' | 'INPROGRESS' | 'DONE' | 'ERROR';
export const SPAAZA_EXPORT_INDEXES = ['transactions', 'users', 'vouchers', 'wallet-ledger', 'products', 'product-variants'] as const;
export const SPAAZA_EXPORT_FORMATS = ['csv', 'json'] as const;

export interface SpaazaState {
  code: SpaazaStateCode;
  last_run_date: string | null;
  last_modified: string;
  created_date: string;
}

export interface SpaazaLog {
  id: number;
  date: string;
  level: 'info' | 'error';
  message: string;
}

interface SpaazaTaskFields {
  id: number;
  chain: number;
  desc: string;
  state: SpaazaState;
  trigger: Record<string, unknown>;
  target: Record<string, unknown>;
  logs: SpaazaLog[];
  debug: string | null;
  version: number;
}

export interface SpaazaTask extends SpaazaTaskFields {
  [extra: string]: unknown;
}

/** what `addTask` accepts: any task field, and a partial `state` */
export type SpaazaTaskInput = Partial<Omit<SpaazaTaskFields, 'state'>> & { state?: Partial<SpaazaState>; [extra: string]: unknown };

export interface SpaazaOptions {
  tokenId?: string;
  tokenSecret?: string;
  /** the chain the token reaches (default 1764) */
  chain?: number;
  latencyMs?: number;
  tls?: StartOptions['tls'];
  lifetimeMs?: number;
  /** largest `limit` of GET /tasks (default 100) */
  maxLimit?: number;
  /** what a `limit` above `maxLimit` does: 400 (default) or clamp */
  overLimit?: 'reject' | 'clamp';
  /** how long `execute` takes (default 0) */
  executeDelayMs?: number;
  /** size in bytes of a generated export file (at least; default 2048) */
  exportBytes?: number;
  /** each GET /tasks/{id} moves an unfinished task one step on after answering (default false) */
  autoAdvance?: boolean;
  /** first id given to a new task (default 12340) */
  firstId?: number;
  tasks?: SpaazaTaskInput[];
  /** the sandbox's server settings: fixed port, no recording, injected faults (see server.ts) */
  serve?: Pick<StartOptions, 'port' | 'record' | 'faults' | 'transaction'>;
  /** start from this saved state (the sandbox's state file) */
  state?: SpaazaSnapshot;
}

/** The emulator's tasks and counters, as plain JSON: what the sandbox saves between commands. */
export interface SpaazaSnapshot {
  tasks: SpaazaTask[];
  nextId: number;
  nextLogId: number;
  /** task id → the error message its next run ends with */
  failOnRun: Record<string, string>;
}

export interface SpaazaDownload {
  path: string;
  /** whether the request carried an Authorization header (it must not) */
  authorization: boolean;
  status: number;
}

export interface FakeSpaaza extends FakeServer {
  tokenId: string;
  tokenSecret: string;
  chain: number;
  /** `Bearer <tokenId>:<tokenSecret>` */
  authHeader: string;
  tasks: Map<number, SpaazaTask>;
  /** every request to the file route */
  downloads: SpaazaDownload[];
  addTask(partial?: SpaazaTaskInput): SpaazaTask;
  setState(id: number, code: SpaazaStateCode): SpaazaTask;
  /** READY → INPROGRESS → DONE (or ERROR if `failOnRun` was called); returns the new code */
  advance(id: number): SpaazaStateCode;
  /** put the task in ERROR now, with an error log entry */
  failTask(id: number, message?: string): SpaazaTask;
  /** the next run of the task (execute, or advance out of INPROGRESS) ends in ERROR */
  failOnRun(id: number, message?: string): void;
  setExecuteDelay(ms: number): void;
  /** the export file content served for this task */
  exportContent(id: number): string;
  /** answer the next `n` requests (matching `match`, default all) with this status; status 0 resets the connection instead */
  failNext(n: number, status: number, headers?: Record<string, string>, body?: unknown, match?: (req: RecordedRequest) => boolean): void;
  snapshot(): SpaazaSnapshot;
  /** replaces the tasks and counters with a snapshot's (the sandbox, before each request) */
  load(state: SpaazaSnapshot): void;
}

export function spaazaError(code: number, name: string, description: string): unknown {
  return { result: { code: 2, status: 'error' }, error: { code, name, description } };
}

const AUTH_FAILURE = 'No valid authentication provided or insufficient permissions';
const NOT_FOUND = 'No task exists with the specified ID for this chain';
const STATES: SpaazaStateCode[] = ['READY', 'INPROGRESS', 'DONE', 'ERROR'];
const INDEX_NAMES: Record<string, string> = {
  transactions: 'Transactions',
  users: 'Users',
  vouchers: 'Vouchers',
  'wallet-ledger': 'Wallet',
  products: 'Products',
  'product-variants': 'ProductVariants',
};
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function validateTarget(v: unknown): string | undefined {
  if (!isObject(v)) return 'target must be an object';
  if (v.action !== 'export') return 'target.action must be "export"';
  if (!SPAAZA_EXPORT_INDEXES.includes(v.export_index as never)) return `target.export_index must be one of ${SPAAZA_EXPORT_INDEXES.join(', ')}`;
  if (!SPAAZA_EXPORT_FORMATS.includes(v.export_format as never)) return 'target.export_format must be csv or json';
  return undefined;
}

export function validateTrigger(v: unknown): string | undefined {
  if (!isObject(v)) return 'trigger must be an object';
  const has = (k: string) => v[k] !== undefined && v[k] !== null;
  if (!has('once') && !has('segment') && !has('segment_id')) return 'trigger needs once, segment or segment_id';
  if (has('once') && (typeof v.once !== 'string' || !ISO_DATETIME.test(v.once) || Number.isNaN(Date.parse(v.once)))) {
    return 'trigger.once must be an ISO 8601 date-time';
  }
  if (has('segment') && !isObject(v.segment)) return 'trigger.segment must be an object';
  if (has('segment_id') && typeof v.segment_id !== 'number' && typeof v.segment_id !== 'string') return 'trigger.segment_id must be an id';
  return undefined;
}

export async function startSpaaza(options: SpaazaOptions = {}): Promise<FakeSpaaza> {
  const tokenId = options.tokenId ?? 'tok-id-1';
  const tokenSecret = options.tokenSecret ?? 'tok-secret-1';
  const chain = options.chain ?? 1764;
  const maxLimit = options.maxLimit ?? 100;
  const exportBytes = options.exportBytes ?? 2048;
  let executeDelayMs = options.executeDelayMs ?? 0;
  let nextId = options.firstId ?? 12340;
  let nextLogId = 1;
  const tasks = new Map<number, SpaazaTask>();
  const failOnRunSet = new Map<number, string>();
  const downloads: SpaazaDownload[] = [];
  const signed = new Map<string, { id: number; name: string; expires: number }>();
  const injections: Array<{ remaining: number; status: number; headers?: Record<string, string>; body?: unknown; match?: (r: RecordedRequest) => boolean }> = [];
  let baseUrl = '';

  const load = (state: SpaazaSnapshot) => {
    const st = structuredClone(state);
    tasks.clear();
    failOnRunSet.clear();
    for (const t of st.tasks) tasks.set(t.id, t);
    nextId = st.nextId;
    nextLogId = st.nextLogId;
    for (const [id, message] of Object.entries(st.failOnRun)) failOnRunSet.set(Number(id), message);
  };
  if (options.state) load(options.state);
  const iso = () => new Date().toISOString();
  const log = (t: SpaazaTask, level: SpaazaLog['level'], message: string) => {
    t.logs.push({ id: nextLogId++, date: iso(), level, message });
  };

  function addTask(partial: SpaazaTaskInput = {}): SpaazaTask {
    const now = iso();
    const id = partial.id ?? nextId;
    nextId = Math.max(nextId, id + 1);
    const t: SpaazaTask = {
      id,
      chain,
      desc: `Export ${id}`,
      trigger: { once: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
      target: { action: 'export', export_index: 'wallet-ledger', export_format: 'csv' },
      debug: null,
      version: 1,
      ...partial,
      state: { code: 'READY', last_run_date: null, last_modified: now, created_date: now, ...partial.state },
      logs: partial.logs ? [...partial.logs] : [],
    };
    if (!partial.logs) log(t, 'info', 'Task created');
    tasks.set(t.id, t);
    return t;
  }
  for (const p of options.tasks ?? []) addTask(p);

  function must(id: number): SpaazaTask {
    const t = tasks.get(id);
    if (!t) throw new Error(`fake spaaza: no task ${id}`);
    return t;
  }

  function setCode(t: SpaazaTask, code: SpaazaStateCode): void {
    t.state.code = code;
    t.state.last_modified = iso();
  }

  /** INPROGRESS → DONE or ERROR */
  function finish(t: SpaazaTask): void {
    const failure = failOnRunSet.get(t.id);
    if (failure !== undefined) {
      failOnRunSet.delete(t.id);
      setCode(t, 'ERROR');
      log(t, 'error', failure);
    } else {
      setCode(t, 'DONE');
      log(t, 'info', 'Export finished');
    }
  }

  function start(t: SpaazaTask): void {
    setCode(t, 'INPROGRESS');
    t.state.last_run_date = iso();
    log(t, 'info', 'Export started');
  }

  function advance(id: number): SpaazaStateCode {
    const t = must(id);
    if (t.state.code === 'READY') start(t);
    else if (t.state.code === 'INPROGRESS') finish(t);
    return t.state.code;
  }

  function exportContent(id: number): string {
    const t = must(id);
    const index = String(t.target.export_index ?? 'export');
    const json = t.target.export_format === 'json';
    const row = (i: number) => ({ id: i + 1, chain_id: t.chain, index, timestamp: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(), value: ((i * 37) % 1000) / 10 });
    if (json) {
      const parts: string[] = [];
      let size = 2;
      for (let i = 0; size < exportBytes && i < 10_000_000; i++) {
        const s = JSON.stringify(row(i));
        parts.push(s);
        size += s.length + 1;
      }
      return `[${parts.join(',')}]`;
    }
    let out = 'id,chain_id,index,timestamp,value\n';
    for (let i = 0; out.length < exportBytes && i < 10_000_000; i++) {
      const r = row(i);
      out += `${r.id},${r.chain_id},${r.index},${r.timestamp},${r.value}\n`;
    }
    return out;
  }

  const err = (status: number, code: number, name: string, description: string, headers: Record<string, string> = {}) =>
    jsonReply(status, spaazaError(code, name, description), headers);
  const notFound = () => err(404, 2, 'task_not_found', NOT_FOUND);
  const badParam = (d: string) => err(400, 4, 'invalid_parameter', d);
  const badTT = (d: string) => err(400, 3, 'invalid_target_or_trigger', `Invalid target or trigger: ${d}`);

  function parseBody(req: RecordedRequest): { body?: Record<string, unknown>; error?: Reply } {
    try {
      const b: unknown = JSON.parse(req.body || 'null');
      if (!isObject(b)) return { error: badParam('The request body must be a JSON object') };
      return { body: b };
    } catch {
      return { error: badParam('The request body is not valid JSON') };
    }
  }

  function present(t: SpaazaTask, logLimit = 10, logOffset = 0): SpaazaTask {
    return { ...t, state: { ...t.state }, logs: t.logs.slice(logOffset, logOffset + logLimit) };
  }

  function intParam(q: URLSearchParams, name: string, def: number): number | string {
    const raw = q.get(name);
    if (raw === null || raw === '') return def;
    if (!/^\d+$/.test(raw)) return `${name} must be a non-negative integer`;
    return Number(raw);
  }

  function list(q: URLSearchParams): Reply {
    let limit = intParam(q, 'limit', 20);
    const offset = intParam(q, 'offset', 0);
    if (typeof limit === 'string') return badParam(limit);
    if (typeof offset === 'string') return badParam(offset);
    if (limit < 1 || limit > maxLimit) {
      if (options.overLimit === 'clamp' && limit > maxLimit) limit = maxLimit;
      else return badParam(`limit must be between 1 and ${maxLimit}`);
    }
    const status = q.get('status');
    if (status !== null && !STATES.includes(status as SpaazaStateCode)) return badParam(`status must be one of ${STATES.join(', ')}`);
    const action = q.get('action');
    const campaign = q.get('campaign_id');
    const rows = [...tasks.values()]
      .filter((t) => t.chain === chain)
      .filter((t) => status === null || t.state.code === status)
      .filter((t) => action === null || t.target.action === action)
      .filter((t) => campaign === null || String(t.target.campaign_id ?? t.campaign_id ?? '') === campaign)
      .sort((a, b) => a.id - b.id);
    return jsonReply(200, rows.slice(offset, offset + limit).map((t) => present(t)));
  }

  function create(req: RecordedRequest): Reply {
    const { body, error } = parseBody(req);
    if (error) return error;
    const b = body!;
    if (b.chain === undefined || b.chain === null) return badParam('chain is required');
    if (typeof b.chain !== 'number' || !Number.isInteger(b.chain)) return badParam('chain must be an integer');
    if (b.chain !== chain) return err(403, 1, 'authentication_failure', AUTH_FAILURE);
    if (typeof b.desc !== 'string' || b.desc === '') return badParam('desc is required');
    if (b.target === undefined) return badTT('target is required');
    if (b.trigger === undefined) return badTT('trigger is required');
    const problem = validateTarget(b.target) ?? validateTrigger(b.trigger);
    if (problem) return badTT(problem);
    if (b.debug !== undefined && b.debug !== null && typeof b.debug !== 'string') return badParam('debug must be a string');
    const t = addTask({
      chain,
      desc: b.desc,
      target: b.target as Record<string, unknown>,
      trigger: b.trigger as Record<string, unknown>,
      debug: (b.debug as string | null | undefined) ?? null,
    });
    return jsonReply(201, present(t));
  }

  function update(req: RecordedRequest, t: SpaazaTask): Reply {
    const { body, error } = parseBody(req);
    if (error) return error;
    const b = body!;
    if (b.chain !== undefined && b.chain !== t.chain) return badParam('chain cannot be changed');
    if (b.desc !== undefined && (typeof b.desc !== 'string' || b.desc === '')) return badParam('desc must be a non-empty string');
    const problem = (b.target !== undefined ? validateTarget(b.target) : undefined) ?? (b.trigger !== undefined ? validateTrigger(b.trigger) : undefined);
    if (problem) return badTT(problem);
    if (b.debug !== undefined && b.debug !== null && typeof b.debug !== 'string') return badParam('debug must be a string');
    if (b.desc !== undefined) t.desc = b.desc as string;
    if (b.target !== undefined) t.target = b.target as Record<string, unknown>;
    if (b.trigger !== undefined) t.trigger = b.trigger as Record<string, unknown>;
    if (b.debug !== undefined) t.debug = b.debug as string | null;
    t.version++;
    t.state.last_modified = iso();
    return jsonReply(200, present(t));
  }

  async function execute(t: SpaazaTask): Promise<Reply> {
    if (t.state.code === 'INPROGRESS') return err(409, 7, 'task_in_progress', 'The task is already running');
    start(t);
    if (executeDelayMs > 0) await new Promise((r) => setTimeout(r, executeDelayMs).unref());
    if (tasks.get(t.id) === t && (t.state.code as SpaazaStateCode) === 'INPROGRESS') finish(t);
    return jsonReply(200, { ...t.state });
  }

  function downloadUrl(t: SpaazaTask): Reply {
    if (t.target.action !== 'export') return err(400, 5, 'task_not_exportable', 'Only export tasks have a download URL');
    if (t.state.code !== 'DONE') return err(409, 6, 'task_not_done', `The export is not available: the task is ${t.state.code}, not DONE`);
    const token = randomBytes(12).toString('hex');
    const ext = t.target.export_format === 'json' ? 'json' : 'csv';
    const index = INDEX_NAMES[String(t.target.export_index)] ?? 'Export';
    const name = `${index}_Export-${t.id}.${ext}`;
    signed.set(token, { id: t.id, name, expires: Date.now() + 3_600_000 });
    const sig = randomBytes(32).toString('hex');
    return jsonReply(200, {
      url: `${baseUrl}/files/${token}/${name}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${sig}`,
    });
  }

  function s3Error(status: number, code: string, message: string): Reply {
    return {
      status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    };
  }

  function file(req: RecordedRequest): Reply {
    const authorization = req.headers.authorization !== undefined;
    const reply = ((): Reply => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
      if (authorization) return s3Error(400, 'InvalidArgument', 'Authorization not allowed with a pre-signed URL');
      const [, , token, name] = req.path.split('/');
      const entry = token ? signed.get(token) : undefined;
      if (!entry || entry.expires < Date.now()) return s3Error(403, 'AccessDenied', 'Request has expired or the signature is invalid');
      if (decodeURIComponent(name ?? '') !== entry.name || !tasks.has(entry.id)) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
      const content = exportContent(entry.id);
      const json = entry.name.endsWith('.json');
      return {
        status: 200,
        headers: { 'content-type': json ? 'application/json' : 'text/csv', 'content-length': String(Buffer.byteLength(content)) },
        body: req.method === 'HEAD' ? undefined : content,
      };
    })();
    downloads.push({ path: req.path, authorization, status: reply.status });
    return reply;
  }

  function authorized(req: RecordedRequest): boolean {
    return req.headers.authorization === `Bearer ${tokenId}:${tokenSecret}`;
  }

  async function handle(req: RecordedRequest): Promise<Reply> {
    const inj = injections.find((i) => i.remaining > 0 && (!i.match || i.match(req)));
    if (inj) {
      inj.remaining--;
      if (req.path.startsWith('/files/')) downloads.push({ path: req.path, authorization: req.headers.authorization !== undefined, status: inj.status });
      if (inj.status === 0) return { status: 0, reset: true };
      return jsonReply(inj.status, inj.body ?? spaazaError(99, 'injected_failure', `Injected failure (HTTP ${inj.status})`), inj.headers ?? {});
    }
    if (req.path.startsWith('/files/')) return file(req);
    const segs = req.path.split('/').slice(1);
    if (segs[0] !== 'tasks' || segs.length > 3 || (segs.length === 3 && segs[2] !== 'execute' && segs[2] !== 'download_url')) {
      return err(404, 0, 'not_found', 'Not found');
    }
    if (!authorized(req)) return err(401, 1, 'authentication_failure', AUTH_FAILURE, { 'WWW-Authenticate': 'Bearer' });
    const m = req.method.toUpperCase();
    const notAllowed = () => err(405, 0, 'method_not_allowed', `Method ${m} not allowed`);
    if (segs.length === 1) {
      if (m === 'GET') return list(req.query);
      if (m === 'POST') return create(req);
      return notAllowed();
    }
    const idRaw = segs[1];
    const t = /^\d+$/.test(idRaw) ? tasks.get(Number(idRaw)) : undefined;
    if (segs.length === 3) {
      if ((segs[2] === 'execute' && m !== 'POST') || (segs[2] === 'download_url' && m !== 'GET')) return notAllowed();
      if (!t || t.chain !== chain) return notFound();
      return segs[2] === 'execute' ? execute(t) : downloadUrl(t);
    }
    if (!['GET', 'PUT', 'DELETE'].includes(m)) return notAllowed();
    if (!t || t.chain !== chain) return notFound();
    if (m === 'GET') {
      const ll = intParam(req.query, 'log_limit', 10);
      const off = intParam(req.query, 'offset', 0);
      if (typeof ll === 'string') return badParam(ll);
      if (typeof off === 'string') return badParam(off);
      const reply = jsonReply(200, present(t, ll, off));
      if (options.autoAdvance && (t.state.code === 'READY' || t.state.code === 'INPROGRESS')) advance(t.id);
      return reply;
    }
    if (m === 'PUT') return update(req, t);
    tasks.delete(t.id);
    return { status: 204 };
  }

  const server = await startServer(
    async (req) => {
      const reply = await handle(req);
      if (options.latencyMs) reply.delayMs = options.latencyMs;
      return reply;
    },
    { tls: options.tls, lifetimeMs: options.lifetimeMs, ...options.serve },
  );
  baseUrl = server.url;

  return {
    ...server,
    snapshot: () => structuredClone({ tasks: [...tasks.values()], nextId, nextLogId, failOnRun: Object.fromEntries(failOnRunSet) }),
    load,
    tokenId,
    tokenSecret,
    chain,
    authHeader: `Bearer ${tokenId}:${tokenSecret}`,
    tasks,
    downloads,
    addTask,
    setState: (id, code) => {
      const t = must(id);
      setCode(t, code);
      return t;
    },
    advance,
    failTask: (id, message = 'Export failed') => {
      const t = must(id);
      setCode(t, 'ERROR');
      log(t, 'error', message);
      return t;
    },
    failOnRun: (id, message = 'Export failed') => {
      must(id);
      failOnRunSet.set(id, message);
    },
    setExecuteDelay: (ms) => {
      executeDelayMs = ms;
    },
    exportContent,
    failNext: (n, status, headers, body, match) => {
      injections.push({ remaining: n, status, headers, body, match });
    },
  };
}

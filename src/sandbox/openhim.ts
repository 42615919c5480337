/**
 * A fake OpenHIM core API server (tasks, transactions, auth) for the tests.
 *
 * It replays what real servers were seen to do: the master "8.5.0" build (`flavor: 'master'`), the v8.5.0 tag
 * (`'tag85'`, which answers unknown task ids like 4.0.5) and the npm 4.0.5 package (`'4.0.5'`). Status codes and
 * text bodies are copied byte-for-byte from recorded exchanges. Facts that were only read from the server's code
 * (not run) are marked "inferred" below.
 *
 * The task processor never runs by itself (unless `processor: 'auto'`): a test drives it with
 * `processor.tick()` / `processor.runUntilIdle()`, so every intermediate state can be observed.
 */
import crypto from 'node:crypto';
import { startServer, textReply, jsonReply, type FakeServer, type RecordedRequest, type Reply, type StartOptions } from './server.js';

export type OpenhimFlavor = 'master' | 'tag85' | '4.0.5';
export type OpenhimAuthType = 'basic' | 'local' | 'token';
export type RerunStatus = 'Successful' | 'Completed' | 'Completed with error(s)' | 'Failed' | 'Processing' | 'Pending Async';

export interface FakeOpenhimUserInput {
  email: string;
  password: string;
  /** default [] (not an admin); root has ["admin"] */
  groups?: string[];
  /** token salt (default a random uuid; root's is fixed) */
  salt?: string;
  /** false = a user created through the 7.2+ API: only a bcrypt `local` passport, so no token auth (8.x flavors) */
  tokenPassport?: boolean;
  firstname?: string;
  surname?: string;
  _id?: string;
}

interface UserRecord {
  _id: string;
  email: string;
  password: string;
  groups: string[];
  salt: string;
  tokenPassport: boolean;
  firstname: string;
  surname: string;
}

export interface OpenhimOptions {
  /** default 'master' */
  flavor?: OpenhimFlavor;
  /** api.authenticationTypes; default ['token'] for 4.0.5, ['basic','local','token'] otherwise */
  authTypes?: OpenhimAuthType[];
  /** extra users; root@openhim.org / openhim-password (admin) is always there unless a user with that email is given */
  users?: FakeOpenhimUserInput[];
  /** server clock = real clock + skew */
  clockSkewMs?: number;
  /** api.authWindowSeconds, default 10 */
  authWindowSeconds?: number;
  tls?: StartOptions['tls'];
  hostname?: string;
  lifetimeMs?: number;
  /** delay every reply by this much */
  latencyMs?: number;
  /** 'manual' (default): the test ticks; 'off': rerun.processor.enabled=false; 'auto': a timer ticks */
  processor?: 'manual' | 'off' | 'auto';
  /** poll period for 'auto' (default 100 ms; the real server uses 2000) */
  pollIntervalMs?: number;
  /** start from this saved state (the sandbox's state file) instead of empty stores */
  state?: OpenhimSnapshot;
  /** the sandbox's server settings: fixed port, no recording, injected faults (see server.ts) */
  serve?: Pick<StartOptions, 'port' | 'record' | 'faults' | 'transaction'>;
}

/** Everything the emulator holds, as plain JSON: what the sandbox saves between commands. */
export interface OpenhimSnapshot {
  tasks: TaskDoc[];
  transactions: TransactionDoc[];
  /** tid → the status its rerun gets */
  outcomes: Record<string, RerunStatus>;
  /** the processor's work in flight (7.1+ claims, 4.0.5 rounds) */
  claims: unknown[];
  rounds: unknown[];
}

export interface TaskItem {
  tid: string;
  tstatus: string;
  _id: string;
  error?: string;
  rerunID?: string;
  rerunStatus?: string;
  [key: string]: unknown;
}

export interface TaskDoc {
  _id: string;
  status: string;
  transactions: TaskItem[];
  user: string;
  remainingTransactions: number;
  totalTransactions: number;
  batchSize: number;
  /** ISO date */
  created: string;
  /** ISO date, set on completion */
  completedDate?: string;
  __v: number;
  [key: string]: unknown;
}

export interface TransactionDoc {
  _id: string;
  status: string;
  clientID?: string;
  channelID: string;
  request: {
    host?: string;
    port?: string;
    path: string;
    headers?: Record<string, string>;
    querystring?: string;
    body?: string;
    method: string;
    /** ISO date */
    timestamp: string;
  };
  response?: { status?: number; headers?: Record<string, string>; body?: string; timestamp?: string };
  canRerun: boolean;
  autoRetry: boolean;
  wasRerun: boolean;
  childIDs: string[];
  parentID?: string;
  properties?: Record<string, unknown>;
  __v: number;
  [key: string]: unknown;
}

export interface AddTransactionInput {
  _id?: string;
  status?: string;
  channelID?: string;
  clientID?: string;
  path?: string;
  method?: string;
  querystring?: string;
  host?: string;
  port?: string;
  /** ISO string, Date or epoch ms (default: server now) */
  timestamp?: string | Date | number;
  canRerun?: boolean;
  request?: Partial<TransactionDoc['request']>;
  response?: TransactionDoc['response'];
  properties?: Record<string, unknown>;
  childIDs?: string[];
  /** the status a rerun of this transaction gets (default 'Successful'); same as setOutcome */
  outcome?: RerunStatus;
}

export interface CreateTaskInput extends Partial<Omit<TaskDoc, 'transactions' | 'created'>> {
  /** ISO string, Date or epoch ms (default: server now) */
  created?: string | Date | number;
  tids?: string[];
  transactions?: Array<Partial<TaskItem> & { tid: string }>;
}

export interface FakeOpenhimProcessor {
  readonly mode: 'manual' | 'off' | 'auto';
  /**
   * One poll. 7.1+ (master/tag85): every running claim advances one batch, then one `Queued` task is claimed and
   * runs its first batch; the claim is kept across ticks (status `Processing`, `remainingTransactions` and
   * `tstatus` frozen, `rerunID`/`rerunStatus` appear). 4.0.5: a round in flight (see `midRound`) is finalised;
   * otherwise one `Queued` task is claimed and one round of `batchSize` runs and is finalised.
   * `midRound: true` (4.0.5 only) stops before finalising, so the task reads `Processing` until the next tick.
   * Resolves true when something was done.
   */
  tick(opts?: { midRound?: boolean }): Promise<boolean>;
  /** ticks until nothing is left to do; throws after maxTicks (default 1000). Resolves the number of ticks. */
  runUntilIdle(maxTicks?: number): Promise<number>;
  /** ids of tasks claimed or with a round in flight */
  active(): string[];
  /** start the 'auto' timer (unref'd; stopped by close) */
  start(intervalMs?: number): void;
  stop(): void;
}

export interface FakeOpenhim extends FakeServer {
  flavor: OpenhimFlavor;
  /** stored task docs by id, in insertion order; tests may read and modify them */
  tasks: Map<string, TaskDoc>;
  /** stored transactions by id */
  transactions: Map<string, TransactionDoc>;
  /** every POST /bulkrerun accepted (taskctl must never call it) */
  bulkReruns: Array<{ user: string; body: unknown }>;
  processor: FakeOpenhimProcessor;
  runUntilIdle(maxTicks?: number): Promise<number>;
  createTask(doc?: CreateTaskInput): TaskDoc;
  addTransaction(input?: AddTransactionInput): string;
  setOutcome(tid: string, rerunStatus: RerunStatus): void;
  addUser(user: FakeOpenhimUserInput): void;
  /** the server clock (epoch ms) */
  now(): number;
  /** the stores and the processor's work in flight, as plain JSON */
  snapshot(): OpenhimSnapshot;
  /** replaces the stores and the work in flight with a snapshot's (the sandbox, before each request) */
  load(state: OpenhimSnapshot): void;
  /**
   * Fault injection for tests: when set, called for every request before anything else; a Reply it returns is
   * sent instead of the normal answer (e.g. fail the second POST /tasks).
   */
  intercept?: (req: RecordedRequest) => Reply | undefined;
}

export const OPENHIM_ROOT = {
  email: 'root@openhim.org',
  password: 'openhim-password',
  salt: 'd9bcb40e-ae65-478f-962e-5e5e5e7d0a01',
  _id: '6b0513a586b2e93ee5443fc5',
} as const;

/** the channel id given to transactions added without one */
export const OPENHIM_DEFAULT_CHANNEL = '6b0513a686b2e93ee5443ff0';

const TEXT_AUTH_OK = 'User Authenticated Successfully';
const SESSION_MAX_AGE_MS = 7_200_000;
const MAX_SESSIONS = 10_000;
const ACTIVE_CONCURRENT_TASKS = 3;
const DATE_FIELDS = new Set(['created', 'completedDate', 'request.timestamp', 'response.timestamp']);

const ORDER_TASK_8X = ['status', 'transactions', 'user', 'remainingTransactions', 'totalTransactions', 'batchSize', '_id', 'created', '__v', 'completedDate'];
const ORDER_TASK_405_LIST = ['remainingTransactions', 'user', 'totalTransactions', '_id', '__v', 'batchSize', 'created', 'status', 'completedDate'];
const ORDER_TASK_405_DETAIL = ['remainingTransactions', 'user', 'totalTransactions', '_id', 'batchSize', 'created', 'transactions', 'status', '__v', 'completedDate'];
const ORDER_ITEM_8X = ['tid', 'tstatus', '_id', 'error', 'rerunID', 'rerunStatus'];
const ORDER_ITEM_405 = ['tid', '_id', 'tstatus', 'error', 'rerunID', 'rerunStatus'];

/** an Error whose String() is `<name>: <message>`, like mongoose's CastError / ValidationError */
class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const sha512 = (s: string) => crypto.createHash('sha512').update(s, 'utf8').digest('hex');

function isObjectIdString(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-fA-F]{24}$/.test(v);
}

function ordered(obj: Record<string, unknown>, order: string[], omit: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) if (!omit.includes(k) && obj[k] !== undefined) out[k] = obj[k];
  for (const k of Object.keys(obj)) if (!omit.includes(k) && !(k in out) && obj[k] !== undefined) out[k] = obj[k];
  return out;
}

function getPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof RegExp);
}

function sameValue(a: unknown, b: unknown, field: string): boolean {
  if (DATE_FIELDS.has(field) && a !== undefined && b !== undefined) {
    const da = Date.parse(String(a));
    const db = Date.parse(String(b));
    if (!Number.isNaN(da) && !Number.isNaN(db)) return da === db;
  }
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  if (field === '_id' || field.endsWith('ID')) return String(a).toLowerCase() === String(b).toLowerCase();
  return a === b;
}

function compare(a: unknown, b: unknown, field: string): number | null {
  if (a === undefined || a === null) return null;
  if (DATE_FIELDS.has(field)) {
    const da = Date.parse(String(a));
    const db = Date.parse(String(b));
    if (Number.isNaN(da) || Number.isNaN(db)) return null;
    return da - db;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

/** a small subset of MongoDB query matching: equality, RegExp, $eq $ne $gt $gte $lt $lte $in $nin $exists */
function matchesQuery(doc: unknown, filters: Record<string, unknown>): boolean {
  for (const [field, cond] of Object.entries(filters)) {
    const value = getPath(doc, field);
    if (!matchCondition(value, cond, field)) return false;
  }
  return true;
}

function matchCondition(value: unknown, cond: unknown, field: string): boolean {
  if (cond instanceof RegExp) {
    if (Array.isArray(value)) return value.some((v) => typeof v === 'string' && cond.test(v));
    return typeof value === 'string' && cond.test(value);
  }
  if (isPlainObject(cond) && Object.keys(cond).length > 0 && Object.keys(cond).every((k) => k.startsWith('$'))) {
    for (const [op, arg] of Object.entries(cond)) {
      let ok: boolean;
      switch (op) {
        case '$eq':
          ok = equalsOrContains(value, arg, field);
          break;
        case '$ne':
          ok = !equalsOrContains(value, arg, field);
          break;
        case '$gt':
        case '$gte':
        case '$lt':
        case '$lte': {
          const c = compare(value, arg, field);
          ok = c !== null && (op === '$gt' ? c > 0 : op === '$gte' ? c >= 0 : op === '$lt' ? c < 0 : c <= 0);
          break;
        }
        case '$in':
          if (!Array.isArray(arg)) throw new NamedError('MongoServerError', '$in needs an array');
          ok = arg.some((a) => equalsOrContains(value, a, field));
          break;
        case '$nin':
          if (!Array.isArray(arg)) throw new NamedError('MongoServerError', '$nin needs an array');
          ok = !arg.some((a) => equalsOrContains(value, a, field));
          break;
        case '$exists':
          ok = (value !== undefined) === Boolean(arg);
          break;
        default:
          throw new NamedError('MongoServerError', `unknown operator: ${op}`);
      }
      if (!ok) return false;
    }
    return true;
  }
  return equalsOrContains(value, cond, field);
}

function equalsOrContains(value: unknown, expected: unknown, field: string): boolean {
  if (expected === null) return value === null || value === undefined;
  if (Array.isArray(value) && !Array.isArray(expected)) return value.some((v) => sameValue(v, expected, field));
  return sameValue(value, expected, field);
}

/** koa's ctx.request.query value: a missing parameter is undefined */
function q(req: RecordedRequest, name: string): string | undefined {
  const v = req.query.get(name);
  return v === null ? undefined : v;
}

/** `filterPage * filterLimit` with JavaScript's coercion, like the server */
function jsMul(a: string | undefined, b: string | undefined): number {
  return Number(a === undefined ? NaN : a) * Number(b === undefined ? NaN : b);
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i === -1) continue;
    out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export async function startOpenhim(options: OpenhimOptions = {}): Promise<FakeOpenhim> {
  const flavor: OpenhimFlavor = options.flavor ?? 'master';
  const is405 = flavor === '4.0.5';
  const isMaster = flavor === 'master';
  const authTypes = new Set<OpenhimAuthType>(options.authTypes ?? (is405 ? ['token'] : ['basic', 'local', 'token']));
  const skew = options.clockSkewMs ?? 0;
  const windowMs = (options.authWindowSeconds ?? 10) * 1000;
  const latencyMs = options.latencyMs ?? 0;
  const started = performance.now();
  const now = () => Date.now() + skew;
  const isoNow = () => new Date(now()).toISOString();
  const typeString = is405 ? '' : ' (type string)';

  // ---- ids ----
  const idRandom = crypto.randomBytes(5).toString('hex');
  let idCounter = crypto.randomInt(0xffffff);
  const newId = () => {
    idCounter = (idCounter + 1) & 0xffffff;
    const ts = (Math.floor(now() / 1000) >>> 0).toString(16).padStart(8, '0');
    return ts + idRandom + idCounter.toString(16).padStart(6, '0');
  };

  // ---- users and sessions ----
  const users: UserRecord[] = [];
  const addUser = (u: FakeOpenhimUserInput) => {
    const rec: UserRecord = {
      _id: u._id ?? (u.email === OPENHIM_ROOT.email ? OPENHIM_ROOT._id : newId()),
      email: u.email,
      password: u.password,
      groups: u.groups ?? [],
      salt: u.salt ?? (u.email === OPENHIM_ROOT.email ? OPENHIM_ROOT.salt : crypto.randomUUID()),
      tokenPassport: u.tokenPassport ?? true,
      firstname: u.firstname ?? (u.email === OPENHIM_ROOT.email ? 'Super' : 'Test'),
      surname: u.surname ?? 'User',
    };
    const i = users.findIndex((x) => x.email === rec.email);
    if (i === -1) users.push(rec);
    else users[i] = rec;
  };
  if (!(options.users ?? []).some((u) => u.email === OPENHIM_ROOT.email)) {
    addUser({ email: OPENHIM_ROOT.email, password: OPENHIM_ROOT.password, groups: ['admin'] });
  }
  for (const u of options.users ?? []) addUser(u);
  const isAdmin = (u: UserRecord) => u.groups.includes('admin');
  const hasTokenPassport = (u: UserRecord) => is405 || u.tokenPassport;
  const findUserCI = (email: string) => users.find((u) => u.email.toLowerCase() === email.toLowerCase());
  const userJson = (u: UserRecord) => ({
    firstname: u.firstname,
    surname: u.surname,
    email: u.email,
    provider: 'local',
    groups: u.groups,
    _id: u._id,
    __v: 0,
    passwordSalt: null,
    passwordHash: null,
    passwordAlgorithm: null,
  });

  const sessionKey = crypto.randomBytes(32);
  const sessions = new Map<string, { email: string; expiresAt: number }>();
  const sign = (value: string) => crypto.createHmac('sha1', sessionKey).update(`koa.sess=${value}`).digest('base64url');
  const newSession = (u: UserRecord): string[] => {
    const id = crypto.randomUUID();
    const expiresAt = now() + SESSION_MAX_AGE_MS;
    sessions.set(id, { email: u.email, expiresAt });
    if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
    const attrs = `path=/; expires=${new Date(expiresAt).toUTCString()}; samesite=none; secure; httponly`;
    return [`koa.sess=${id}; ${attrs}`, `koa.sess.sig=${sign(id)}; ${attrs}`];
  };
  const sessionUser = (req: RecordedRequest): UserRecord | undefined => {
    if (is405) return undefined;
    const c = parseCookies(firstHeader(req.headers.cookie));
    const id = c.get('koa.sess');
    const sig = c.get('koa.sess.sig');
    if (!id || !sig || sig !== sign(id)) return undefined;
    const s = sessions.get(id);
    if (!s || s.expiresAt < now()) return undefined;
    return users.find((u) => u.email === s.email);
  };

  type Auth = { user: UserRecord; scheme: 'session' | 'token' | 'basic' };
  const authenticate = (req: RecordedRequest): Auth | null => {
    const fromSession = sessionUser(req);
    if (fromSession) return { user: fromSession, scheme: 'session' };
    const h = req.headers;
    const tokenHeaders = ['auth-username', 'auth-ts', 'auth-salt', 'auth-token'] as const;
    if (authTypes.has('token') && tokenHeaders.some((k) => h[k] !== undefined)) {
      const [username, ts, salt, token] = tokenHeaders.map((k) => firstHeader(h[k]));
      if (!username || !ts || !salt || !token) return null;
      const user = findUserCI(username);
      if (!user || !hasTokenPassport(user)) return null;
      const t = Date.parse(ts);
      if (Number.isNaN(t) || Math.abs(t - now()) > windowMs) return null;
      const passwordHash = sha512(user.salt + user.password);
      if (sha512(passwordHash + salt + ts) !== token) return null;
      return { user, scheme: 'token' };
    }
    const authorization = firstHeader(h.authorization);
    if (authTypes.has('basic') && authorization && authorization.includes('Basic')) {
      const m = /^ *[Bb][Aa][Ss][Ii][Cc] +([A-Za-z0-9._~+/-]+=*) *$/.exec(authorization);
      if (!m) return null;
      const decoded = Buffer.from(m[1], 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i === -1) return null;
      const email = decoded.slice(0, i);
      const password = decoded.slice(i + 1);
      const user = users.find((u) => u.email === email);
      if (!user || user.password !== password) return null;
      return { user, scheme: 'basic' };
    }
    return null;
  };

  /** koa-bodyparser: JSON only when the content type says so; otherwise {} */
  const parseBody = (req: RecordedRequest): { ok: true; value: unknown } | { ok: false; reply: Reply } => {
    const ct = String(firstHeader(req.headers['content-type']) ?? '').toLowerCase();
    if (!/(^|[/+])json\b/.test(ct.split(';')[0].trim()) || req.body.trim() === '') return { ok: true, value: {} };
    try {
      return { ok: true, value: JSON.parse(req.body) };
    } catch (e) {
      // inferred: co-body rejects the body with 400 before any handler runs
      return { ok: false, reply: textReply(400, (e as Error).message) };
    }
  };
  const bodyObject = (v: unknown): Record<string, unknown> => (isPlainObject(v) ? { ...v } : {});

  // ---- stores ----
  const tasks = new Map<string, TaskDoc>();
  const transactions = new Map<string, TransactionDoc>();
  const outcomes = new Map<string, RerunStatus>();
  const bulkReruns: Array<{ user: string; body: unknown }> = [];

  const makeItem = (tid: string, extra: Partial<TaskItem> = {}): TaskItem => ({ tid, tstatus: 'Queued', _id: newId(), ...extra });

  const createTask = (input: CreateTaskInput = {}): TaskDoc => {
    const { tids, transactions: items, ...rest } = input;
    const list: TaskItem[] = items
      ? items.map((it) => ({ ...makeItem(it.tid), ...it }) as TaskItem)
      : (tids ?? []).map((tid) => makeItem(tid));
    const doc: TaskDoc = {
      status: 'Queued',
      transactions: list,
      user: OPENHIM_ROOT.email,
      remainingTransactions: list.length,
      totalTransactions: list.length,
      batchSize: 1,
      _id: newId(),
      created: isoNow(),
      __v: 0,
    };
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) doc[k] = v;
    if (rest.created !== undefined) doc.created = new Date(rest.created).toISOString();
    tasks.set(doc._id, doc);
    return doc;
  };

  const addTransaction = (input: AddTransactionInput = {}): string => {
    const ts = input.timestamp ?? input.request?.timestamp ?? now();
    const doc: TransactionDoc = {
      _id: input._id ?? newId(),
      status: input.status ?? 'Successful',
      ...(input.clientID !== undefined ? { clientID: input.clientID } : {}),
      channelID: input.channelID ?? OPENHIM_DEFAULT_CHANNEL,
      request: {
        host: input.host ?? '127.0.0.1',
        port: input.port ?? '5001',
        path: input.path ?? '/',
        headers: {},
        querystring: input.querystring ?? '',
        method: input.method ?? 'GET',
        ...input.request,
        timestamp: new Date(ts).toISOString(),
      },
      ...(input.response !== undefined ? { response: input.response } : {}),
      canRerun: input.canRerun ?? true,
      autoRetry: false,
      wasRerun: false,
      childIDs: input.childIDs ?? [],
      ...(input.properties !== undefined ? { properties: input.properties } : {}),
      __v: 0,
    };
    transactions.set(doc._id, doc);
    if (input.outcome) outcomes.set(doc._id, input.outcome);
    return doc._id;
  };

  const serializeTask = (doc: TaskDoc, mode: 'list' | 'detail', items?: TaskItem[], totalFiltered?: number) => {
    const order = is405 ? (mode === 'list' ? ORDER_TASK_405_LIST : ORDER_TASK_405_DETAIL) : ORDER_TASK_8X;
    const itemOrder = is405 ? ORDER_ITEM_405 : ORDER_ITEM_8X;
    const base: Record<string, unknown> = { ...doc };
    if (mode === 'detail') base.transactions = (items ?? doc.transactions).map((it) => ordered(it, itemOrder));
    const out = ordered(base, order, mode === 'list' ? ['transactions'] : []);
    if (mode === 'detail') out.totalFilteredTransactions = totalFiltered;
    return out;
  };

  const simpleTransaction = (t: TransactionDoc, rep: string): unknown => {
    const copy = JSON.parse(JSON.stringify(t)) as TransactionDoc & { routes?: unknown; orchestrations?: unknown };
    if (rep === 'full' || rep === 'fulltruncate') return copy;
    if (rep === 'bulkrerun') return { _id: copy._id, channelID: copy.channelID, canRerun: copy.canRerun, childIDs: copy.childIDs };
    delete copy.request.body;
    if (copy.response) delete copy.response.body;
    if (rep !== 'simpledetails') {
      delete copy.request.headers;
      if (copy.response) delete copy.response.headers;
      delete copy.routes;
      delete copy.orchestrations;
    }
    return copy;
  };

  // ---- the processor ----
  type RerunResult = { ok: true } | { ok: false; error: string };
  const rerun = (tid: string, taskId: string): RerunResult => {
    const tx = transactions.get(tid.toLowerCase());
    if (!tx) return { ok: false, error: `Error: Transaction ${tid} could not be found` };
    if (!tx.canRerun) return { ok: false, error: `Error: Transaction ${tid} cannot be rerun as there isn't enough information about the request` };
    const status = outcomes.get(tx._id) ?? 'Successful';
    const child: TransactionDoc = JSON.parse(JSON.stringify(tx)) as TransactionDoc;
    child._id = newId();
    child.status = status;
    child.parentID = tx._id;
    child.childIDs = [];
    child.wasRerun = false;
    child.request.timestamp = isoNow();
    transactions.set(child._id, child);
    tx.childIDs.push(child._id);
    tx.wasRerun = true;
    // the rerun middleware: findOneAndUpdate({_id: taskID, 'transactions.tid': tid}, {$set: {'transactions.$.rerunID', ...}})
    const doc = tasks.get(taskId);
    const item = doc?.transactions.find((it) => it.tid === tid);
    if (item) {
      item.rerunID = child._id;
      item.rerunStatus = status;
    }
    return { ok: true };
  };

  const claimNext = (): TaskDoc | undefined => {
    for (const doc of tasks.values()) {
      if (doc.status === 'Queued') {
        doc.status = 'Processing';
        return doc;
      }
    }
    return undefined;
  };

  // 7.1+: one claim runs all rounds; only rerunID/rerunStatus reach the database before the end
  interface Claim71 {
    taskId: string;
    snapshot: TaskDoc;
    next: number;
  }
  const claims71: Claim71[] = [];
  const advance71 = (c: Claim71) => {
    const batch = c.snapshot.transactions.slice(c.next, c.next + c.snapshot.batchSize);
    for (const item of batch) {
      const r = rerun(item.tid, c.taskId);
      if (r.ok) item.tstatus = 'Completed';
      else {
        item.tstatus = 'Failed';
        item.error = r.error;
      }
    }
    c.next += batch.length;
    c.snapshot.remainingTransactions -= batch.length;
    const done = () => claims71.splice(claims71.indexOf(c), 1);
    const doc = tasks.get(c.taskId);
    if (!doc) return void done(); // deleted: the next round fails on the missing task (inferred)
    if (doc.status === 'Paused') return void done(); // the pause branch builds an update it never runs: progress lost
    if (c.snapshot.remainingTransactions <= 0 || batch.length === 0) {
      // the final save of the in-memory task: overwrites a Cancelled status with Completed
      doc.status = 'Completed';
      doc.remainingTransactions = 0;
      c.snapshot.transactions.forEach((it, i) => {
        const target = doc.transactions[i];
        if (!target) return;
        target.tstatus = it.tstatus;
        if (it.error !== undefined) target.error = it.error;
      });
      doc.completedDate = isoNow();
      done();
    }
  };

  // 4.0.5: one round per claim, finalised (saved, set back to Queued) before the next claim
  interface Round405 {
    taskId: string;
    remaining: number;
    results: Array<{ index: number; tstatus: string; error?: string }>;
  }
  const rounds405: Round405[] = [];
  const startRound405 = (doc: TaskDoc): Round405 => {
    const nextI = doc.transactions.length - doc.remainingTransactions;
    const round: Round405 = { taskId: doc._id, remaining: doc.remainingTransactions, results: [] };
    doc.transactions.slice(nextI, nextI + doc.batchSize).forEach((item, k) => {
      const r = rerun(item.tid, doc._id);
      round.results.push(r.ok ? { index: nextI + k, tstatus: 'Completed' } : { index: nextI + k, tstatus: 'Failed', error: r.error });
      round.remaining--;
    });
    rounds405.push(round);
    return round;
  };
  const finalize405 = (round: Round405) => {
    rounds405.splice(rounds405.indexOf(round), 1);
    const doc = tasks.get(round.taskId);
    if (!doc) return; // deleted mid-round: findOne gives null and the round errors out
    for (const r of round.results) {
      const item = doc.transactions[r.index];
      if (!item) continue;
      item.tstatus = r.tstatus;
      if (r.error !== undefined) item.error = r.error;
    }
    doc.remainingTransactions = round.remaining;
    if (doc.status === 'Processing' && round.remaining !== 0) doc.status = 'Queued';
    else if (round.remaining === 0) {
      doc.status = 'Completed';
      doc.completedDate = isoNow();
    }
    // otherwise the status set during the round (Paused, Cancelled, ...) is kept
  };

  let mode: 'manual' | 'off' | 'auto' = options.processor ?? 'manual';
  const tick = async (opts: { midRound?: boolean } = {}): Promise<boolean> => {
    if (mode === 'off') return false;
    if (is405) {
      if (rounds405.length > 0) {
        for (const r of [...rounds405]) finalize405(r);
        return true;
      }
      const doc = claimNext();
      if (!doc) return false;
      const round = startRound405(doc);
      if (!opts.midRound) finalize405(round);
      return true;
    }
    let worked = false;
    for (const c of [...claims71]) {
      advance71(c);
      worked = true;
    }
    if (claims71.length <= ACTIVE_CONCURRENT_TASKS) {
      const doc = claimNext();
      if (doc) {
        const snapshot = JSON.parse(JSON.stringify(doc)) as TaskDoc;
        snapshot.batchSize = Math.max(0, Math.floor(Number(snapshot.batchSize))) || 1;
        // nextI = transactions.length - remainingTransactions: 0 again after a pause, since progress was never saved
        const next = Math.max(0, snapshot.transactions.length - Number(snapshot.remainingTransactions));
        const c: Claim71 = { taskId: doc._id, snapshot, next };
        claims71.push(c);
        advance71(c);
        worked = true;
      }
    }
    return worked;
  };
  const runUntilIdle = async (maxTicks = 1000): Promise<number> => {
    for (let i = 0; i < maxTicks; i++) {
      if (!(await tick())) return i;
    }
    throw new Error(`fake OpenHIM processor still busy after ${maxTicks} ticks`);
  };
  let timer: NodeJS.Timeout | undefined;
  const startTimer = (intervalMs = options.pollIntervalMs ?? 100) => {
    stopTimer();
    mode = 'auto';
    timer = setInterval(() => void tick({ midRound: true }), intervalMs);
    timer.unref();
  };
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const processor: FakeOpenhimProcessor = {
    get mode() {
      return mode;
    },
    tick,
    runUntilIdle,
    active: () => [...claims71.map((c) => c.taskId), ...rounds405.map((r) => r.taskId)],
    start: startTimer,
    stop: () => {
      stopTimer();
      if (mode === 'auto') mode = 'manual';
    },
  };

  const load = (state: OpenhimSnapshot) => {
    const st = structuredClone(state);
    tasks.clear();
    transactions.clear();
    outcomes.clear();
    claims71.length = 0;
    rounds405.length = 0;
    for (const t of st.tasks) tasks.set(t._id, t);
    for (const t of st.transactions) transactions.set(t._id, t);
    for (const [tid, status] of Object.entries(st.outcomes)) outcomes.set(tid, status);
    claims71.push(...(st.claims as Claim71[]));
    rounds405.push(...(st.rounds as Round405[]));
  };
  if (options.state) load(options.state);
  const snapshot = (): OpenhimSnapshot =>
    structuredClone({
      tasks: [...tasks.values()],
      transactions: [...transactions.values()],
      outcomes: Object.fromEntries(outcomes),
      claims: claims71,
      rounds: rounds405,
    });

  // ---- route handlers ----
  const notAdmin = (u: UserRecord, op: string) => textReply(403, `User ${u.email} is not an admin, API access to ${op} denied.`);
  const notFoundTask = (id: string) => textReply(404, `We could not find a Task with this ID: ${id}.`);
  const castError = (value: unknown, model: string) =>
    new NamedError(
      'CastError',
      `Cast to ObjectId failed for value "${typeof value === 'string' ? value : JSON.stringify(value)}"${is405 ? '' : ` (type ${typeof value})`} at path "_id" for model "${model}"`,
    );

  const getTasks = (req: RecordedRequest, auth: Auth): Reply => {
    if (!isAdmin(auth.user)) return notAdmin(auth.user, 'getTasks');
    try {
      const filterLimit = q(req, 'filterLimit');
      const skip = jsMul(q(req, 'filterPage'), filterLimit);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const filters: any = JSON.parse(q(req, 'filters') as string);
      if (filters.created) filters.created = JSON.parse(filters.created);
      const limit = parseInt(filterLimit as string, 10);
      // `_id: {$in: [...]}` is answered from the map, as MongoDB answers it from the _id index (no full scan)
      const idIn = isPlainObject(filters) && isPlainObject(filters._id) && Object.keys(filters._id).length === 1 ? filters._id.$in : undefined;
      const candidates: Iterable<TaskDoc> = Array.isArray(idIn)
        ? new Set(idIn.map((v) => (typeof v === 'string' ? tasks.get(v.toLowerCase()) : undefined)).filter((t): t is TaskDoc => t !== undefined))
        : tasks.values();
      let list = [...candidates].filter((t) => matchesQuery(t, isPlainObject(filters) ? filters : {}));
      list.sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || (b._id < a._id ? -1 : b._id > a._id ? 1 : 0));
      if (Number.isFinite(skip) && skip > 0) list = list.slice(skip);
      if (Number.isFinite(limit) && limit !== 0) list = list.slice(0, Math.abs(limit));
      return jsonReply(200, list.map((t) => serializeTask(t, 'list')));
    } catch (e) {
      return textReply(500, `Could not fetch all tasks via the API: ${String(e)}`);
    }
  };

  const getTask = (req: RecordedRequest, id: string): Reply => {
    try {
      const filterLimit = q(req, 'filterLimit');
      const skip = jsMul(q(req, 'filterPage'), filterLimit);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const filters: any = JSON.parse(q(req, 'filters') as string);
      if (!isObjectIdString(id)) throw castError(id, 'Task');
      const doc = tasks.get(id.toLowerCase()) ?? null;
      if (doc === null) {
        if (isMaster) return notFoundTask(id);
        throw new TypeError("Cannot read properties of null (reading 'transactions')");
      }
      let items = doc.transactions;
      if (Object.keys(filters).length > 0) {
        items = items.filter((t) => {
          if (filters.tstatus && filters.tstatus !== t.tstatus) return false;
          if (filters.rerunStatus && filters.rerunStatus !== t.rerunStatus) return false;
          // hasErrors tests a field that does not exist: 'yes' matches nothing, 'no' everything
          if (filters.hasErrors === 'yes' && !t.hasErrors) return false;
          if (filters.hasErrors === 'no' && t.hasErrors) return false;
          return true;
        });
      }
      const page = items.slice(skip, skip + parseInt(filterLimit as string, 10));
      return jsonReply(200, serializeTask(doc, 'detail', page, items.length));
    } catch (e) {
      return textReply(500, `Could not fetch Task by ID ${isMaster ? id : '{taskId}'} via the API: ${String(e)}`);
    }
  };

  const addTask = (req: RecordedRequest, auth: Auth): Reply => {
    const parsed = parseBody(req);
    if (!parsed.ok) return parsed.reply;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const body: any = parsed.value;
    try {
      const remaining: number = body.tids.length;
      let batchSize: unknown;
      if (body.batchSize != null) {
        if (body.batchSize <= 0) return textReply(400, 'Invalid batch size specified');
        batchSize = body.batchSize;
      }
      const tids: unknown[] = Array.from(body.tids as ArrayLike<unknown>);
      for (const tid of tids) if (!isObjectIdString(tid)) throw castError(tid, 'Transaction');
      if (!isAdmin(auth.user)) {
        return textReply(
          403,
          isMaster ? 'User is not authorised to create rerun tasks for any channel' : 'Insufficient permissions prevents this rerun task from being created',
        );
      }
      let batch = 1;
      if (batchSize !== undefined) {
        const n = typeof batchSize === 'number' ? batchSize : typeof batchSize === 'string' && batchSize.trim() !== '' ? Number(batchSize) : typeof batchSize === 'boolean' ? Number(batchSize) : NaN;
        if (!Number.isFinite(n)) {
          const shown = typeof batchSize === 'string' ? batchSize : JSON.stringify(batchSize);
          throw new NamedError(
            'ValidationError',
            `batchSize: Cast to Number failed for value "${shown}"${is405 ? '' : ` (type ${typeof batchSize})`} at path "batchSize"`,
          );
        }
        batch = n;
      }
      const doc = createTask({
        tids: (tids as string[]).map((t) => t.toLowerCase()),
        user: auth.user.email,
        batchSize: batch,
        status: body.paused ? 'Paused' : 'Queued',
      });
      doc.remainingTransactions = remaining;
      return textReply(201, `User ${auth.user.email} created task with id ${doc._id}`);
    } catch (e) {
      return textReply(500, `Could not add Task via the API: ${String(e)}`);
    }
  };

  const updateTask = (req: RecordedRequest, auth: Auth, id: string): Reply => {
    if (!isAdmin(auth.user)) return notAdmin(auth.user, 'updateTask');
    const parsed = parseBody(req);
    if (!parsed.ok) return parsed.reply;
    const update = bodyObject(parsed.value);
    delete update._id;
    try {
      if (!isObjectIdString(id)) throw castError(id, 'Task');
      const doc = tasks.get(id.toLowerCase());
      if (!doc) return isMaster ? notFoundTask(id) : textReply(200, 'The Task was successfully updated');
      Object.assign(doc, update); // no validation, no state machine
      return textReply(200, 'The Task was successfully updated');
    } catch (e) {
      return textReply(500, `Could not update Task by ID {taskId} via the API: ${String(e)}`);
    }
  };

  const removeTask = (auth: Auth, id: string): Reply => {
    if (!isAdmin(auth.user)) return notAdmin(auth.user, 'removeTask');
    try {
      if (!isObjectIdString(id)) throw castError(id, 'Task');
      const key = id.toLowerCase();
      if (!tasks.has(key) && isMaster) return notFoundTask(id);
      tasks.delete(key);
      return textReply(200, 'The Task was successfully deleted');
    } catch (e) {
      return textReply(500, `Could not remove Task by ID {taskId} via the API: ${String(e)}`);
    }
  };

  const getTransactions = (req: RecordedRequest): Reply => {
    try {
      const filterLimit = q(req, 'filterLimit');
      const skip = jsMul(q(req, 'filterPage'), filterLimit);
      const rep = q(req, 'filterRepresentation') ?? '';
      const raw = q(req, 'filters');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const filters: any = Object.assign({}, raw != null ? JSON.parse(raw) : {});
      if (is405 && q(req, 'channelID') !== undefined) filters.channelID = q(req, 'channelID');
      if (filters['request.timestamp']) filters['request.timestamp'] = JSON.parse(filters['request.timestamp']);
      for (const key of ['request.path', 'request.querystring', 'routes.request.path', 'routes.request.querystring', 'orchestrations.request.path', 'orchestrations.request.querystring']) {
        if (filters[key]) filters[key] = new RegExp(filters[key], 'i');
      }
      for (const key of ['response.status', 'routes.response.status', 'orchestrations.response.status']) {
        const v = filters[key];
        if (typeof v === 'string' && /^[1-5]xx$/i.test(v)) filters[key] = { $gte: Number(v[0]) * 100, $lt: Number(v[0]) * 100 + 100 };
      }
      if (isPlainObject(filters.properties)) {
        const key = Object.keys(filters.properties)[0];
        if (key !== undefined) filters[`properties.${key}`] = filters.properties[key] === null ? { $exists: true } : filters.properties[key];
        delete filters.properties;
      }
      if (filters.childIDs) filters.childIDs = JSON.parse(filters.childIDs);
      let list = [...transactions.values()].filter((t) => matchesQuery(t, filters));
      list.sort((a, b) => Date.parse(b.request.timestamp) - Date.parse(a.request.timestamp) || (b._id < a._id ? -1 : b._id > a._id ? 1 : 0));
      if (rep === 'bulkrerun' && !is405) return jsonReply(200, { count: list.length });
      const limit = parseInt(filterLimit as string, 10);
      if (Number.isFinite(skip) && skip > 0) list = list.slice(skip);
      if (Number.isFinite(limit) && limit !== 0) list = list.slice(0, Math.abs(limit));
      return jsonReply(200, list.map((t) => simpleTransaction(t, rep)));
    } catch (e) {
      return textReply(500, `Could not retrieve transactions via the API: ${String(e)}`);
    }
  };

  const getTransaction = (req: RecordedRequest, id: string): Reply => {
    try {
      if (!isObjectIdString(id)) throw castError(id, 'Transaction');
      const t = transactions.get(id.toLowerCase());
      if (!t) return textReply(404, `Could not find transaction with ID: ${id}`);
      return jsonReply(200, simpleTransaction(t, q(req, 'filterRepresentation') || 'full'));
    } catch (e) {
      return textReply(500, `Could not get transaction by ID via the API: ${String(e)}`);
    }
  };

  const postTransaction = (req: RecordedRequest, auth: Auth): Reply => {
    if (!isAdmin(auth.user)) return notAdmin(auth.user, 'addTransaction');
    const parsed = parseBody(req);
    if (!parsed.ok) return parsed.reply;
    const b = bodyObject(parsed.value) as Record<string, unknown> & { request?: Partial<TransactionDoc['request']> };
    addTransaction({
      status: typeof b.status === 'string' ? b.status : undefined,
      channelID: typeof b.channelID === 'string' ? b.channelID : undefined,
      clientID: typeof b.clientID === 'string' ? b.clientID : undefined,
      canRerun: typeof b.canRerun === 'boolean' ? b.canRerun : undefined,
      request: isPlainObject(b.request) ? b.request : undefined,
      timestamp: isPlainObject(b.request) && typeof b.request.timestamp === 'string' ? b.request.timestamp : undefined,
    });
    // the handler sets only the status: koa's default body, or the Basic-auth body written before routing
    return textReply(201, auth.scheme === 'basic' && !is405 ? TEXT_AUTH_OK : 'Created');
  };

  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };

  /** routes behind authentication; undefined = no such route */
  const route = (req: RecordedRequest, auth: Auth): Reply | undefined => {
    const { method, path } = req;
    let m: RegExpExecArray | null;
    if (path === '/about' && method === 'GET') {
      return jsonReply(200, { currentCoreVersion: is405 ? '4.0.5' : '8.5.0', serverTimezone: 'Africa/Abidjan' });
    }
    if (path === '/authentication/types' && method === 'GET' && !is405) {
      return jsonReply(200, ['mutual-tls-auth', 'basic-auth']);
    }
    if (path === '/tasks') {
      if (method === 'GET') return getTasks(req, auth);
      if (method === 'POST') return addTask(req, auth);
    }
    if ((m = /^\/tasks\/([^/]+)$/.exec(path))) {
      const id = decode(m[1]);
      if (method === 'GET') return getTask(req, id);
      if (method === 'PUT') return updateTask(req, auth, id);
      if (method === 'DELETE') return removeTask(auth, id);
    }
    if (path === '/transactions') {
      if (method === 'GET') return getTransactions(req);
      if (method === 'POST') return postTransaction(req, auth);
    }
    if ((m = /^\/transactions\/([^/]+)$/.exec(path)) && method === 'GET') return getTransaction(req, decode(m[1]));
    if (path === '/bulkrerun' && method === 'POST' && !is405) {
      const parsed = parseBody(req);
      if (!parsed.ok) return parsed.reply;
      bulkReruns.push({ user: auth.user.email, body: parsed.value });
      return jsonReply(200, { success: true, message: 'Tasks created for bulk rerun of transactions' });
    }
    return undefined;
  };

  /** public routes (before authentication); undefined = not public */
  const publicRoute = (req: RecordedRequest): { reply: Reply; cookies?: string[] } | undefined => {
    const { method, path } = req;
    let m: RegExpExecArray | null;
    if (path === '/heartbeat' && method === 'GET') {
      return { reply: jsonReply(200, { master: (performance.now() - started) / 1000, now: now() }) };
    }
    if ((m = /^\/authenticate\/([^/]+)$/.exec(path)) && method === 'GET' && m[1] !== 'local' && m[1] !== 'openid') {
      const email = decode(m[1]);
      const user = findUserCI(email);
      if (!user) return { reply: textReply(404, `Could not find user by email ${email}`) };
      if (!hasTokenPassport(user)) return { reply: textReply(404, `Could not find token passport for user ${email}`) };
      return { reply: jsonReply(200, { salt: user.salt, ts: isoNow() }) };
    }
    if (is405) return undefined;
    if (path === '/authenticate/local' && method === 'POST') {
      if (!authTypes.has('local')) return { reply: textReply(401, 'Unauthorized') };
      const parsed = parseBody(req);
      if (!parsed.ok) return { reply: parsed.reply };
      const b = bodyObject(parsed.value);
      const user = users.find((u) => u.email === b.username);
      if (!user || user.password !== b.password) return { reply: textReply(401, 'Unauthorized') };
      return { reply: jsonReply(200, { result: 'User authenticated successfully', user: userJson(user) }), cookies: newSession(user) };
    }
    if (path === '/me' && method === 'GET') {
      const user = sessionUser(req);
      if (!user) return { reply: textReply(404, 'Not authenticated') };
      return { reply: jsonReply(200, { user: userJson(user) }) };
    }
    return undefined;
  };

  const handle = (req: RecordedRequest): Reply => {
    const injected = fake.intercept?.(req);
    if (injected) return { ...injected, ...(latencyMs > 0 ? { delayMs: latencyMs } : {}) };
    let reply: Reply;
    let cookies: string[] | undefined;
    const pub = publicRoute(req);
    if (pub) {
      reply = pub.reply;
      cookies = pub.cookies;
    } else {
      const auth = authenticate(req);
      if (!auth) reply = textReply(401, 'Unauthorized');
      else {
        if (auth.scheme === 'token' && !is405) cookies = newSession(auth.user);
        reply = route(req, auth) ?? (auth.scheme === 'basic' && !is405 ? textReply(200, TEXT_AUTH_OK) : textReply(404, 'Not Found'));
      }
    }
    const headers: Record<string, string | string[]> = { ...(reply.headers ?? {}) };
    if (!is405) headers['vary'] = 'Origin';
    if (cookies) headers['set-cookie'] = cookies;
    return { ...reply, headers, ...(latencyMs > 0 ? { delayMs: latencyMs } : {}) };
  };

  const server = await startServer(handle, { tls: options.tls, hostname: options.hostname, lifetimeMs: options.lifetimeMs, ...options.serve });
  if (mode === 'auto') startTimer();

  const fake: FakeOpenhim = {
    url: server.url,
    port: server.port,
    requests: server.requests,
    close: async () => {
      stopTimer();
      await server.close();
    },
    flavor,
    tasks,
    transactions,
    bulkReruns,
    processor,
    runUntilIdle,
    createTask,
    addTransaction,
    setOutcome: (tid, rerunStatus) => void outcomes.set(tid.toLowerCase(), rerunStatus),
    addUser,
    now,
    snapshot,
    load,
  };
  return fake;
}

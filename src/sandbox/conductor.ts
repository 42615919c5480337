/**
 * Fake Orkes Conductor server (and Conductor OSS when `mode: 'oss'`) for the `conductor` tree's tests.
 *
 * Orkes mode
 *  - `POST /api/token {keyId, keySecret[, expiration]}` → `{"token":"<JWT>"}`; key and secret are compared
 *    exactly (the client must trim). Wrong pair → 401 auth-error body `{message, error:"INVALID_TOKEN", timestamp}`.
 *  - Every other `/api/*` route needs `X-Authorization: <token>` (no `Bearer`): missing → 401 "Token cannot be null
 *    or empty"; unknown or revoked → 401 INVALID_TOKEN; expired (JWT `exp` passed, or `expireAllTokens()`) → 401
 *    EXPIRED_TOKEN. Routes the server lacks → Spring default 404; known path + wrong method → 405 ErrorResponse.
 *  - Human tasks under `/api/human` (see the fact sheet §3): search, get, claim (+ externalUser), release, reassign,
 *    skip, update by id, update by taskRef, conductorTask, getTaskDisplayNames, templates.
 *
 * OSS mode: no auth at all; `/api/token*` and `/api/human/*` are routes it lacks.
 *
 * A route the server lacks (`unknownRoute`, both modes; providers/conductor.md §6): `spring` (default) answers
 * Spring's default `{timestamp, status:404, error:"Not Found", path}` as older OSS does; `no-static-404` and
 * `no-static-500` answer the ErrorResponse `{status, message:"No static resource api/human/….", instance,
 * retryable:false}` as current OSS does (Spring 6.1+ NoResourceFoundException through Conductor's
 * ApplicationExceptionMapper: 404, or 500 on versions whose mapper lacks that exception).
 *
 * Both modes: a small workflow store for `POST /api/tasks/{wf}/{ref}/{status}/sync` (Workflow JSON, 404 when no
 * running task matched), the async `POST /api/tasks/{wf}/{ref}/{status}` (text task id; on OSS 200 with an EMPTY
 * body when nothing matched, bug conductor-oss/conductor#783; on Orkes a 404 ErrorResponse), an invalid
 * `{status}` → 500, `GET /api/workflow/{id}` and `GET /api/tasks/{taskId}` (204 when unknown). `/sync` on an
 * unknown workflow → 404 "No such workflow found by id: <wf>" (what OSS's workflow lookup throws).
 *
 * Search semantics (documented choice of this fake):
 *  - INBOX = tasks whose assignee is the caller (`CONDUCTOR_USER` `callerUser`, or a `CONDUCTOR_GROUP` listed in
 *    `callerGroups`) or whose claimant is the caller. Unassigned tasks are not in the inbox.
 *  - ADMIN = every task; 403 when `admin: false`.
 *  - Filters: states, assignees, claimants (HumanTaskUser, `*` wildcard in `user`, `userType` optional),
 *    definitionNames, displayNames, taskRefNames, workflowIds, workflowNames. Results keep insertion order.
 *  - Page: `start` (default 0), `size` (default 15), `pageSizeLimit = min(size, maxPageSize)`.
 *
 * Update by taskRef: `iteration` values (repeated keys) form an iteration path: `iteration=0&iteration=1` targets
 * the task added with `iteration: [0, 1]`, and `iteration=2` the task added with `iteration: 2`. Without
 * `iteration`, the task with the highest iteration wins. No match → 404 ErrorResponse; terminal match → 400.
 *
 * Skip moves to the next assignee of the task's assignment chain (`__humanTaskDefinition.assignments`, or the one
 * given `assignee`); when the chain is exhausted the task is left open (LEAVE_OPEN): PENDING with no assignee.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { jsonReply, startServer, type FakeServer, type RecordedRequest, type Reply, type StartOptions } from './server.js';

export type HumanTaskState = 'PENDING' | 'ASSIGNED' | 'IN_PROGRESS' | 'COMPLETED' | 'TIMED_OUT' | 'DELETED';
export type HumanTaskUserType = 'EXTERNAL_USER' | 'EXTERNAL_GROUP' | 'CONDUCTOR_USER' | 'CONDUCTOR_GROUP';

export interface HumanTaskUser {
  user: string;
  userType: HumanTaskUserType;
}

export interface HumanTaskAssignment {
  assignee: HumanTaskUser;
  slaMinutes: number;
}

export interface HumanTaskEntry {
  taskId: string;
  state: HumanTaskState;
  definitionName: string;
  displayName: string;
  taskRefName: string;
  workflowId: string;
  workflowName: string;
  assignee?: HumanTaskUser;
  claimant?: HumanTaskUser;
  createdBy?: string;
  updatedBy?: string;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  humanTaskDef?: Record<string, unknown>;
  ownerApp?: string;
  createdOn: number;
  updatedOn: number;
}

/** what `addTask` accepts: any entry field, plus the loop iteration (a number, or a path for nested loops) */
export type NewHumanTask = Partial<HumanTaskEntry> & { iteration?: number | number[] };

export interface HumanTaskTemplate {
  name: string;
  version: number;
  jsonSchema?: Record<string, unknown>;
  templateUI?: Record<string, unknown>;
  [key: string]: unknown;
}

export type ConductorTaskStatus =
  | 'SCHEDULED'
  | 'IN_PROGRESS'
  | 'COMPLETED'
  | 'FAILED'
  | 'FAILED_WITH_TERMINAL_ERROR'
  | 'CANCELED'
  | 'SKIPPED'
  | 'TIMED_OUT'
  | 'COMPLETED_WITH_ERRORS';

export interface ConductorTask {
  taskId: string;
  taskType: string;
  status: ConductorTaskStatus;
  referenceTaskName: string;
  workflowInstanceId: string;
  iteration: number;
  inputData: Record<string, unknown>;
  outputData: Record<string, unknown>;
  workerId?: string;
  updateTime: number;
}

export type WorkflowStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'TERMINATED' | 'PAUSED';

export interface ConductorWorkflow {
  workflowId: string;
  workflowName: string;
  status: WorkflowStatus;
  tasks: ConductorTask[];
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  createTime: number;
  updateTime: number;
}

export interface NewWorkflow {
  workflowId?: string;
  workflowName?: string;
  status?: WorkflowStatus;
  input?: Record<string, unknown>;
  tasks?: Array<Partial<ConductorTask>>;
}

/** one state-changing human-task call the fake accepted, in order */
export interface HumanAction {
  action: 'claim' | 'release' | 'reassign' | 'skip' | 'update';
  taskId: string;
  /** skip: the `reason` query (null when absent) */
  reason?: string | null;
  /** reassign: the body */
  assignments?: HumanTaskAssignment[];
  /** update: the body and the `complete` flag; `byRef` for the taskRef route */
  output?: Record<string, unknown>;
  complete?: boolean;
  byRef?: boolean;
  /** claim: whether overrideAssignment was set */
  override?: boolean;
}

export interface ConductorOptions {
  mode?: 'orkes' | 'oss';
  keyId?: string;
  keySecret?: string;
  /** lifetime of minted tokens (JWT `exp` = now + this); default 3600; may be ≤ 0 to mint already-expired tokens */
  tokenTtlSeconds?: number;
  /** mint JWTs without an `exp` claim */
  noExp?: boolean;
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** delay before every answer */
  latencyMs?: number;
  /** the user the token belongs to (INBOX owner, claimant on claim); default `user-1` */
  callerUser?: string;
  callerName?: string;
  /** CONDUCTOR_GROUP ids the caller belongs to (for INBOX); default [] */
  callerGroups?: string[];
  /** cluster admin? default true. When false: ADMIN search → 403; acting on others' tasks → 403 */
  admin?: boolean;
  /** cap for `pageSizeLimit`; default 1000 */
  maxPageSize?: number;
  /** how a route the server lacks is answered (see the header comment); default `spring` */
  unknownRoute?: 'spring' | 'no-static-404' | 'no-static-500';
  /** the ErrorResponse `instance`; default `fake-conductor` */
  instance?: string;
  lifetimeMs?: number;
  hostname?: string;
  /** the sandbox's server settings: fixed port, no recording, injected faults (see server.ts) */
  serve?: Pick<StartOptions, 'port' | 'record' | 'faults' | 'transaction'>;
  /** start from this saved state (the sandbox's state file) */
  state?: ConductorSnapshot;
}

/** Everything the emulator holds (but tokens), as plain JSON: what the sandbox saves between commands. */
export interface ConductorSnapshot {
  tasks: HumanTaskEntry[];
  iterations: Record<string, number[]>;
  meta: Record<string, unknown>;
  templates: HumanTaskTemplate[];
  workflows: ConductorWorkflow[];
}

export interface FakeConductor extends FakeServer {
  mode: 'orkes' | 'oss';
  keyId: string;
  keySecret: string;
  callerUser: string;
  /** live human-task entries by id (mutations by the server are visible here) */
  tasks: Map<string, HumanTaskEntry>;
  /** iteration path of each human task */
  iterations: Map<string, number[]>;
  templates: HumanTaskTemplate[];
  workflows: Map<string, ConductorWorkflow>;
  /** every accepted state-changing human-task call */
  actions: HumanAction[];
  /** every token minted, in order */
  issuedTokens: string[];
  addTask(partial?: NewHumanTask): HumanTaskEntry;
  addTemplate(t: HumanTaskTemplate): HumanTaskTemplate;
  addWorkflow(w?: NewWorkflow): ConductorWorkflow;
  /** every token issued so far answers EXPIRED_TOKEN from now on (tokens minted later are fine) */
  expireAllTokens(): void;
  /** this token answers INVALID_TOKEN from now on */
  revokeToken(token: string): void;
  /** the next n requests (any route) answer `status` with these headers and body (default an ErrorResponse) */
  failNext(n: number, status: number, headers?: Record<string, string>, body?: unknown): void;
  /** the number of `POST /api/token` requests received */
  tokenRequests(): number;
  snapshot(): ConductorSnapshot;
  /** replaces what snapshot() holds with a snapshot's (the sandbox, before each request) */
  load(state: ConductorSnapshot): void;
}

const STATES: readonly HumanTaskState[] = ['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'COMPLETED', 'TIMED_OUT', 'DELETED'];
const TERMINAL_STATES: readonly HumanTaskState[] = ['COMPLETED', 'TIMED_OUT', 'DELETED'];
const USER_TYPES: readonly HumanTaskUserType[] = ['EXTERNAL_USER', 'EXTERNAL_GROUP', 'CONDUCTOR_USER', 'CONDUCTOR_GROUP'];
const TASK_RESULT_STATUSES = ['IN_PROGRESS', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR', 'COMPLETED'] as const;
const TERMINAL_TASK_STATUSES: readonly ConductorTaskStatus[] = [
  'COMPLETED',
  'FAILED',
  'FAILED_WITH_TERMINAL_ERROR',
  'CANCELED',
  'SKIPPED',
  'TIMED_OUT',
  'COMPLETED_WITH_ERRORS',
];

interface TokenInfo {
  expMs: number | null;
  expired: boolean;
  revoked: boolean;
}

interface TaskMeta {
  chain: HumanTaskAssignment[];
  chainIndex: number;
}

interface Ctx {
  req: RecordedRequest;
  params: Record<string, string>;
}

interface Route {
  method: string;
  pattern: string[];
  handle: (ctx: Ctx) => Reply;
}

class HttpError extends Error {
  constructor(public reply: Reply) {
    super('http error');
  }
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(value);
}

function compareIterations(a: number[], b: number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

export async function startConductor(options: ConductorOptions = {}): Promise<FakeConductor> {
  const mode = options.mode ?? 'orkes';
  const keyId = options.keyId ?? 'key-1';
  const keySecret = options.keySecret ?? 'secret-1';
  const ttlSeconds = options.tokenTtlSeconds ?? 3600;
  const callerUser = options.callerUser ?? 'user-1';
  const callerName = options.callerName ?? 'User One';
  const callerGroups = options.callerGroups ?? [];
  const admin = options.admin ?? true;
  const maxPageSize = options.maxPageSize ?? 1000;
  const instance = options.instance ?? 'fake-conductor';
  const unknownRoute = options.unknownRoute ?? 'spring';

  const tokens = new Map<string, TokenInfo>();
  const issuedTokens: string[] = [];
  const tasks = new Map<string, HumanTaskEntry>();
  const iterations = new Map<string, number[]>();
  const meta = new Map<string, TaskMeta>();
  const templates: HumanTaskTemplate[] = [];
  const workflows = new Map<string, ConductorWorkflow>();
  const actions: HumanAction[] = [];
  let tokenSeq = 0;
  let fail: { remaining: number; status: number; headers: Record<string, string>; body: unknown } = {
    remaining: 0,
    status: 0,
    headers: {},
    body: undefined,
  };

  // ---------- reply helpers ----------
  const errorResponse = (status: number, message: string, extra: Record<string, unknown> = {}): Reply =>
    jsonReply(status, { status, message, instance, retryable: false, ...extra });
  const validationError = (errors: Array<{ path: string; message: string; invalidValue?: unknown }>): Reply =>
    errorResponse(400, 'Validation failed, check below errors for detail.', {
      validationErrors: errors.map((e) => ({ path: e.path, message: e.message, invalidValue: e.invalidValue ?? null })),
    });
  const authError = (message: string, error: 'INVALID_TOKEN' | 'EXPIRED_TOKEN', status = 401): Reply =>
    jsonReply(status, { message, error, timestamp: Date.now() });
  const springError = (status: number, error: string, path: string): Reply =>
    jsonReply(status, { timestamp: new Date().toISOString().replace('Z', '+00:00'), status, error, path });
  const empty = (): Reply => ({ status: 200 });
  const fail400 = (message: string): never => {
    throw new HttpError(errorResponse(400, message));
  };

  // ---------- body / query parsing ----------
  function parseJson(req: RecordedRequest): unknown {
    if (req.body.trim() === '') return undefined;
    try {
      return JSON.parse(req.body) as unknown;
    } catch (err) {
      throw new HttpError(errorResponse(400, `JSON parse error: ${(err as Error).message}`));
    }
  }
  function boolParam(req: RecordedRequest, name: string): boolean {
    const v = req.query.get(name);
    if (v === null || v === '') return false;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new HttpError(
      errorResponse(400, `Failed to convert value of type 'java.lang.String' to required type 'boolean'; Invalid boolean value [${v}]`),
    );
  }
  function requireObjectBody(req: RecordedRequest): Record<string, unknown> {
    const body = parseJson(req);
    if (!isObject(body)) {
      throw new HttpError(
        validationError([{ path: 'body', message: 'must be a JSON object of form fields', invalidValue: body ?? null }]),
      );
    }
    return body;
  }

  // ---------- tokens ----------
  function mintToken(expirationMs?: number): string {
    tokenSeq += 1;
    const nowS = Math.floor(Date.now() / 1000);
    let expMs: number | null;
    if (expirationMs !== undefined) expMs = expirationMs < 0 ? null : Date.now() + expirationMs;
    else expMs = options.noExp ? null : (nowS + ttlSeconds) * 1000;
    const payload: Record<string, unknown> = { sub: keyId, iss: 'fake-conductor', iat: nowS, jti: `t${tokenSeq}` };
    if (expMs !== null) payload.exp = Math.floor(expMs / 1000);
    const token = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.${b64url(randomBytes(32))}`;
    tokens.set(token, { expMs, expired: false, revoked: false });
    issuedTokens.push(token);
    return token;
  }

  function checkAuth(req: RecordedRequest): Reply | null {
    const raw = req.headers['x-authorization'];
    const token = Array.isArray(raw) ? raw[0] : raw;
    if (token === undefined || token === '') return authError('Token cannot be null or empty', 'INVALID_TOKEN');
    const info = tokens.get(token);
    if (!info || info.revoked) return authError('Invalid token', 'INVALID_TOKEN');
    if (info.expired || (info.expMs !== null && Date.now() >= info.expMs)) return authError('Token has expired', 'EXPIRED_TOKEN');
    return null;
  }

  function handleMint(req: RecordedRequest): Reply {
    const body = parseJson(req);
    if (!isObject(body)) return validationError([{ path: 'body', message: 'must not be null' }]);
    const errs: Array<{ path: string; message: string }> = [];
    if (typeof body.keyId !== 'string' || body.keyId === '') errs.push({ path: 'keyId', message: 'must not be blank' });
    if (typeof body.keySecret !== 'string' || body.keySecret === '') errs.push({ path: 'keySecret', message: 'must not be blank' });
    if (errs.length) return validationError(errs);
    if (body.keyId !== keyId || body.keySecret !== keySecret) return authError('Invalid Access Key', 'INVALID_TOKEN');
    const expiration = typeof body.expiration === 'number' ? body.expiration : undefined;
    return jsonReply(200, { token: mintToken(expiration) });
  }

  // ---------- human task store ----------
  function addTask(partial: NewHumanTask = {}): HumanTaskEntry {
    const { iteration, ...p } = partial;
    const now = Date.now();
    const taskId = p.taskId ?? randomUUID();
    const displayName = p.displayName ?? 'Approval';
    const givenDef = isObject(p.input?.__humanTaskDefinition) ? (p.input.__humanTaskDefinition as Record<string, unknown>) : undefined;
    let chain: HumanTaskAssignment[] = [];
    if (givenDef && Array.isArray(givenDef.assignments)) chain = clone(givenDef.assignments as HumanTaskAssignment[]);
    else if (p.assignee) chain = [{ assignee: clone(p.assignee), slaMinutes: 0 }];
    const def: Record<string, unknown> = givenDef ?? {
      assignments: clone(chain),
      assignmentCompletionStrategy: 'LEAVE_OPEN',
      displayName,
      userFormTemplate: { name: 'approval_form', version: 1 },
      taskTriggers: [],
    };
    const state: HumanTaskState = p.state ?? (p.claimant ? 'IN_PROGRESS' : p.assignee ? 'ASSIGNED' : 'PENDING');
    const entry: HumanTaskEntry = {
      taskId,
      state,
      definitionName: p.definitionName ?? 'approval',
      displayName,
      taskRefName: p.taskRefName ?? 'approval_ref',
      workflowId: p.workflowId ?? 'wf-1',
      workflowName: p.workflowName ?? 'approval_flow',
      ...(p.assignee ? { assignee: clone(p.assignee) } : {}),
      ...(p.claimant ? { claimant: clone(p.claimant) } : {}),
      createdBy: p.createdBy ?? 'system',
      updatedBy: p.updatedBy ?? 'system',
      input: {
        ...(p.input ?? {}),
        __humanTaskDefinition: def,
        __humanTaskProcessContext: isObject(p.input?.__humanTaskProcessContext)
          ? p.input.__humanTaskProcessContext
          : { state, assigneeIndex: 0, actionLog: [] },
      },
      output: p.output ?? {},
      humanTaskDef: p.humanTaskDef ?? clone(def),
      ...(p.ownerApp ? { ownerApp: p.ownerApp } : {}),
      createdOn: p.createdOn ?? now,
      updatedOn: p.updatedOn ?? p.createdOn ?? now,
    };
    tasks.set(taskId, entry);
    iterations.set(taskId, iteration === undefined ? [0] : Array.isArray(iteration) ? [...iteration] : [iteration]);
    meta.set(taskId, { chain, chainIndex: 0 });
    return entry;
  }

  function touch(entry: HumanTaskEntry, action: string): void {
    entry.updatedOn = Math.max(Date.now(), entry.updatedOn + 1);
    entry.updatedBy = callerUser;
    const ctx = entry.input.__humanTaskProcessContext;
    if (isObject(ctx)) {
      ctx.state = entry.state;
      ctx.assigneeIndex = meta.get(entry.taskId)?.chainIndex ?? 0;
      if (Array.isArray(ctx.actionLog)) ctx.actionLog.push({ action, user: callerUser, time: entry.updatedOn });
    }
  }

  function isCaller(u: HumanTaskUser | undefined): boolean {
    if (!u) return false;
    if (u.userType === 'CONDUCTOR_USER') return u.user === callerUser;
    if (u.userType === 'CONDUCTOR_GROUP') return callerGroups.includes(u.user);
    return false;
  }

  function view(entry: HumanTaskEntry, withTemplate: boolean): HumanTaskEntry {
    const out = clone(entry);
    if (withTemplate && out.humanTaskDef) {
      const t = templateFor(entry);
      if (t) out.humanTaskDef.fullTemplate = clone(t);
    }
    return out;
  }

  function templateFor(entry: HumanTaskEntry): HumanTaskTemplate | undefined {
    const ref = (entry.humanTaskDef ?? {}).userFormTemplate;
    if (!isObject(ref)) return undefined;
    return findTemplate(String(ref.name), typeof ref.version === 'number' ? ref.version : undefined);
  }

  function findTemplate(name: string, version?: number): HumanTaskTemplate | undefined {
    const byName = templates.filter((t) => t.name === name);
    if (version !== undefined) return byName.find((t) => t.version === version);
    return byName.sort((a, b) => b.version - a.version)[0];
  }

  /** human routes with a taskId: unknown id → 400 (or 404 for get), documented per endpoint */
  function taskOr(id: string, status: 400 | 404): HumanTaskEntry {
    const t = tasks.get(id);
    if (!t) throw new HttpError(errorResponse(status, `Human task not found: ${id}`));
    return t;
  }
  function forbidUnless(ok: boolean, what: string): void {
    if (!admin && !ok) throw new HttpError(errorResponse(403, `User ${callerUser} is not allowed to ${what} this task`));
  }
  function notTerminal(entry: HumanTaskEntry): void {
    if (TERMINAL_STATES.includes(entry.state)) fail400(`Task ${entry.taskId} is already in terminal state ${entry.state}`);
  }

  function parseUser(v: unknown, path: string, errs: Array<{ path: string; message: string; invalidValue?: unknown }>): HumanTaskUser | null {
    if (!isObject(v)) {
      errs.push({ path, message: 'must be an object {user,userType}', invalidValue: v ?? null });
      return null;
    }
    if (typeof v.user !== 'string' || v.user === '') errs.push({ path: `${path}.user`, message: 'must not be blank', invalidValue: v.user ?? null });
    if (v.userType !== undefined && !USER_TYPES.includes(v.userType as HumanTaskUserType))
      errs.push({ path: `${path}.userType`, message: `must be one of ${USER_TYPES.join(', ')}`, invalidValue: v.userType });
    return { user: String(v.user), userType: v.userType as HumanTaskUserType };
  }

  function userMatches(filters: HumanTaskUser[], u: HumanTaskUser | undefined): boolean {
    if (!u) return false;
    return filters.some((f) => (f.userType === undefined || f.userType === u.userType) && globMatch(f.user, u.user));
  }

  // ---------- human handlers ----------
  function search({ req }: Ctx): Reply {
    const body = parseJson(req);
    if (!isObject(body)) return validationError([{ path: 'body', message: 'must not be null', invalidValue: body ?? null }]);
    const errs: Array<{ path: string; message: string; invalidValue?: unknown }> = [];
    const st = body.searchType;
    if (st === undefined || st === null) errs.push({ path: 'searchType', message: 'must not be null' });
    else if (st !== 'ADMIN' && st !== 'INBOX') errs.push({ path: 'searchType', message: 'must be ADMIN or INBOX', invalidValue: st });
    const start = body.start ?? 0;
    const size = body.size ?? 15;
    if (!Number.isInteger(start) || (start as number) < 0) errs.push({ path: 'start', message: 'must be a non-negative integer', invalidValue: start });
    if (!Number.isInteger(size) || (size as number) < 1) errs.push({ path: 'size', message: 'must be a positive integer', invalidValue: size });
    const strList = (name: string): string[] | null => {
      const v = body[name];
      if (v === undefined || v === null) return null;
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
        errs.push({ path: name, message: 'must be an array of strings', invalidValue: v });
        return null;
      }
      return v.length ? (v as string[]) : null;
    };
    const userList = (name: string): HumanTaskUser[] | null => {
      const v = body[name];
      if (v === undefined || v === null) return null;
      if (!Array.isArray(v)) {
        errs.push({ path: name, message: 'must be an array of HumanTaskUser', invalidValue: v });
        return null;
      }
      const users = v.map((x, i) => parseUser(x, `${name}[${i}]`, errs)).filter((x): x is HumanTaskUser => x !== null);
      return users.length ? users : null;
    };
    const states = strList('states');
    for (const s of states ?? []) if (!STATES.includes(s as HumanTaskState)) errs.push({ path: 'states', message: 'unknown state', invalidValue: s });
    const assignees = userList('assignees');
    const claimants = userList('claimants');
    const lists: Array<[string, keyof HumanTaskEntry]> = [
      ['definitionNames', 'definitionName'],
      ['displayNames', 'displayName'],
      ['taskRefNames', 'taskRefName'],
      ['workflowIds', 'workflowId'],
      ['workflowNames', 'workflowName'],
    ];
    const listFilters = lists.map(([name, field]) => [strList(name), field] as const);
    if (errs.length) return validationError(errs);
    if (st === 'ADMIN' && !admin) return errorResponse(403, `User ${callerUser} is not a cluster admin`);

    const matched = [...tasks.values()].filter((t) => {
      if (st === 'INBOX' && !isCaller(t.assignee) && !isCaller(t.claimant)) return false;
      if (states && !states.includes(t.state)) return false;
      if (assignees && !userMatches(assignees, t.assignee)) return false;
      if (claimants && !userMatches(claimants, t.claimant)) return false;
      for (const [values, field] of listFilters) if (values && !values.includes(String(t[field]))) return false;
      return true;
    });
    const pageSizeLimit = Math.min(size as number, maxPageSize);
    const page = matched.slice(start as number, (start as number) + pageSizeLimit);
    return jsonReply(200, {
      totalHits: matched.length,
      hits: page.length,
      start,
      pageSizeLimit,
      results: page.map((t) => view(t, false)),
    });
  }

  function getTask({ req, params }: Ctx): Reply {
    const t = taskOr(params.id, 404);
    forbidUnless(isCaller(t.assignee) || isCaller(t.claimant), 'read');
    return jsonReply(200, view(t, boolParam(req, 'withTemplate')));
  }

  function claimAs(req: RecordedRequest, id: string, claimant: HumanTaskUser): Reply {
    const t = taskOr(id, 400);
    const override = boolParam(req, 'overrideAssignment');
    const withTemplate = boolParam(req, 'withTemplate');
    forbidUnless(isCaller(t.assignee), 'claim');
    notTerminal(t);
    if (t.state === 'IN_PROGRESS' && !override)
      fail400(`Task ${id} is already claimed${t.claimant ? ` by ${t.claimant.user}` : ''} (IN_PROGRESS)`);
    t.state = 'IN_PROGRESS';
    t.claimant = claimant;
    touch(t, 'CLAIM');
    actions.push({ action: 'claim', taskId: id, override });
    return jsonReply(200, view(t, withTemplate));
  }

  function claim({ req, params }: Ctx): Reply {
    return claimAs(req, params.id, { user: callerUser, userType: 'CONDUCTOR_USER' });
  }

  function claimExternal({ req, params }: Ctx): Reply {
    return claimAs(req, params.id, { user: params.userId, userType: 'EXTERNAL_USER' });
  }

  function release({ params }: Ctx): Reply {
    const t = taskOr(params.id, 400);
    forbidUnless(isCaller(t.claimant), 'release');
    if (t.state !== 'IN_PROGRESS') fail400(`Task ${params.id} is not claimed (state ${t.state})`);
    t.state = t.assignee ? 'ASSIGNED' : 'PENDING';
    delete t.claimant;
    touch(t, 'RELEASE');
    actions.push({ action: 'release', taskId: params.id });
    return empty();
  }

  function reassign({ req, params }: Ctx): Reply {
    const t = taskOr(params.id, 400);
    const body = parseJson(req);
    const errs: Array<{ path: string; message: string; invalidValue?: unknown }> = [];
    const chain: HumanTaskAssignment[] = [];
    if (!Array.isArray(body) || body.length === 0) {
      errs.push({ path: 'body', message: 'must be a non-empty array of {assignee, slaMinutes}', invalidValue: body ?? null });
    } else {
      body.forEach((item: unknown, i: number) => {
        if (!isObject(item)) {
          errs.push({ path: `[${i}]`, message: 'must be an object', invalidValue: item });
          return;
        }
        const u = parseUser(item.assignee, `[${i}].assignee`, errs);
        if (u && u.userType === undefined) errs.push({ path: `[${i}].assignee.userType`, message: 'must not be null' });
        const sla = item.slaMinutes ?? 0;
        if (!Number.isInteger(sla) || (sla as number) < 0)
          errs.push({ path: `[${i}].slaMinutes`, message: 'must be a non-negative integer', invalidValue: sla });
        if (u) chain.push({ assignee: u, slaMinutes: sla as number });
      });
    }
    if (errs.length) return validationError(errs);
    forbidUnless(isCaller(t.assignee), 'reassign');
    notTerminal(t);
    if (t.state === 'IN_PROGRESS') fail400(`Task ${params.id} is claimed; only unclaimed tasks can be reassigned`);
    t.assignee = clone(chain[0].assignee);
    t.state = 'ASSIGNED';
    meta.set(t.taskId, { chain, chainIndex: 0 });
    touch(t, 'REASSIGN');
    actions.push({ action: 'reassign', taskId: params.id, assignments: clone(chain) });
    return empty();
  }

  function skip({ req, params }: Ctx): Reply {
    const t = taskOr(params.id, 400);
    forbidUnless(isCaller(t.claimant), 'skip');
    notTerminal(t);
    if (!t.assignee) fail400(`Task ${params.id} has no assignee to skip`);
    const m = meta.get(t.taskId) ?? { chain: [], chainIndex: 0 };
    m.chainIndex += 1;
    meta.set(t.taskId, m);
    delete t.claimant;
    const next = m.chain[m.chainIndex];
    if (next) {
      t.assignee = clone(next.assignee);
      t.state = 'ASSIGNED';
    } else {
      delete t.assignee;
      t.state = 'PENDING';
    }
    touch(t, 'SKIP');
    actions.push({ action: 'skip', taskId: params.id, reason: req.query.get('reason') });
    return empty();
  }

  function applyUpdate(t: HumanTaskEntry, output: Record<string, unknown>, complete: boolean, byRef: boolean): void {
    forbidUnless(isCaller(t.claimant), 'update');
    notTerminal(t);
    Object.assign(t.output, clone(output));
    if (complete) t.state = 'COMPLETED';
    touch(t, complete ? 'COMPLETE' : 'UPDATE');
    actions.push({ action: 'update', taskId: t.taskId, output: clone(output), complete, byRef });
  }

  function updateById({ req, params }: Ctx): Reply {
    const t = taskOr(params.id, 400);
    const complete = boolParam(req, 'complete');
    const body = requireObjectBody(req);
    applyUpdate(t, body, complete, false);
    return empty();
  }

  function updateByRef({ req }: Ctx): Reply {
    const workflowId = req.query.get('workflowId');
    const taskRefName = req.query.get('taskRefName');
    if (!workflowId) return errorResponse(400, "Required request parameter 'workflowId' for method parameter type String is not present");
    if (!taskRefName) return errorResponse(400, "Required request parameter 'taskRefName' for method parameter type String is not present");
    const complete = boolParam(req, 'complete');
    const rawIt = req.query.getAll('iteration');
    const its = rawIt.map((v) => {
      if (!/^-?\d+$/.test(v)) fail400(`Failed to convert value of type 'java.lang.String[]' to required type 'java.util.List'; For input string: "${v}"`);
      return Number(v);
    });
    const body = requireObjectBody(req);
    const candidates = [...tasks.values()].filter((t) => t.workflowId === workflowId && t.taskRefName === taskRefName);
    let target: HumanTaskEntry | undefined;
    if (its.length) target = candidates.find((t) => compareIterations(iterations.get(t.taskId) ?? [0], its) === 0 && (iterations.get(t.taskId) ?? [0]).length === its.length);
    else target = candidates.sort((a, b) => compareIterations(iterations.get(b.taskId) ?? [0], iterations.get(a.taskId) ?? [0]))[0];
    if (!target) {
      return errorResponse(
        404,
        `No human task found for workflowId ${workflowId} and taskRefName ${taskRefName}${its.length ? ` at iteration ${its.join(',')}` : ''}`,
      );
    }
    applyUpdate(target, body, complete, true);
    return empty();
  }

  function conductorTask({ params }: Ctx): Reply {
    const t = taskOr(params.id, 400);
    const status: ConductorTaskStatus =
      t.state === 'COMPLETED' ? 'COMPLETED' : t.state === 'TIMED_OUT' ? 'TIMED_OUT' : t.state === 'DELETED' ? 'CANCELED' : 'IN_PROGRESS';
    return jsonReply(200, {
      taskId: t.taskId,
      taskType: 'HUMAN',
      status,
      workflowInstanceId: t.workflowId,
      workflowType: t.workflowName,
      referenceTaskName: t.taskRefName,
      iteration: (iterations.get(t.taskId) ?? [0])[0],
      inputData: clone(t.input),
      outputData: clone(t.output),
    });
  }

  function displayNames({ req }: Ctx): Reply {
    const st = req.query.get('searchType');
    if (st !== 'ADMIN' && st !== 'INBOX') return errorResponse(400, "Required request parameter 'searchType' is missing or invalid");
    if (st === 'ADMIN' && !admin) return errorResponse(403, `User ${callerUser} is not a cluster admin`);
    const names = new Set<string>();
    for (const t of tasks.values()) if (st === 'ADMIN' || isCaller(t.assignee) || isCaller(t.claimant)) names.add(t.displayName);
    return jsonReply(200, [...names]);
  }

  function templateByTask({ params }: Ctx): Reply {
    const t = tasks.get(params.id);
    const tpl = t && templateFor(t);
    if (!tpl) return errorResponse(404, `No template found for human task ${params.id}`);
    return jsonReply(200, clone(tpl));
  }
  function templateByName({ params }: Ctx): Reply {
    const version = Number(params.version);
    const tpl = findTemplate(params.name, Number.isInteger(version) ? version : -1);
    if (!tpl) return errorResponse(404, `Template ${params.name} version ${params.version} not found`);
    return jsonReply(200, clone(tpl));
  }
  function templateQuery({ req }: Ctx): Reply {
    const name = req.query.get('name');
    const v = req.query.get('version');
    const list = templates.filter((t) => name === null || t.name === name).filter((t) => v === null || String(t.version) === v);
    if (name !== null && list.length === 0) return errorResponse(404, `Template ${name} not found`);
    return jsonReply(200, clone(list));
  }

  // ---------- workflows / tasks ----------
  function addWorkflow(w: NewWorkflow = {}): ConductorWorkflow {
    const now = Date.now();
    const workflowId = w.workflowId ?? randomUUID();
    const wf: ConductorWorkflow = {
      workflowId,
      workflowName: w.workflowName ?? 'approval_flow',
      status: w.status ?? 'RUNNING',
      tasks: (w.tasks ?? []).map((t) => ({
        taskId: t.taskId ?? randomUUID(),
        taskType: t.taskType ?? 'HUMAN',
        status: t.status ?? 'IN_PROGRESS',
        referenceTaskName: t.referenceTaskName ?? 'approval_ref',
        workflowInstanceId: workflowId,
        iteration: t.iteration ?? 0,
        inputData: t.inputData ?? {},
        outputData: t.outputData ?? {},
        ...(t.workerId ? { workerId: t.workerId } : {}),
        updateTime: t.updateTime ?? now,
      })),
      input: w.input ?? {},
      output: {},
      createTime: now,
      updateTime: now,
    };
    workflows.set(workflowId, wf);
    return wf;
  }

  function stripLoop(ref: string): string {
    return ref.replace(/__\d+$/, '');
  }

  function updateTaskByRef(ctx: Ctx, sync: boolean): Reply {
    const { req, params } = ctx;
    const status = params.status;
    if (!(TASK_RESULT_STATUSES as readonly string[]).includes(status)) {
      return errorResponse(
        500,
        `org.springframework.web.method.annotation.MethodArgumentTypeMismatchException: Failed to convert value of type 'java.lang.String' to required type 'com.netflix.conductor.common.metadata.tasks.TaskResult$Status'; No enum constant com.netflix.conductor.common.metadata.tasks.TaskResult.Status.${status}`,
      );
    }
    const body = parseJson(req) ?? {};
    if (!isObject(body)) return errorResponse(400, 'JSON parse error: the output must be a JSON object');
    const wf = workflows.get(params.wf);
    const task = wf?.tasks.find(
      (t) => !TERMINAL_TASK_STATUSES.includes(t.status) && (t.referenceTaskName === params.ref || stripLoop(t.referenceTaskName) === params.ref),
    );
    if (!wf || !task) {
      if (!sync && mode === 'oss') return { status: 200 }; // conductor-oss/conductor#783: empty 200
      if (!wf && sync) return errorResponse(404, `No such workflow found by id: ${params.wf}`);
      return errorResponse(404, `Found no running task ${params.ref} of workflow ${params.wf} to update`);
    }
    const now = Date.now();
    task.outputData = { ...task.outputData, ...clone(body) };
    task.status = status as ConductorTaskStatus;
    task.updateTime = now;
    const worker = req.query.get('workerid');
    if (worker) task.workerId = worker;
    if (status === 'FAILED' || status === 'FAILED_WITH_TERMINAL_ERROR') wf.status = 'FAILED';
    else if (wf.tasks.every((t) => TERMINAL_TASK_STATUSES.includes(t.status))) wf.status = 'COMPLETED';
    wf.updateTime = now;
    return sync ? jsonReply(200, clone(wf)) : { status: 200, body: task.taskId, headers: { 'content-type': 'text/plain;charset=UTF-8' } };
  }

  function getWorkflow({ req, params }: Ctx): Reply {
    const wf = workflows.get(params.wf);
    if (!wf) return errorResponse(404, `No such workflow found by id: ${params.wf}`);
    const out = clone(wf);
    if (req.query.get('includeTasks') === 'false') out.tasks = [];
    return jsonReply(200, out);
  }

  function getConductorTask({ params }: Ctx): Reply {
    for (const wf of workflows.values()) {
      const t = wf.tasks.find((x) => x.taskId === params.id);
      if (t) return jsonReply(200, clone(t));
    }
    return { status: 204 };
  }

  function userInfo(): Reply {
    return jsonReply(200, {
      id: callerUser,
      name: callerName,
      roles: [{ name: admin ? 'ADMIN' : 'USER' }],
      groups: callerGroups.map((id) => ({ id })),
      applicationUser: false,
    });
  }

  // ---------- routing ----------
  const H = ['api', 'human'];
  const humanRoutes: Route[] = [
    { method: 'POST', pattern: [...H, 'tasks', 'search'], handle: search },
    { method: 'POST', pattern: [...H, 'tasks', 'update', 'taskRef'], handle: updateByRef },
    { method: 'GET', pattern: [...H, 'tasks', 'getTaskDisplayNames'], handle: displayNames },
    { method: 'GET', pattern: [...H, 'tasks', ':id'], handle: getTask },
    { method: 'GET', pattern: [...H, 'tasks', ':id', 'conductorTask'], handle: conductorTask },
    { method: 'POST', pattern: [...H, 'tasks', ':id', 'claim'], handle: claim },
    { method: 'POST', pattern: [...H, 'tasks', ':id', 'externalUser', ':userId'], handle: claimExternal },
    { method: 'POST', pattern: [...H, 'tasks', ':id', 'release'], handle: release },
    { method: 'POST', pattern: [...H, 'tasks', ':id', 'reassign'], handle: reassign },
    { method: 'POST', pattern: [...H, 'tasks', ':id', 'skip'], handle: skip },
    { method: 'POST', pattern: [...H, 'tasks', ':id', 'update'], handle: updateById },
    { method: 'GET', pattern: [...H, 'template'], handle: templateQuery },
    { method: 'GET', pattern: [...H, 'template', ':id'], handle: templateByTask },
    { method: 'GET', pattern: [...H, 'template', ':name', ':version'], handle: templateByName },
  ];
  const commonRoutes: Route[] = [
    { method: 'POST', pattern: ['api', 'tasks', ':wf', ':ref', ':status', 'sync'], handle: (c) => updateTaskByRef(c, true) },
    { method: 'POST', pattern: ['api', 'tasks', ':wf', ':ref', ':status'], handle: (c) => updateTaskByRef(c, false) },
    { method: 'GET', pattern: ['api', 'tasks', ':id'], handle: getConductorTask },
    { method: 'GET', pattern: ['api', 'workflow', ':wf'], handle: getWorkflow },
  ];
  const orkesRoutes: Route[] = [
    { method: 'POST', pattern: ['api', 'token'], handle: ({ req }) => handleMint(req) },
    { method: 'GET', pattern: ['api', 'token', 'userInfo'], handle: userInfo },
    ...humanRoutes,
    ...commonRoutes,
  ];
  const routes = mode === 'orkes' ? orkesRoutes : commonRoutes;

  function match(pattern: string[], segs: string[]): Record<string, string> | null {
    if (pattern.length !== segs.length) return null;
    const params: Record<string, string> = {};
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i];
      if (p.startsWith(':')) {
        if (segs[i] === '') return null;
        params[p.slice(1)] = segs[i];
      } else if (p !== segs[i]) return null;
    }
    return params;
  }

  function dispatch(req: RecordedRequest): Reply {
    if (fail.remaining > 0) {
      fail.remaining -= 1;
      const body = fail.body !== undefined ? fail.body : { status: fail.status, message: fail.status === 429 ? 'Too Many Requests' : 'Injected failure', instance, retryable: fail.status === 429 };
      return jsonReply(fail.status, body, fail.headers);
    }
    let segs: string[];
    try {
      segs = req.path.split('/').slice(1).map((s) => decodeURIComponent(s));
    } catch {
      return springError(400, 'Bad Request', req.path);
    }
    const isMint = mode === 'orkes' && req.method === 'POST' && req.path === '/api/token';
    if (mode === 'orkes' && !isMint && segs[0] === 'api') {
      const denied = checkAuth(req);
      if (denied) return denied;
    }
    let methodMismatch = false;
    for (const r of routes) {
      const params = match(r.pattern, segs);
      if (!params) continue;
      if (r.method !== req.method) {
        methodMismatch = true;
        continue;
      }
      try {
        return r.handle({ req, params });
      } catch (err) {
        if (err instanceof HttpError) return err.reply;
        throw err;
      }
    }
    if (methodMismatch) return errorResponse(405, `Request method '${req.method}' is not supported`);
    if (unknownRoute === 'spring') return springError(404, 'Not Found', req.path);
    return errorResponse(unknownRoute === 'no-static-500' ? 500 : 404, `No static resource ${segs.join('/')}.`);
  }

  const load = (state: ConductorSnapshot) => {
    const st = structuredClone(state);
    tasks.clear();
    iterations.clear();
    meta.clear();
    templates.length = 0;
    workflows.clear();
    for (const t of st.tasks) tasks.set(t.taskId, t);
    for (const [k, v] of Object.entries(st.iterations)) iterations.set(k, v);
    for (const [k, v] of Object.entries(st.meta)) meta.set(k, v as TaskMeta);
    templates.push(...st.templates);
    for (const w of st.workflows) workflows.set(w.workflowId, w);
  };
  if (options.state) load(options.state);

  const server = await startServer(
    (req) => {
      const reply = dispatch(req);
      return options.latencyMs ? { ...reply, delayMs: options.latencyMs } : reply;
    },
    { tls: options.tls, lifetimeMs: options.lifetimeMs, hostname: options.hostname, ...options.serve },
  );

  return {
    ...server,
    mode,
    keyId,
    keySecret,
    callerUser,
    tasks,
    iterations,
    templates,
    workflows,
    actions,
    issuedTokens,
    addTask,
    addTemplate(t: HumanTaskTemplate): HumanTaskTemplate {
      templates.push(t);
      return t;
    },
    addWorkflow,
    expireAllTokens(): void {
      for (const info of tokens.values()) info.expired = true;
    },
    revokeToken(token: string): void {
      const info = tokens.get(token);
      if (info) info.revoked = true;
    },
    failNext(n: number, status: number, headers: Record<string, string> = {}, body?: unknown): void {
      fail = { remaining: Math.max(0, Math.floor(n)), status, headers, body };
    },
    tokenRequests(): number {
      return server.requests.filter((r) => r.method === 'POST' && r.path === '/api/token').length;
    },
    load,
    snapshot: (): ConductorSnapshot =>
      structuredClone({
        tasks: [...tasks.values()],
        iterations: Object.fromEntries(iterations),
        meta: Object.fromEntries(meta),
        templates,
        workflows: [...workflows.values()],
      }),
  };
}

// Test-side helpers that prepare data straight against a real OpenHIM 4.0.5 (token auth), independent of taskctl.

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Stack } from './harness.js';

export interface ApiResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: any;
}

export type Auth = 'token' | 'basic' | 'none';

const sha512hex = (s: string) => createHash('sha512').update(s, 'utf8').digest('hex');

interface TokenState {
  passwordHash: string;
  /** server clock minus ours, in ms */
  offset: number;
}
const tokenStates = new WeakMap<Stack, Promise<TokenState>>();

/** Headers of the legacy token scheme: one GET /authenticate/<email> per stack, then per-request salt/ts/token. */
export async function tokenHeaders(stack: Stack): Promise<Record<string, string>> {
  let state = tokenStates.get(stack);
  if (!state) {
    state = (async () => {
      const before = Date.now();
      const res = await apiRequest(stack, 'GET', `/authenticate/${encodeURIComponent(stack.rootEmail)}`, undefined, { auth: 'none' });
      if (res.status !== 200) throw new Error(`GET /authenticate answered ${res.status}: ${res.text}`);
      const { salt, ts } = res.json as { salt: string; ts: string };
      return { passwordHash: sha512hex(salt + stack.rootPassword), offset: Date.parse(ts) - (before + Date.now()) / 2 };
    })();
    tokenStates.set(stack, state);
    state.catch(() => tokenStates.delete(stack));
  }
  const { passwordHash, offset } = await state;
  const salt = randomBytes(16).toString('hex');
  const ts = new Date(Date.now() + offset).toISOString();
  return { 'auth-username': stack.rootEmail, 'auth-ts': ts, 'auth-salt': salt, 'auth-token': sha512hex(passwordHash + salt + ts) };
}

/**
 * A request to the API over HTTPS, verified against the stack's certificate: it connects to 127.0.0.1 and checks
 * the certificate for the name `localhost` (servername). Bodies that are not strings are sent as JSON.
 */
export async function apiRequest(
  stack: Stack,
  method: string,
  path: string,
  body?: unknown,
  opts: { auth?: Auth; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  const auth = opts.auth ?? 'token';
  if (auth === 'token') Object.assign(headers, await tokenHeaders(stack));
  if (auth === 'basic') headers.authorization = `Basic ${Buffer.from(`${stack.rootEmail}:${stack.rootPassword}`).toString('base64')}`;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    headers['content-type'] ??= typeof body === 'string' ? 'text/plain' : 'application/json';
  }
  return send(
    https,
    {
      host: '127.0.0.1',
      servername: 'localhost',
      port: stack.ports.api,
      path,
      method,
      headers,
      ca: fs.readFileSync(stack.certPath),
    },
    payload,
  );
}

function send(
  mod: typeof http | typeof https,
  options: https.RequestOptions,
  payload?: string,
  timeoutMs = 15_000,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = mod.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        if (/json/.test(String(res.headers['content-type']))) {
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${options.method} ${options.path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function expectStatus(res: ApiResponse, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${res.text}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `intervalMs` until it returns a value other than undefined; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ------------------------------------------------------------------------------------------- channels & upstream

export interface Upstream {
  port: number;
  /** Requests received so far. */
  requests: { method: string; url: string; body: string }[];
  /** Status for the following requests (200 by default; e.g. 500 to make reruns fail). */
  setStatus(status: number): void;
  close(): Promise<void>;
}

/** A tiny HTTP server on 127.0.0.1 (random port) that answers 200 `{"ok":true}`, or the status set with setStatus. */
export async function startUpstream(): Promise<Upstream> {
  let status = 200;
  const requests: Upstream['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: status < 400, status }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    setStatus: (s) => void (status = s),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POST /channels with a public HTTP channel routing to 127.0.0.1:<upstreamPort>; returns its `_id` (looked up by name). */
export async function createPublicChannel(
  stack: Stack,
  { name, urlPattern, upstreamPort }: { name: string; urlPattern: string; upstreamPort: number },
): Promise<string> {
  const created = await apiRequest(stack, 'POST', '/channels', {
    name,
    urlPattern,
    authType: 'public',
    allow: [],
    methods: ['GET', 'POST', 'PUT'],
    type: 'http',
    requestBody: true,
    responseBody: true,
    routes: [{ name: `${name}-route`, host: '127.0.0.1', port: upstreamPort, primary: true, type: 'http' }],
  });
  expectStatus(created, 201, `POST /channels (${name})`);
  const list = await apiRequest(stack, 'GET', '/channels');
  expectStatus(list, 200, 'GET /channels');
  const found = (list.json as { _id: string; name: string }[]).find((c) => c.name === name);
  if (!found) throw new Error(`channel ${name} was created but is not in GET /channels`);
  return found._id;
}

/** POST <routerUrl><path> with the body; returns the transaction id from `x-openhim-transactionid`. */
export async function sendThroughRouter(stack: Stack, path: string, body: unknown = { hello: 'world' }): Promise<string> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await send(http, {
    host: '127.0.0.1',
    port: stack.ports.routerHttp,
    path,
    method: 'POST',
    headers: { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' },
  }, payload);
  const tid = res.headers['x-openhim-transactionid'];
  if (typeof tid !== 'string' || !/^[0-9a-f]{24}$/.test(tid)) {
    throw new Error(`router answered ${res.status} without an x-openhim-transactionid header: ${res.text}`);
  }
  return tid;
}

/** Polls GET /transactions/:id until it exists and is no longer `Processing`; returns it. */
export function waitForTransaction(stack: Stack, id: string, opts?: { timeoutMs?: number }): Promise<any> {
  return waitFor(
    `transaction ${id}`,
    async () => {
      const res = await apiRequest(stack, 'GET', `/transactions/${id}`);
      if (res.status === 200 && res.json && res.json.status !== 'Processing') return res.json;
      return undefined;
    },
    { timeoutMs: opts?.timeoutMs ?? 15_000 },
  );
}

// ------------------------------------------------------------------------------------------- tasks

/** POST /tasks; returns the new task id (parsed from `User <email> created task with id <id>`). */
export async function createTask(stack: Stack, tids: string[], opts: { paused?: boolean; batchSize?: number } = {}): Promise<string> {
  const res = await apiRequest(stack, 'POST', '/tasks', { tids, ...opts });
  expectStatus(res, 201, 'POST /tasks');
  const m = /created task with id ([0-9a-f]{24})$/.exec(res.text);
  if (!m) throw new Error(`POST /tasks: unexpected body ${JSON.stringify(res.text)}`);
  return m[1];
}

/** GET /tasks/:id with its embedded transactions (first `limit`). */
export async function getTask(stack: Stack, id: string, limit = 100): Promise<any> {
  const res = await apiRequest(stack, 'GET', `/tasks/${id}?filterPage=0&filterLimit=${limit}&filters=${encodeURIComponent('{}')}`);
  expectStatus(res, 200, `GET /tasks/${id}`);
  return res.json;
}

/** Polls the task until its status is one of `statuses`; returns it. */
export function waitForTaskStatus(stack: Stack, id: string, statuses: string[], opts?: { timeoutMs?: number }): Promise<any> {
  return waitFor(
    `task ${id} to reach ${statuses.join('/')}`,
    async () => {
      const task = await getTask(stack, id);
      return statuses.includes(task.status) ? task : undefined;
    },
    { timeoutMs: opts?.timeoutMs ?? 30_000, intervalMs: 300 },
  );
}

/**
 * The HTTP core of every emulator (the sandbox's and the tests'): an HTTP(S) server on 127.0.0.1 that
 * records each request (so a test can prove what was sent, and that nothing was sent for bad input;
 * `record: false` for long-running servers), injects faults (`--faults`, see parseFaults) and stops by
 * itself after `lifetimeMs` even if a test forgets to close it (0 = runs until closed).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** path without the query string, as sent (not decoded) */
  path: string;
  /** decoded path segments joined by '/', handy for routing */
  query: URLSearchParams;
  /** the raw request target (path + query) */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  time: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string | string[]>;
  /** a string is sent as-is (text/plain unless a content-type header is given); anything else as JSON */
  body?: unknown;
  /** wait this long before answering (latency simulation) */
  delayMs?: number;
  /** answer nothing: destroy the connection (the client sees a reset) */
  reset?: boolean;
}

export type Handler = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface FakeServer {
  url: string;
  port: number;
  /** every request received, in arrival order */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface StartOptions {
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** the server closes itself after this long (default 120 s) */
  lifetimeMs?: number;
  /** host name used in `url` (default 127.0.0.1); the socket always binds to 127.0.0.1 */
  hostname?: string;
  /** listen on this port (default: an ephemeral one) */
  port?: number;
  /** keep each request in `requests` (default true) */
  record?: boolean;
  /** trouble to inject before the emulator sees a request */
  faults?: Faults;
  /** runs each request's handling inside it (the sandbox: load the shared state, handle, save; see session.ts) */
  transaction?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** `--faults 429:10%,503:5%,reset:2%,latency:50ms`: each request draws at most one fault. */
export interface Faults {
  rates: Array<{ kind: FaultKind; percent: number }>;
  latencyMs: number;
}
export type FaultKind = '429' | '500' | '502' | '503' | '504' | 'reset';
const FAULT_KINDS: readonly string[] = ['429', '500', '502', '503', '504', 'reset'];

/** Parses a fault spec; throws an Error naming the part it cannot read. */
export function parseFaults(spec: string): Faults {
  const faults: Faults = { rates: [], latencyMs: 0 };
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z0-9]+):(\d+(?:\.\d+)?)(%|ms)$/.exec(part);
    if (m && m[1] === 'latency' && m[3] === 'ms') {
      faults.latencyMs = Number(m[2]);
      continue;
    }
    if (m && FAULT_KINDS.includes(m[1]) && m[3] === '%' && Number(m[2]) <= 100) {
      faults.rates.push({ kind: m[1] as FaultKind, percent: Number(m[2]) });
      continue;
    }
    throw new Error(`"${part}" is not a fault (expected <429|500|502|503|504|reset>:<n>% or latency:<n>ms)`);
  }
  if (faults.rates.reduce((a, r) => a + r.percent, 0) > 100) throw new Error(`the fault rates in "${spec}" add up to more than 100%`);
  return faults;
}

const FAULT_TEXT: Record<string, string> = {
  '429': 'Too Many Requests',
  '500': 'Internal Server Error',
  '502': 'Bad Gateway',
  '503': 'Service Unavailable',
  '504': 'Gateway Timeout',
};

/** the fault this request draws, if any */
function drawFault(faults: Faults | undefined): FaultKind | undefined {
  if (!faults) return undefined;
  let roll = Math.random() * 100;
  for (const r of faults.rates) {
    if (roll < r.percent) return r.kind;
    roll -= r.percent;
  }
  return undefined;
}

export function textReply(status: number, text: string, headers: Record<string, string> = {}): Reply {
  return { status, body: text, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } };
}

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

export async function startServer(handler: Handler, opts: StartOptions = {}): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.url ?? '/';
      const q = target.indexOf('?');
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: q === -1 ? target : target.slice(0, q),
        query: new URLSearchParams(q === -1 ? '' : target.slice(q + 1)),
        url: target,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        time: Date.now(),
      };
      if (opts.record !== false) requests.push(rec);
      const fault = drawFault(opts.faults);
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      const latency = opts.faults?.latencyMs ?? 0;
      Promise.resolve()
        .then(async () => {
          if (latency > 0) await new Promise((r) => setTimeout(r, latency));
          if (fault) return textReply(Number(fault), `${FAULT_TEXT[fault]} (injected by --faults)`, fault === '429' || fault === '503' ? { 'retry-after': '1' } : {});
          return opts.transaction ? opts.transaction(async () => handler(rec)) : handler(rec);
        })
        .catch((err: unknown): Reply => textReply(500, `fake server error: ${String(err)}`))
        .then(async (reply) => {
          if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
          if (reply.reset) {
            req.socket.destroy();
            return;
          }
          const headers: Record<string, string | string[]> = { ...(reply.headers ?? {}) };
          let payload = '';
          if (reply.body !== undefined) {
            if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) {
              payload = reply.body as string;
              if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'text/plain; charset=utf-8';
            } else {
              payload = JSON.stringify(reply.body);
              if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json; charset=utf-8';
            }
          }
          if (!res.destroyed) {
            res.writeHead(reply.status, headers);
            res.end(payload);
          }
        });
    });
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  const close = () =>
    new Promise<void>((resolve) => {
      if (closed) return resolve();
      closed = true;
      clearTimeout(timer);
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const timer = opts.lifetimeMs === 0 ? undefined : setTimeout(() => void close(), opts.lifetimeMs ?? 120_000);
  timer?.unref();
  const scheme = opts.tls ? 'https' : 'http';
  return { url: `${scheme}://${opts.hostname ?? '127.0.0.1'}:${port}`, port, requests, close };
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

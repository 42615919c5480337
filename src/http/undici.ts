/**
 * The parts of undici taskctl uses: Agent, EnvHttpProxyAgent and `dispatch` with a handler of ours, imported from
 * their own modules. undici's index also loads fetch, WebSocket, EventSource, caches and mocks, which
 * roughly doubles the code every command would parse at start-up.
 */
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import type { Dispatcher, Agent as AgentType, Client as ClientType } from 'undici';

// undici parses HTTP/1.1 with llhttp compiled to WebAssembly. V8 first compiles it with its baseline
// compiler (Liftoff), then re-compiles the whole module with TurboFan on background threads, and the
// process cannot exit until that is done: ~130 ms added to every run for parsing a few kilobytes.
// Baseline code is plenty for a command-line client. Set before the first request compiles the module.
// `--liftoff-only` alone is enough on Node 20 and 22; on 24 and 26 set at run time it no longer turns off
// the tier-up it implies on the command line (a one-id `task pause` took ~350 ms on Node 24 instead of
// ~210 ms, the difference spent after the last line was printed), so the two tier-up switches are set too.
v8.setFlagsFromString('--liftoff-only');
v8.setFlagsFromString('--no-wasm-dynamic-tiering');
v8.setFlagsFromString('--no-wasm-tier-up');
// @ts-expect-error -- undici ships no types for its internal modules; the public types below describe them
import AgentImpl from 'undici/lib/dispatcher/agent.js';
// @ts-expect-error -- see above (these are loaded by agent.js anyway)
import PoolImpl from 'undici/lib/dispatcher/pool.js';
// @ts-expect-error -- see above
import ClientImpl from 'undici/lib/dispatcher/client.js';
// @ts-expect-error -- see above
import * as poolBase from 'undici/lib/dispatcher/pool-base.js';
// @ts-expect-error -- see above
import * as symbols from 'undici/lib/core/symbols.js';

type Lane = { destroyed: boolean; closed: boolean; [key: symbol]: unknown };
type PoolLike = { new (origin: unknown, opts: unknown): object; prototype: Record<symbol, () => Lane | undefined> };
const kGetDispatcher: unknown = poolBase.kGetDispatcher ?? poolBase.default?.kGetDispatcher;
const kClients: unknown = poolBase.kClients ?? poolBase.default?.kClients;
const kBusy: unknown = symbols.kBusy ?? symbols.default?.kBusy;

/**
 * undici's Pool, except that a request goes to a connection as soon as that connection's answer is read.
 * The Pool marks a connection free only when the connection announces it ("drain"), on the event-loop turn
 * after the answer; a request that finds every connection still marked busy waits in the Pool's queue until
 * then, and the connection then defers its write by another turn to look for bytes the server sent unasked
 * (undici's check for GHSA-35p6-xmwp-9g52). So with all connections in use (every bulk run) each request
 * waited two turns, each as long as it takes to read a whole wave of answers. Handed to an idle connection
 * at once, it waits one: the same check, a turn sooner. Only the choice of connection differs from the Pool
 * (whose own pick, used when no connection is idle, also opens new ones up to `connections` and drops those
 * past a `clientTtl`, an option taskctl does not set); if a future undici renames what this reads, this is
 * the plain Pool.
 */
function lanesPool(): PoolLike | undefined {
  if (typeof kGetDispatcher !== 'symbol' || typeof kClients !== 'symbol' || typeof kBusy !== 'symbol') return undefined;
  const Pool = PoolImpl as PoolLike;
  const pick = Pool.prototype[kGetDispatcher];
  if (typeof pick !== 'function') return undefined;
  return class Lanes extends Pool {
    [kGetDispatcher](this: Record<symbol, Iterable<Lane>>): Lane | undefined {
      for (const client of this[kClients]) if (!client[kBusy] && !client.destroyed && !client.closed) return client;
      return pick.call(this);
    }
  };
}

const Lanes = lanesPool();
/** whether requests go through `Lanes` (false only if undici's internals changed) */
export const lanesActive = Lanes !== undefined;

/** undici's Agent, with `Lanes` for an origin's connections when there may be more than one */
export const Agent = (Lanes ? agentWith(Lanes) : AgentImpl) as typeof AgentType;

function agentWith(Pool: PoolLike): typeof AgentType {
  const Client = ClientImpl as typeof ClientType;
  const factory = (origin: string | URL, opts: object): Dispatcher => ((opts as { connections?: number }).connections === 1 ? new Client(origin, opts) : (new Pool(origin, opts) as Dispatcher));
  return class extends (AgentImpl as typeof AgentType) {
    constructor(options: AgentType.Options = {}) {
      super({ ...options, factory });
    }
  };
}

export interface ExchangeOptions {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** undici's bounds on the silences before the headers and between body chunks */
  headersTimeout: number;
  bodyTimeout: number;
  /** a 2xx body is given as a stream instead of being read (downloads) */
  stream: boolean;
  /** a 2xx body is kept as its bytes (`chunks`) rather than text */
  raw: boolean;
  /** bytes read into memory at most; `tooLarge(limit, status)` is the error past it (or a larger content-length) */
  limit: number;
  tooLarge: (status: number) => Error;
}

export interface Answer {
  status: number;
  /** names lower-cased by undici; a repeated header is an array */
  headers: Record<string, string | string[] | undefined>;
  text: string;
  chunks?: Buffer[];
  stream?: Readable;
}

export interface Exchange {
  /** settles once the answer is read (or, for a streamed body, once its headers arrived) */
  readonly answer: Promise<Answer>;
  /** ends the exchange: `answer` rejects with `reason` (a stream not yet ended is destroyed with it) */
  abort(reason: unknown): void;
}

/** decodes single-chunk answers (most of them); a non-streaming decode keeps no state between calls */
const utf8 = new TextDecoder('utf-8');

/**
 * One request through `dispatcher.dispatch` with a handler that reads the answer itself: no body stream,
 * promise or abort signal per request as undici's `request()` makes (about a third of the client's CPU per
 * request in a bulk run), except a stream for `stream` answers. Text is decoded as it arrives when it comes
 * in several chunks, so the raw bytes are not held next to their text.
 */
export function exchange(dispatcher: Dispatcher, o: ExchangeOptions): Exchange {
  let settled = false;
  let resolve!: (a: Answer) => void;
  let reject!: (err: unknown) => void;
  const answer = new Promise<Answer>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let controller: Dispatcher.DispatchController | null = null;
  /** an abort before undici handed over its controller, applied when it does */
  let pending: { reason: unknown } | null = null;
  let res: Answer | null = null;
  let size = 0;
  // text: the first chunk, decoded at the end; from a second one on, decoded as they come
  let first: Buffer | null = null;
  let decoder: TextDecoder | null = null;
  let pieces: string[] | null = null;
  let stream: Readable | null = null;
  let ended = false;

  const fail = (err: unknown) => {
    if (stream) {
      if (!ended) stream.destroy(err as Error);
    } else if (!settled) {
      settled = true;
      reject(err);
    }
  };
  const abort = (reason: unknown) => {
    if (controller) controller.abort(reason as Error);
    else pending ??= { reason };
    fail(reason);
  };
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (pending) c.abort(pending.reason as Error);
    },
    onResponseStart(c, statusCode, headers) {
      if (statusCode < 200) return;
      const ok = statusCode < 300;
      res = { status: statusCode, headers: headers as Answer['headers'], text: '' };
      if (ok && o.stream) {
        stream = new Readable({
          read: () => c.resume(),
          destroy: (err, cb) => {
            // the reader stopped early (or failed): the rest of the body is not wanted
            if (!ended) c.abort(err ?? Object.assign(new Error('the download was stopped'), { name: 'AbortError' }));
            cb(err);
          },
        });
        res.stream = stream;
        settled = true;
        resolve(res);
        return;
      }
      const declared = Number(headers['content-length']);
      if (typeof headers['content-length'] === 'string' && declared > o.limit) return abort(o.tooLarge(statusCode));
      if (ok && o.raw) res.chunks = [];
    },
    onResponseData(c, chunk) {
      if (settled && !stream) return;
      if (stream) {
        if (!stream.push(chunk)) c.pause();
        return;
      }
      size += chunk.length;
      if (size > o.limit) return abort(o.tooLarge(res!.status));
      if (res!.chunks) res!.chunks.push(chunk);
      else if (first === null && decoder === null) first = chunk;
      else {
        decoder ??= new TextDecoder('utf-8');
        pieces ??= [];
        if (first) pieces.push(decoder.decode(first, { stream: true }));
        first = null;
        pieces.push(decoder.decode(chunk, { stream: true }));
      }
    },
    onResponseEnd() {
      if (stream) {
        ended = true;
        stream.push(null);
        return;
      }
      if (settled || !res) return;
      if (decoder) {
        pieces!.push(decoder.decode());
        res.text = pieces!.join('');
      } else if (first) res.text = utf8.decode(first);
      settled = true;
      resolve(res);
    },
    onResponseError(_c, err) {
      fail(err);
    },
  };
  const { method, url, headers, body, headersTimeout, bodyTimeout } = o;
  dispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: method as Dispatcher.HttpMethod, headers, body, headersTimeout, bodyTimeout }, handler);
  return { answer, abort };
}

/** Loaded only when a proxy variable is set. */
export async function loadEnvHttpProxyAgent(): Promise<typeof import('undici').EnvHttpProxyAgent> {
  // ProxyAgent opens its tunnels with dispatcher.connect(), one of the API methods undici's index
  // installs on Dispatcher.prototype; do what the index does, here where it is needed.
  // @ts-expect-error -- see above
  const [{ default: Dispatcher }, { default: api }, mod] = await Promise.all([import('undici/lib/dispatcher/dispatcher.js'), import('undici/lib/api/index.js'), import('undici/lib/dispatcher/env-http-proxy-agent.js')]);
  Object.assign((Dispatcher as { prototype: object }).prototype, api);
  return (mod.default ?? mod) as typeof import('undici').EnvHttpProxyAgent;
}

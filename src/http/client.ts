/**
 * The HTTP client every provider uses. It owns: base URL + query building, auth (a provider's
 * AuthStrategy), the retry policy, rate-limit pacing shared by all requests of the run, --verbose logging,
 * --dry-run capture, and mapping transport failures to NetworkError (exit 6).
 *
 * Retries are a small loop here rather than undici's retry interceptor: the policy needs the response
 * body (Close's `rate_reset`), must pause every request of the run after a 429 (not only the one that
 * got it), must re-run the provider's auth before each attempt (fresh OpenHIM token headers), and must
 * log each attempt in --verbose. The interceptor gives none of these hooks.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { exchange } from './undici.js';
import { MAYBE_APPLIED_HINT, NetworkError, NotSent, TaskctlError, UsageError, interruptCode } from '../errors.js';
import { redactHeaderValue, redactJson, registerHeaderSecrets, type SecretRegistry } from './redact.js';
import { getDispatcher, type TransportOptions } from './transport.js';
import { retryDelayMs, isRetryable, parseRateLimit } from './retry.js';
import { maxResponseBytes, tooLarge } from './body.js';

/** a raw (`chunks`) body up to this size is also given as `text` */
const RAW_TEXT_MAX = 64 << 10;

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];
export type QueryInit = Record<string, QueryValue> | URLSearchParams;

export interface RequestSpec {
  method: string;
  /** a path below the base URL (`/tasks/x`), or an absolute URL */
  path: string;
  query?: QueryInit;
  headers?: Record<string, string>;
  /** sent as JSON with a JSON content type */
  json?: unknown;
  /** sent as-is */
  body?: string | Buffer;
  /** false: send no credentials (public routes, pre-signed URLs) */
  auth?: boolean;
  /** 'never': no retry at all (e.g. long-running execute calls) */
  retry?: 'default' | 'never';
  /** deadline of each attempt as a whole, connect to last body byte (default: the client's, i.e. --timeout) */
  timeoutMs?: number;
  /** return the body as a stream instead of reading it (downloads) */
  stream?: boolean;
  /** keep a 2xx body as its bytes (`chunks`) rather than text: printed as it came without a string of it (api) */
  raw?: boolean;
  /**
   * What the run's stop (Ctrl-C, SIGTERM) does to this request in flight: 'wait' (default) lets it finish
   * so its real outcome is reported; 'abort' ends it at once, for requests whose answer only reports on
   * work that goes on without us (a poll, a download, a long synchronous execute).
   */
  onStop?: 'wait' | 'abort';
  /**
   * The server's rate-limit group of this request, whose `RateLimit` budget paces it (Close counts per
   * method + path template, e.g. `PUT /task/` apart from `PUT /task/{id}/`). Default: the method.
   */
  rateGroup?: string;
  /**
   * The request changes nothing although its method is not a read: a POST that carries a GET in
   * `x-http-method-override` (Close's form for filters too long for a URL). It is treated as the GET it
   * is: retried like one, still sent after a stop, never reported possibly applied.
   */
  readOnly?: boolean;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  url: string;
  method: string;
  /** header names lower-cased; repeated headers joined with ", " except set-cookie (array) */
  headers: Record<string, string | string[]>;
  text: string;
  /** set only for `stream: true` requests */
  stream?: Readable;
  /**
   * the body's bytes, set only for 2xx answers to `raw: true` requests; `text` then holds the body too only
   * when it is at most RAW_TEXT_MAX bytes (enough for checks of short answers, e.g. OpenHIM's auth trap)
   */
  chunks?: Buffer[];
  /** true when --dry-run printed the request instead of sending it */
  dryRun?: boolean;
}

export interface DryRunRecord {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface AuthStrategy {
  /** a word for messages: "basic", "token", … */
  readonly mode: string;
  /**
   * Runs a login exchange (OpenHIM's /authenticate, a token mint) before the request takes one of the
   * client's connection slots. An exchange made from apply() instead would wait for a slot held by
   * the very requests waiting for it: a deadlock once --concurrency requests are in flight.
   */
  prepare?(dryRun?: boolean): Promise<void>;
  /** adds credentials to `headers` (cheap: the exchange happened in prepare; never one under --dry-run) */
  apply(headers: Record<string, string>, req: { method: string; url: URL; dryRun: boolean }): Promise<void>;
  /** on 401/403 (`sent`: the headers that request carried): return true to send it once more with fresh credentials */
  refresh?(res: HttpResponse, sent: Readonly<Record<string, string>>): Promise<boolean>;
}

export interface ClientOptions {
  baseUrl: string;
  transport: TransportOptions;
  retries: number;
  timeoutMs: number;
  verbose: boolean;
  dryRun: boolean;
  concurrency: number;
  secrets: SecretRegistry;
  /** writes one line to stderr */
  log: (line: string) => void;
  /** receives each request --dry-run did not send */
  onDryRun: (rec: DryRunRecord) => void;
  /**
   * The run's stop signal (first Ctrl-C, SIGTERM): from then on nothing that changes anything is sent
   * (NotSent), waits end, but requests already in flight run to their answer or their deadline so their
   * real outcome can be reported. Reads (GET/HEAD) may still be sent: they change nothing and report outcomes.
   */
  signal?: AbortSignal;
  /** aborts requests in flight (a second Ctrl-C): their outcome is then unknown */
  abortSignal?: AbortSignal;
  /** told about each request as it leaves (`mutates`: not GET/HEAD/OPTIONS) */
  onSend?: (mutates: boolean) => void;
  /** the run was stopped (`signal`) while requests of this client that it waits for were on the wire */
  onStopWhileSending?: () => void;
  /** a request starts (+1) or ends (-1) sleeping through a retry wait; it holds no connection slot meanwhile */
  onRetryWait?: (delta: number) => void;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  auth?: AuthStrategy;
  userAgent: string;
  /** where each profile field came from (`OPENHIM_URL`, `"url" of profile "x" in FILE`), for hints */
  sources?: Record<string, string>;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export class HttpClient {
  readonly baseUrl: string;
  auth?: AuthStrategy;
  private dispatcher: Dispatcher | null = null;
  /** requests wait until this time (ms) after a 429 or an exhausted RateLimit budget */
  private pausedUntil = 0;
  /** the RateLimit budget of each rate group (RequestSpec.rateGroup) */
  private budgets = new Map<string, Budget>();
  /** requests let through pacing so far; each gets the next number */
  private sentSeq = 0;
  private inFlight = 0;
  /** requests on the wire (sent, answer not read yet) */
  private onWire = 0;
  /** of those, the ones a stop waits for (not `onStop: 'abort'`) */
  private awaitedOnWire = 0;
  /** parallel requests allowed now: --concurrency, lowered after 429s and raised again while answers are good */
  private limit: number;
  private readonly maxLimit: number;
  /** `sentSeq` when the limit was last lowered: a 429 for a request sent before that belongs to the same episode */
  private loweredAtSeq = 0;
  /** good answers since the limit last changed (to requests sent after it was lowered) */
  private goodAnswers = 0;
  /** the current round: up to `limit` answers to requests sent after the last decrease, and its 429s */
  private roundAnswers = 0;
  private round429s = 0;
  private waiters: (() => void)[] = [];
  /** attempts on the wire (and downloads still streaming): the run's signals abort them */
  private attempts = new Set<{ abort: (reason: unknown) => void; abortOnStop: boolean }>();
  /** counters for summaries and tests */
  readonly stats = { requests: 0, retries: 0, rateLimited: 0 };

  /** answers read into memory stop here (TASKCTL_MAX_RESPONSE_MIB, default 64 MiB); downloads stream */
  private readonly maxResponseBytes: number;

  constructor(readonly opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.maxResponseBytes = maxResponseBytes(opts.transport.env);
    this.auth = opts.auth;
    this.limit = this.maxLimit = Math.max(1, opts.concurrency);
    // each request waiting (pacing, a retry's pause) listens for Ctrl-C on the run's signals: not a leak
    for (const s of [opts.signal, opts.abortSignal]) if (s) setMaxListeners(Math.max(getMaxListeners(s), 4 * this.limit + 16), s);
    opts.signal?.addEventListener(
      'abort',
      () => {
        if (this.awaitedOnWire > 0) opts.onStopWhileSending?.();
        // requests whose answer only reports on work that goes on without us end at once
        for (const a of [...this.attempts]) if (a.abortOnStop) a.abort(opts.signal!.reason);
      },
      { once: true },
    );
    // a second Ctrl-C cuts every request on the wire
    opts.abortSignal?.addEventListener('abort', () => [...this.attempts].forEach((a) => a.abort(opts.abortSignal!.reason)), { once: true });
  }

  /** parallel requests allowed now (tests, progress) */
  get concurrency(): number {
    return this.limit;
  }

  /** requests sent whose answer is not read yet (a test's virtual clock moves only when this is 0) */
  get requestsOnWire(): number {
    return this.onWire;
  }

  buildUrl(path: string, query?: QueryInit): URL {
    let url: URL;
    if (/^https?:\/\//i.test(path)) url = new URL(path);
    else {
      if (!path.startsWith('/')) path = `/${path}`;
      url = new URL(this.baseUrl + path);
    }
    if (query) {
      const entries = query instanceof URLSearchParams ? [...query.entries()] : Object.entries(query);
      for (const [k, v] of entries) {
        if (v === undefined || v === null) continue;
        if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
        else url.searchParams.append(k, String(v));
      }
    }
    return url;
  }

  async request(spec: RequestSpec): Promise<HttpResponse> {
    const method = spec.method.toUpperCase();
    const url = this.buildUrl(spec.path, spec.query);
    const baseHeaders: Record<string, string> = { 'user-agent': this.opts.userAgent, accept: 'application/json, text/plain;q=0.9, */*;q=0.8' };
    let body: string | Buffer | undefined = spec.body;
    if (spec.json !== undefined) {
      body = JSON.stringify(spec.json);
      baseHeaders['content-type'] = 'application/json';
    }
    for (const [k, v] of Object.entries(spec.headers ?? {})) baseHeaders[k.toLowerCase()] = v;

    if (this.opts.dryRun) {
      const headers = { ...baseHeaders };
      if (spec.auth !== false && this.auth) await this.auth.apply(headers, { method, url, dryRun: true });
      const shown: Record<string, string> = {};
      for (const [k, v] of Object.entries(headers)) shown[k] = redactHeaderValue(k, v);
      let shownBody: unknown;
      if (spec.json !== undefined) shownBody = redactJson(spec.json);
      else if (body !== undefined) shownBody = Buffer.isBuffer(body) ? `<${body.length} bytes>` : redactJsonText(body);
      this.opts.onDryRun({ method, url: url.toString(), headers: shown, body: shownBody });
      return { status: 0, statusText: 'dry run', url: url.toString(), method, headers: {}, text: '', dryRun: true };
    }

    const maxRetries = spec.retry === 'never' ? 0 : Math.max(0, this.opts.retries);
    /** the method whose semantics count (retries, stops): a read-only POST is the GET it carries */
    const semantic = spec.readOnly ? 'GET' : method;
    const mutates = !READ_ONLY.has(semantic);
    let refreshed = false;
    /** an earlier attempt was sent and never answered: the server may have applied it */
    let unanswered = false;
    for (let attempt = 0; ; attempt++) {
      this.refuseIfStopped(mutates, method, url);
      if (spec.auth !== false && this.auth?.prepare) await this.auth.prepare(false);
      await this.acquire();
      let res: HttpResponse;
      let ticket: PacingTicket;
      let headers: Record<string, string> = baseHeaders;
      let sending = false;
      try {
        ticket = await this.waitForPacing(spec.rateGroup ?? method);
        headers = { ...baseHeaders };
        if (spec.auth !== false && this.auth) await this.auth.apply(headers, { method, url, dryRun: false });
        registerHeaderSecrets(this.opts.secrets, headers);
        this.refuseIfStopped(mutates, method, url);
        ticket.sentAt = this.opts.now();
        sending = true;
        res = await this.send(method, url, headers, body, spec);
      } catch (err) {
        this.release();
        if (err instanceof TaskctlError) throw err;
        // stopped while waiting for pacing: this attempt never left
        if (!sending && this.stopped) throw new NotSent(`not sent: ${method} ${url.host} (the run was stopped)`, { exitCode: interruptCode(this.opts.signal!) });
        const code = errorCode(err);
        // cut by a second Ctrl-C (or a stop that aborts) after it left: the server may have applied it too
        const cut = sending && (this.opts.abortSignal?.aborted || (spec.onStop === 'abort' && this.opts.signal?.aborted));
        if (mutates && (sentButUnanswered(code) || cut)) unanswered = true;
        if (spec.retry !== 'never' && attempt < maxRetries && isRetryable(semantic, undefined, code) && !this.stopped) {
          this.stats.retries++;
          const wait = retryDelayMs({ attempt, headers: {}, body: '', now: this.opts.now() }) ?? 1000;
          this.log(`* ${code}: retrying in ${Math.round(wait)} ms (${attempt + 1}/${maxRetries})`);
          if (await this.pause(wait)) continue;
        }
        throw networkError(err, url, { maybeApplied: unanswered, timeoutMs: spec.timeoutMs ?? this.opts.timeoutMs, urlSource: url.origin === new URL(this.baseUrl).origin ? this.opts.sources?.url : undefined });
      }
      this.release();
      this.observeRateLimit(res, ticket);
      if ((res.status === 401 || res.status === 403) && !refreshed && spec.auth !== false && this.auth?.refresh && !(mutates && this.stopped)) {
        if (res.stream) res.text = await drain(res);
        if (await this.auth.refresh(res, headers)) {
          refreshed = true;
          attempt--;
          continue;
        }
      }
      if (res.status === 429) this.stats.rateLimited++;
      this.pace(ticket, res.status);
      if (attempt < maxRetries && isRetryable(semantic, res.status) && !this.stopped) {
        if (res.stream) res.text = await drain(res);
        const wait = retryDelayMs({ attempt, headers: res.headers, body: res.text, now: this.opts.now() });
        if (wait !== null) {
          this.stats.retries++;
          if (res.status === 429 && !('ratelimit' in res.headers)) this.pauseAll(wait);
          this.log(`* ${res.status}: retrying in ${Math.round(wait)} ms (${attempt + 1}/${maxRetries})`);
          // stopped during the wait: this answer is the request's real outcome
          if (await this.pause(wait)) continue;
        }
      }
      return res;
    }
  }

  /** true once the run was told to stop (Ctrl-C, SIGTERM) */
  get stopped(): boolean {
    return Boolean(this.opts.signal?.aborted);
  }

  /** After a stop nothing that changes anything is sent; reads still are (they report outcomes). */
  private refuseIfStopped(mutates: boolean, method: string, url: URL): void {
    if (this.stopped && mutates) throw new NotSent(`not sent: ${method} ${url.host} (the run was stopped)`, { exitCode: interruptCode(this.opts.signal!) });
  }

  /** Waits before a retry; false when the run was stopped meanwhile (then there is no retry). */
  private async pause(ms: number): Promise<boolean> {
    this.opts.onRetryWait?.(1);
    try {
      await this.opts.sleep(ms, this.opts.signal);
      return !this.stopped;
    } catch (err) {
      if (this.stopped) return false;
      throw err;
    } finally {
      this.opts.onRetryWait?.(-1);
    }
  }

  private async send(method: string, url: URL, headers: Record<string, string>, body: string | Buffer | undefined, spec: RequestSpec): Promise<HttpResponse> {
    if (!this.dispatcher) this.dispatcher = await getDispatcher(this.opts.transport);
    this.stats.requests++;
    this.opts.onSend?.(!READ_ONLY.has(spec.readOnly ? 'GET' : method));
    const started = this.opts.now();
    if (this.opts.verbose) {
      this.log(`> ${method} ${url.toString()}`);
      for (const [k, v] of Object.entries(headers)) this.log(`> ${k}: ${redactHeaderValue(k, v)}`);
      if (body !== undefined) this.log(`> (${Buffer.byteLength(body)} bytes body)`);
    }
    // One deadline for the whole attempt, connect to last body byte: undici's headersTimeout and
    // bodyTimeout only bound the silences, so a server trickling a byte every 200 ms would never be cut.
    const timeout = spec.timeoutMs ?? this.opts.timeoutMs;
    const bodyMode = { stream: Boolean(spec.stream), raw: Boolean(spec.raw) };
    const x = exchange(this.dispatcher, { method, url, headers, body, headersTimeout: timeout, bodyTimeout: timeout, ...bodyMode, limit: this.maxResponseBytes, tooLarge: (status) => tooLarge(`${method} ${url.pathname}`, this.maxResponseBytes, status) });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      x.abort(new DeadlineExceeded(timeout));
    }, timeout);
    // the run's signals reach the attempts on the wire through one listener each (see the constructor)
    const abortOnStop = spec.onStop === 'abort';
    const attempt = { abort: x.abort, abortOnStop };
    this.attempts.add(attempt);
    if (this.opts.abortSignal?.aborted) x.abort(this.opts.abortSignal.reason);
    else if (abortOnStop && this.opts.signal?.aborted) x.abort(this.opts.signal.reason);
    let res: HttpResponse | undefined;
    const awaited = !abortOnStop;
    this.onWire++;
    if (awaited) this.awaitedOnWire++;
    try {
      const r = await x.answer;
      const outHeaders: Record<string, string | string[]> = {};
      for (const k in r.headers) {
        const v = r.headers[k];
        if (v === undefined) continue;
        outHeaders[k] = k === 'set-cookie' ? (Array.isArray(v) ? v : [v]) : Array.isArray(v) ? v.join(', ') : v;
      }
      res = { status: r.status, statusText: STATUS_TEXT[r.status] ?? '', url: url.toString(), method, headers: outHeaders, text: r.text };
      // a download streams to disk: past its headers only the idle bodyTimeout bounds it
      if (r.stream) res.stream = r.stream;
      else if (r.chunks) {
        res.chunks = r.chunks;
        // a short answer is also text, so checks that read `text` (apiWarning) see it as for any request
        if (r.chunks.reduce((n, c) => n + c.length, 0) <= RAW_TEXT_MAX) res.text = Buffer.concat(r.chunks).toString('utf8');
      }
    } catch (err) {
      // undici may surface the abort as its own error: say which deadline it was
      if (timedOut && !(err instanceof DeadlineExceeded)) throw new DeadlineExceeded(timeout);
      throw err;
    } finally {
      clearTimeout(timer);
      this.onWire--;
      if (awaited) this.awaitedOnWire--;
      // a download's body goes on after this: a second Ctrl-C still ends it
      if (res?.stream) res.stream.once('close', () => this.attempts.delete(attempt));
      else this.attempts.delete(attempt);
    }
    const outHeaders = res.headers;
    if (this.opts.verbose) {
      this.log(`< ${res.status} ${res.statusText} (${Math.round(this.opts.now() - started)} ms)`);
      for (const [k, v] of Object.entries(outHeaders)) {
        for (const one of Array.isArray(v) ? v : [v]) this.log(`< ${k}: ${redactHeaderValue(k, one)}`);
      }
    }
    return res;
  }

  private log(line: string): void {
    if (this.opts.verbose) this.opts.log(line);
  }

  // --- pacing: a concurrency limit that halves after a burst of 429s and climbs back one step at a
  // time while answers are good (AIMD), a pause shared by every request, and the RateLimit header's
  // remaining budget.

  private acquire(): Promise<void> {
    if (this.inFlight < this.limit) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(() => (this.inFlight++, resolve())));
  }

  /** frees a slot (`freed` = 1) or only wakes waiters after the limit rose (`freed` = 0) */
  private release(freed = 1): void {
    this.inFlight -= freed;
    while (this.inFlight < this.limit && this.waiters.length > 0) this.waiters.shift()!();
  }

  /**
   * AIMD over rounds of `limit` answers to requests sent after the last decrease. Once a quarter of a
   * round's answers (at least one) are 429s, the run continues with half the parallel requests
   * (multiplicative decrease); 429s for requests sent before that decrease are the rest of the same burst
   * and do not lower it again, so one burst does not drop it straight to 1. A 429 now and then among good
   * answers (a server refusing a few requests at random) only waits its own reset. Every `limit` good
   * answers allow one more parallel request, up to --concurrency (additive increase).
   */
  private pace(ticket: PacingTicket, status: number): void {
    if (ticket.seq <= this.loweredAtSeq || status >= 500) return;
    if (++this.roundAnswers > this.limit) {
      this.roundAnswers = 1;
      this.round429s = 0;
    }
    if (status === 429) {
      if (++this.round429s >= Math.ceil(this.limit / 4)) this.lower();
      return;
    }
    if (this.limit >= this.maxLimit) return;
    if (++this.goodAnswers < this.limit) return;
    this.goodAnswers = 0;
    this.limit++;
    this.release(0);
  }

  private lower(): void {
    this.limit = Math.max(1, Math.floor(this.limit / 2));
    this.loweredAtSeq = this.sentSeq;
    this.goodAnswers = this.roundAnswers = this.round429s = 0;
  }

  /**
   * A 429 that carries no RateLimit header (only Retry-After, or the body's rate_reset) says nothing of
   * the budget left: every request of the run waits as asked. (With a RateLimit header, the budget tells:
   * `remaining=0` holds every request until its reset through waitForPacing; without `remaining` only the
   * refused request waits its `reset`, and the lowered concurrency does the rest.)
   */
  private pauseAll(waitMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.opts.now() + waitMs);
  }

  /**
   * Records the `RateLimit: limit, remaining, reset` budget of a response. The window's end is dated from
   * the receipt of the answer: at worst a round trip late, which costs a few ms a window, while dating it
   * any earlier (from the middle of the round trip) sent the next window's first requests before the
   * server's window had ended whenever the server or this process was slow, and they were refused.
   * Parallel requests reach the server in any order, so within a window the observation that leaves the
   * smaller budget (`remaining + seq`, see waitForPacing) is kept; an expired one is always replaced.
   */
  private observeRateLimit(res: HttpResponse, ticket: PacingTicket): void {
    const rl = parseRateLimit(res.headers);
    if (!rl || rl.remaining === undefined || rl.reset === undefined) return;
    const now = this.opts.now();
    const seen = { remaining: rl.remaining, resetAt: now + rl.reset * 1000, seq: ticket.groupSeq };
    const b = ticket.budget;
    if (!b.rate || b.rate.resetAt <= now || seen.remaining + seen.seq < b.rate.remaining + b.rate.seq) b.rate = seen;
  }

  /**
   * Waits until this request may be sent: not before a 429 pause ends, and not while its group's reported
   * budget is spent. The budget left is `remaining` less the group's requests sent after the one that
   * reported it (they were not counted yet; FIFO is assumed). Past the window's end the budget is unknown
   * and requests flow.
   */
  private async waitForPacing(group: string): Promise<PacingTicket> {
    let b = this.budgets.get(group);
    if (!b) this.budgets.set(group, (b = { rate: null, sent: 0 }));
    for (let i = 0; i < 1000; i++) {
      const now = this.opts.now();
      let until = this.pausedUntil;
      if (b.rate && b.rate.resetAt <= now) b.rate = null;
      if (b.rate && b.rate.remaining - (b.sent - b.rate.seq) <= 0) until = Math.max(until, b.rate.resetAt);
      if (until <= now) break;
      await this.opts.sleep(until - now + 5, this.opts.signal);
    }
    return { seq: ++this.sentSeq, groupSeq: ++b.sent, budget: b, sentAt: this.opts.now() };
  }
}

interface Budget {
  /**
   * The latest budget the server reported for the group: `remaining` as of the group's request number
   * `seq`, and when its window ends. The group's requests sent after `seq` are not in that count yet.
   */
  rate: { remaining: number; resetAt: number; seq: number } | null;
  /** the group's requests let through pacing so far */
  sent: number;
}

interface PacingTicket {
  /** order in which requests passed pacing (all groups) */
  seq: number;
  /** order within its rate group */
  groupSeq: number;
  budget: Budget;
  sentAt: number;
}

/** A JSON text body as a redacted value (printed pretty); any other text as it is. */
function redactJsonText(text: string): unknown {
  try {
    return redactJson(JSON.parse(text));
  } catch {
    return text;
  }
}

async function drain(res: HttpResponse): Promise<string> {
  if (!res.stream) return res.text;
  const chunks: Buffer[] = [];
  for await (const c of res.stream) chunks.push(c as Buffer);
  res.stream = undefined;
  return Buffer.concat(chunks).toString('utf8');
}

function errorCode(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string }; name?: string };
  return e?.code ?? e?.cause?.code ?? e?.name ?? 'ERROR';
}

/** Methods that change nothing on the server. */
const READ_ONLY = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The attempt's deadline (--timeout) passed before the last byte of the answer arrived. */
export class DeadlineExceeded extends Error {
  readonly code = 'TASKCTL_DEADLINE';
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/** Failures after which the request may have reached the server and been acted on. */
const UNANSWERED_CODES = new Set(['TASKCTL_DEADLINE', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'AbortError', 'UND_ERR_ABORTED']);

function sentButUnanswered(code: string): boolean {
  return UNANSWERED_CODES.has(code);
}

function formatMs(ms: number): string {
  return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_NOT_YET_VALID',
]);

/** `urlSource`: where the base URL came from (`OPENHIM_URL`, a profile file), named in the hint of a failed connection */
export function networkError(err: unknown, url: URL, opts: { maybeApplied?: boolean; timeoutMs?: number; urlSource?: string } = {}): TaskctlError {
  const e = baseNetworkError(err, url, opts.timeoutMs, opts.urlSource);
  if (opts.maybeApplied && e instanceof NetworkError) {
    e.maybeApplied = true;
    e.hint = e.hint ? `${MAYBE_APPLIED_HINT}; ${e.hint}` : MAYBE_APPLIED_HINT;
  }
  return e;
}

function baseNetworkError(err: unknown, url: URL, timeoutMs?: number, urlSource?: string): TaskctlError {
  const code = errorCode(err);
  const host = url.host;
  if (code === 'TASKCTL_DEADLINE') {
    const ms = (err as DeadlineExceeded).timeoutMs ?? timeoutMs;
    return new NetworkError(`timed out: ${host} did not answer completely within ${formatMs(ms)}`, { hint: 'raise --timeout (milliseconds) or check the server' });
  }
  if (code === 'AbortError' || code === 'UND_ERR_ABORTED') return new NetworkError(`request to ${host} was interrupted before its answer arrived`);
  if (TLS_CODES.has(code)) {
    const why =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? `the certificate of ${host} is not valid for the host name "${url.hostname}"`
        : code === 'CERT_HAS_EXPIRED'
          ? `the certificate of ${host} has expired`
          : `the certificate of ${host} is not trusted (${code})`;
    const hint =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'use the host name the certificate names (OpenHIM\'s default certificate is for "localhost"), or --insecure'
        : "trust the server's CA with --ca <file> (or `ca:` in the profile), or skip verification with --insecure";
    return new NetworkError(`TLS: ${why}`, { hint, cause: err });
  }
  const messages: Record<string, string> = {
    ECONNREFUSED: `could not connect to ${host}: connection refused`,
    ENOTFOUND: `could not resolve host ${url.hostname}`,
    EAI_AGAIN: `could not resolve host ${url.hostname} (temporary DNS failure)`,
    ECONNRESET: `the connection to ${host} was reset`,
    UND_ERR_SOCKET: `the connection to ${host} was closed unexpectedly`,
    UND_ERR_CONNECT_TIMEOUT: `timed out connecting to ${host}`,
    UND_ERR_HEADERS_TIMEOUT: `timed out waiting for ${host} to answer`,
    UND_ERR_BODY_TIMEOUT: `timed out reading the answer from ${host}`,
    EHOSTUNREACH: `host ${host} is unreachable`,
    ENETUNREACH: `network unreachable for ${host}`,
  };
  const msg = messages[code];
  if (msg) {
    const hint = code.includes('TIMEOUT') ? 'raise --timeout (milliseconds) or check the server' : `check ${urlSource ?? 'the URL'} and that the server is running`;
    return new NetworkError(msg, { hint, cause: err });
  }
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG') return new UsageError(`invalid request: ${(err as Error).message}`);
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return new NetworkError(`request to ${host} failed: ${(err as Error).message}`);
  return new NetworkError(`request to ${host} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

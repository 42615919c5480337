/** The shared HTTP client's own rules: login exchanges and connection slots, dry-run, redaction. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type AuthStrategy, type DryRunRecord } from '../../src/http/client.js';
import { SecretRegistry } from '../../src/http/redact.js';
import { closeDispatchers } from '../../src/http/transport.js';
import { startServer, jsonReply, textReply, type FakeServer, type Reply } from '../servers/base.js';

let server: FakeServer;
/** replies a test queues for the path /scripted; other paths answer 200 with their path */
const script: Reply[] = [];
beforeAll(async () => {
  server = await startServer((req) => (req.path === '/scripted' && script.length ? script.shift()! : jsonReply(200, { path: req.path }, {})), { lifetimeMs: 30_000 });
});
afterAll(async () => {
  await closeDispatchers();
  await server.close();
});

function client(opts: { concurrency: number; dryRun?: boolean; onDryRun?: (r: DryRunRecord) => void; retries?: number; sleeps?: number[]; signal?: AbortSignal }) {
  return new HttpClient({
    signal: opts.signal,
    baseUrl: server.url,
    transport: { insecure: false, connections: opts.concurrency, timeoutMs: 5000, env: {} },
    retries: opts.retries ?? 0,
    timeoutMs: 5000,
    verbose: false,
    dryRun: opts.dryRun ?? false,
    concurrency: opts.concurrency,
    secrets: new SecretRegistry(),
    log: () => undefined,
    onDryRun: opts.onDryRun ?? (() => undefined),
    // with `sleeps`, waits are recorded and advance a virtual clock instead of sleeping
    sleep: opts.sleeps ? async (ms) => void opts.sleeps!.push(ms) : (ms) => new Promise((r) => setTimeout(r, ms)),
    now: opts.sleeps ? () => Date.now() + opts.sleeps!.reduce((a, b) => a + b, 0) : () => Date.now(),
    userAgent: 'test',
  });
}

/** A login that itself goes through the client, once, like OpenHIM's GET /authenticate. */
class LoginThroughClient implements AuthStrategy {
  readonly mode = 'token';
  logins = 0;
  private done?: Promise<string>;
  constructor(private readonly c: HttpClient) {}
  prepare(): Promise<void> {
    this.done ??= (async () => {
      this.logins++;
      const res = await this.c.request({ method: 'GET', path: '/login', auth: false });
      return JSON.parse(res.text).path as string;
    })();
    return this.done.then(() => undefined);
  }
  async apply(headers: Record<string, string>) {
    headers['x-session'] = await this.done!;
  }
}

describe('HttpClient', () => {
  it('a login exchange made through the same client does not deadlock when every slot is taken', async () => {
    const c = client({ concurrency: 2 });
    const auth = new LoginThroughClient(c);
    c.auth = auth;
    const before = server.requests.length;
    const all = Promise.all(Array.from({ length: 6 }, (_, i) => c.request({ method: 'GET', path: `/item/${i}` })));
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('deadlock: requests never finished')), 4000));
    const results = (await Promise.race([all, timeout])) as { status: number }[];
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(auth.logins).toBe(1);
    const sent = server.requests.slice(before);
    expect(sent.filter((r) => r.path === '/login')).toHaveLength(1);
    expect(sent.filter((r) => r.path.startsWith('/item/')).every((r) => r.headers['x-session'] === '/login')).toBe(true);
  });

  it('--dry-run sends nothing, not even the login, and masks secret headers and fields', async () => {
    const seen: DryRunRecord[] = [];
    const c = client({ concurrency: 2, dryRun: true, onDryRun: (r) => seen.push(r) });
    c.auth = { mode: 'basic', apply: async (h) => void (h.authorization = 'Basic c2VjcmV0') };
    const before = server.requests.length;
    const res = await c.request({ method: 'POST', path: '/x', json: { user: 'u', password: 'p4ssw0rd' } });
    expect(res.dryRun).toBe(true);
    expect(server.requests.length).toBe(before);
    expect(seen[0].headers.authorization).toBe('Basic ***');
    expect(seen[0].body).toEqual({ user: 'u', password: '***' });
  });

  it('builds query strings with repeated keys for arrays and skips undefined values', () => {
    const c = client({ concurrency: 1 });
    const url = c.buildUrl('/a', { iteration: [0, 1], x: undefined, y: 'z w' });
    expect(url.search).toBe('?iteration=0&iteration=1&y=z+w');
  });

  it('retries a GET on 503 and 502, waiting Retry-After, and returns the answer that finally came', async () => {
    const sleeps: number[] = [];
    const c = client({ concurrency: 2, retries: 3, sleeps });
    script.push(textReply(503, 'busy', { 'retry-after': '2' }), textReply(502, 'bad gateway'));
    const before = server.requests.length;
    const res = await c.request({ method: 'GET', path: '/scripted' });
    expect(res.status).toBe(200);
    expect(server.requests.length - before).toBe(3);
    expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
    expect(sleeps[0]).toBeLessThan(2300);
    expect(c.stats.retries).toBe(2);
  });

  it('never retries a POST on 503 (the server may have acted on it), but does on 429', async () => {
    const c = client({ concurrency: 2, retries: 3, sleeps: [] });
    script.push(textReply(503, 'busy'));
    let before = server.requests.length;
    expect((await c.request({ method: 'POST', path: '/scripted', json: {} })).status).toBe(503);
    expect(server.requests.length - before).toBe(1);

    const sleeps: number[] = [];
    const c2 = client({ concurrency: 2, retries: 3, sleeps });
    script.push(textReply(429, 'slow down', { ratelimit: 'limit=20, remaining=0, reset=0.25' }));
    before = server.requests.length;
    expect((await c2.request({ method: 'POST', path: '/scripted', json: {} })).status).toBe(200);
    expect(server.requests.length - before).toBe(2);
    // the RateLimit reset (a decimal number of seconds) wins over any default
    expect(sleeps[0]).toBeGreaterThanOrEqual(250);
    expect(sleeps[0]).toBeLessThan(600);
  });

  it('a read-only POST (a GET carried in x-http-method-override) is retried like a GET and still sent after a stop; a plain POST is not', async () => {
    const c = client({ concurrency: 1, retries: 3, sleeps: [] });
    const read = { method: 'POST', path: '/scripted', headers: { 'x-http-method-override': 'GET' }, json: { _params: { id__in: 'a,b' } }, readOnly: true };
    script.push(textReply(503, 'busy'));
    let before = server.requests.length;
    expect((await c.request(read)).status).toBe(200);
    expect(server.requests.slice(before).map((r) => `${r.method} ${r.headers['x-http-method-override']}`)).toEqual(['POST GET', 'POST GET']);

    const stop = new AbortController();
    const stopped = client({ concurrency: 1, signal: stop.signal });
    stop.abort();
    before = server.requests.length;
    expect((await stopped.request(read)).status).toBe(200);
    await expect(stopped.request({ method: 'POST', path: '/x', json: {} })).rejects.toThrow(/^not sent: POST/);
    expect(server.requests.length - before).toBe(1);
  });

  it('gives up after --retries and returns the last answer', async () => {
    const c = client({ concurrency: 1, retries: 2, sleeps: [] });
    script.push(textReply(503, 'a'), textReply(503, 'b'), textReply(503, 'c'), textReply(503, 'd'));
    const before = server.requests.length;
    const res = await c.request({ method: 'DELETE', path: '/scripted' });
    expect(res.status).toBe(503);
    expect(res.text).toBe('c');
    expect(server.requests.length - before).toBe(3);
    script.length = 0;
  });
});

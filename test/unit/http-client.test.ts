/** The shared HTTP client's own rules: login exchanges and connection slots, dry-run, redaction. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type AuthStrategy, type DryRunRecord } from '../../src/http/client.js';
import { SecretRegistry } from '../../src/http/redact.js';
import { closeDispatchers } from '../../src/http/transport.js';
import { startServer, jsonReply, type FakeServer } from '../servers/base.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startServer((req) => jsonReply(200, { path: req.path }, {}), { lifetimeMs: 30_000 });
});
afterAll(async () => {
  await closeDispatchers();
  await server.close();
});

function client(opts: { concurrency: number; dryRun?: boolean; onDryRun?: (r: DryRunRecord) => void }) {
  return new HttpClient({
    baseUrl: server.url,
    transport: { insecure: false, connections: opts.concurrency, timeoutMs: 5000, env: {} },
    retries: 0,
    timeoutMs: 5000,
    verbose: false,
    dryRun: opts.dryRun ?? false,
    concurrency: opts.concurrency,
    secrets: new SecretRegistry(),
    log: () => undefined,
    onDryRun: opts.onDryRun ?? (() => undefined),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
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
});

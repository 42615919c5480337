/**
 * `taskctl conductor` authentication through the built binary: the token exchange, the 0600 token cache,
 * one refresh on EXPIRED_TOKEN / INVALID_TOKEN, Conductor OSS without auth, error shapes, --dry-run and
 * --verbose never showing the secret or the JWT.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CANARY, runCli, sandboxDir, writeConfig } from '../helpers/cli.js';
import { startConductor, type ConductorOptions, type FakeConductor } from '../servers/conductor.js';

const servers: FakeConductor[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function orkes(opts: ConductorOptions = {}): Promise<FakeConductor> {
  const s = await startConductor({ keySecret: CANARY.conductorSecret, lifetimeMs: 60_000, ...opts });
  servers.push(s);
  return s;
}

function freshCache(): string {
  return fs.mkdtempSync(path.join(sandboxDir(), 'cache-'));
}

function envFor(s: FakeConductor, cache: string, extra: Record<string, string | undefined> = {}) {
  return { CONDUCTOR_SERVER_URL: s.url, CONDUCTOR_AUTH_KEY: s.keyId, CONDUCTOR_AUTH_SECRET: CANARY.conductorSecret, XDG_CACHE_HOME: cache, ...extra };
}

function inbox(s: FakeConductor) {
  s.addTask({ taskId: 'task-1', assignee: { user: s.callerUser, userType: 'CONDUCTOR_USER' }, input: { amount: 10 } });
}

const list = ['conductor', 'human', 'list', '--json'];

function cacheFiles(cache: string): string[] {
  const dir = path.join(cache, 'taskctl');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

describe('conductor auth: token exchange and cache', () => {
  it('mints once, sends X-Authorization without Bearer, caches the token 0600; the second run makes no /api/token call', async () => {
    const s = await orkes();
    inbox(s);
    const cache = freshCache();
    const first = await runCli(list, { env: envFor(s, cache) });
    expect(first.code).toBe(0);
    expect(first.json<{ taskId: string }[]>().map((t) => t.taskId)).toEqual(['task-1']);
    expect(s.tokenRequests()).toBe(1);
    const mint = s.requests.find((r) => r.path === '/api/token')!;
    expect(JSON.parse(mint.body)).toEqual({ keyId: s.keyId, keySecret: CANARY.conductorSecret });
    const search = s.requests.find((r) => r.path === '/api/human/tasks/search')!;
    expect(search.headers['x-authorization']).toBe(s.issuedTokens[0]);
    expect(search.headers.authorization).toBeUndefined();

    const files = cacheFiles(cache);
    expect(files).toHaveLength(1);
    expect(fs.statSync(files[0]).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(files[0])).mode & 0o777).toBe(0o700);
    expect(path.basename(files[0])).not.toContain(s.keyId);
    expect(fs.readFileSync(files[0], 'utf8')).not.toContain(CANARY.conductorSecret);
    for (const out of [first.stdout, first.stderr]) expect(out).not.toContain(s.issuedTokens[0]);

    const second = await runCli(list, { env: envFor(s, cache) });
    expect(second.code).toBe(0);
    expect(s.tokenRequests()).toBe(1);
    const searches = s.requests.filter((r) => r.path === '/api/human/tasks/search');
    expect(searches).toHaveLength(2);
    expect(searches[1].headers['x-authorization']).toBe(s.issuedTokens[0]);
  });

  it('after the server expires the token, the next run refreshes exactly once and retries; the run after uses the new token', async () => {
    const s = await orkes();
    inbox(s);
    const cache = freshCache();
    expect((await runCli(list, { env: envFor(s, cache) })).code).toBe(0);
    s.expireAllTokens();
    const r = await runCli([...list.slice(0, -1), '--verbose'], { env: envFor(s, cache) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('task-1');
    expect(s.tokenRequests()).toBe(2);
    expect(r.stderr).toMatch(/EXPIRED_TOKEN; minting a new one/);
    const searches = s.requests.filter((q) => q.path === '/api/human/tasks/search');
    expect(searches.map((q) => q.headers['x-authorization'])).toEqual([s.issuedTokens[0], s.issuedTokens[0], s.issuedTokens[1]]);
    for (const t of s.issuedTokens) expect(r.stderr).not.toContain(t);

    expect((await runCli(list, { env: envFor(s, cache) })).code).toBe(0);
    expect(s.tokenRequests()).toBe(2);
  });

  it('a revoked cached token (INVALID_TOKEN) is replaced once, even when many ids run at once', async () => {
    const s = await orkes();
    for (const id of ['a1', 'a2', 'a3', 'a4']) s.addTask({ taskId: id, assignee: { user: s.callerUser, userType: 'CONDUCTOR_USER' } });
    const cache = freshCache();
    expect((await runCli(list, { env: envFor(s, cache) })).code).toBe(0);
    s.revokeToken(s.issuedTokens[0]);
    const r = await runCli(['conductor', 'human', 'claim', 'a1', 'a2', 'a3', 'a4', '--concurrency', '4', '--json'], { env: envFor(s, cache) });
    expect(r.code).toBe(0);
    expect(r.json<{ summary: unknown }>().summary).toEqual({ total: 4, succeeded: 4, failed: 0 });
    expect(s.tokenRequests()).toBe(2);
  });

  it('does not reuse a cached token within 5 minutes of its exp', async () => {
    const s = await orkes({ tokenTtlSeconds: 240 });
    inbox(s);
    const cache = freshCache();
    expect((await runCli(list, { env: envFor(s, cache) })).code).toBe(0);
    expect((await runCli(list, { env: envFor(s, cache) })).code).toBe(0);
    expect(s.tokenRequests()).toBe(2);
  });

  it('caches a token without exp (45-minute fallback)', async () => {
    const s = await orkes({ noExp: true });
    inbox(s);
    const cache = freshCache();
    expect((await runCli(list, { env: envFor(s, cache) })).code).toBe(0);
    expect((await runCli(list, { env: envFor(s, cache) })).code).toBe(0);
    expect(s.tokenRequests()).toBe(1);
  });

  it('keys the cache by URL, key id and secret: profiles sharing a key share a token; a changed secret never reuses it', async () => {
    const s = await orkes();
    inbox(s);
    const cache = freshCache();
    const cfg = writeConfig(
      `profiles:\n  a:\n    provider: conductor\n    url: ${s.url}\n    keyId: ${s.keyId}\n    keySecret: \${SECRET}\n  b:\n    provider: conductor\n    url: ${s.url}/api\n    keyId: ${s.keyId}\n    keySecret: \${SECRET}\n`,
    );
    const env = { XDG_CACHE_HOME: cache, SECRET: CANARY.conductorSecret };
    expect((await runCli([...list, '--config', cfg, '-p', 'a'], { env })).code).toBe(0);
    expect((await runCli([...list, '--config', cfg, '-p', 'b'], { env })).code).toBe(0);
    expect((await runCli([...list, '--config', cfg, '-p', 'a'], { env })).code).toBe(0);
    expect(s.tokenRequests()).toBe(1);
    expect(cacheFiles(cache)).toHaveLength(1);
    // the secret changed (rotated, or mistyped): the token minted with the old one is not used
    const wrong = 'rotated-secret-0451';
    const r = await runCli([...list, '--config', cfg, '-p', 'a'], { env: { ...env, SECRET: wrong }, secrets: [wrong] });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/refused the application key/);
    expect(s.tokenRequests()).toBe(2);
    // and profile test always mints afresh, even with a valid cached token
    const t = await runCli(['profile', 'test', 'a', '--config', cfg], { env });
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/minted now/);
    expect(s.tokenRequests()).toBe(3);
  });

  it('accepts the URL with /api and trims the key and secret', async () => {
    const s = await orkes();
    inbox(s);
    const r = await runCli(list, { env: envFor(s, freshCache(), { CONDUCTOR_SERVER_URL: `${s.url}/api/`, CONDUCTOR_AUTH_KEY: ` ${s.keyId}\n`, CONDUCTOR_AUTH_SECRET: `${CANARY.conductorSecret}\n` }) });
    expect(r.code).toBe(0);
    expect(s.requests.map((q) => q.path)).toEqual(['/api/token', '/api/human/tasks/search']);
  });
});

describe('conductor auth: failures', () => {
  it('a wrong secret exits 4 naming the key, never the secret, and caches nothing', async () => {
    const s = await orkes({ keySecret: 'the-real-secret-0000' });
    const cache = freshCache();
    const r = await runCli(list, { env: envFor(s, cache) });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.errorJson()).toEqual({
      error: { code: 4, message: expect.stringMatching(new RegExp(`refused the application key "${s.keyId}".*: Invalid Access Key`)), status: 401, hint: expect.stringMatching(/CONDUCTOR_AUTH_SECRET/) },
    });
    expect(s.requests.map((q) => q.path)).toEqual(['/api/token']);
    expect(cacheFiles(cache)).toHaveLength(0);
  });

  it('no key against Orkes exits 4 and says which settings are missing', async () => {
    const s = await orkes();
    const r = await runCli(['conductor', 'human', 'get', 'task-1'], { env: { CONDUCTOR_SERVER_URL: s.url, XDG_CACHE_HOME: freshCache() } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/the token was refused \(INVALID_TOKEN\)/);
    expect(r.stderr).toMatch(/server said: Token cannot be null or empty/);
    expect(r.stderr).toMatch(/needs an application key.*CONDUCTOR_AUTH_KEY/);
    expect(s.tokenRequests()).toBe(0);
  });

  it('a key id without a secret is a configuration error (exit 3) and sends nothing', async () => {
    const s = await orkes();
    const r = await runCli(list, { env: { CONDUCTOR_SERVER_URL: s.url, CONDUCTOR_AUTH_KEY: 'key-1' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/has no keySecret/);
    expect(r.stderr).toMatch(/CONDUCTOR_AUTH_SECRET/);
    expect(s.requests).toHaveLength(0);
  });

  it('a 403 permission error is not retried with a new token and exits 4', async () => {
    const s = await orkes({ admin: false });
    const r = await runCli(['conductor', 'human', 'list', '--search-type', 'ADMIN'], { env: envFor(s, freshCache()) });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/permission refused by 127\.0\.0\.1:\d+/);
    expect(r.stderr).toMatch(/server said: User user-1 is not a cluster admin/);
    expect(s.tokenRequests()).toBe(1);
  });

  it('a validation error prints one line per field', async () => {
    const s = await orkes();
    const cache = freshCache();
    expect((await runCli(list, { env: envFor(s, cache) })).code).toBe(0);
    s.failNext(1, 400, {}, { status: 400, message: 'Validation failed, check below errors for detail.', instance: 'x', retryable: false, validationErrors: [{ path: 'size', message: 'must be positive', invalidValue: 0 }, { path: 'searchType', message: 'must not be null' }] });
    const r = await runCli(['conductor', 'human', 'list'], { env: envFor(s, cache) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('search human tasks: refused by');
    expect(r.stderr).toContain('Validation failed, check below errors for detail.\n  size: must be positive (received 0)\n  searchType: must not be null');
  });

  it('a 500 ErrorResponse exits 1 with the server message and is not retried (POST)', async () => {
    const s = await orkes();
    const cache = freshCache();
    expect((await runCli(list, { env: envFor(s, cache) })).code).toBe(0);
    s.failNext(1, 503, {}, { status: 503, message: 'database unavailable', instance: 'x', retryable: true });
    const r = await runCli(['conductor', 'human', 'list'], { env: envFor(s, cache) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Conductor answered 503/);
    expect(r.stderr).toMatch(/server said: database unavailable/);
    expect(s.requests.filter((q) => q.path === '/api/human/tasks/search')).toHaveLength(2);
  });
});

describe('conductor auth: --dry-run and --verbose', () => {
  it('--dry-run makes no /api/token exchange and no request at all, and shows x-authorization: ***', async () => {
    const s = await orkes();
    const r = await runCli(['conductor', 'human', 'complete', '--workflow-id', 'wf-1', '--task-ref', 'approve', '--field', 'ok:=true', '--dry-run'], { env: envFor(s, freshCache()) });
    expect(r.code).toBe(0);
    expect(s.requests).toHaveLength(0);
    expect(r.stdout).toContain(`POST ${s.url}/api/human/tasks/update/taskRef?workflowId=wf-1&taskRefName=approve&complete=true`);
    expect(r.stdout).toContain('x-authorization: ***');
    expect(r.stdout).toContain('"ok": true');
    expect(r.stdout).not.toContain('/api/token');
  });

  it('--dry-run --json prints the request document and still sends nothing', async () => {
    const s = await orkes();
    const r = await runCli(['conductor', 'human', 'claim', 't1', 't2', '--override', '--dry-run', '--json'], { env: envFor(s, freshCache()) });
    expect(r.code).toBe(0);
    expect(s.requests).toHaveLength(0);
    const doc = r.json<{ dryRun: boolean; requests: { method: string; url: string; headers: Record<string, string> }[] }>();
    expect(doc.dryRun).toBe(true);
    expect(doc.requests.map((q) => `${q.method} ${q.url}`)).toEqual([`POST ${s.url}/api/human/tasks/t1/claim?overrideAssignment=true`, `POST ${s.url}/api/human/tasks/t2/claim?overrideAssignment=true`]);
    expect(doc.requests[0].headers['x-authorization']).toBe('***');
  });

  it('--verbose logs the requests with the token redacted', async () => {
    const s = await orkes();
    inbox(s);
    const r = await runCli(['conductor', 'human', 'get', 'task-1', '--verbose'], { env: envFor(s, freshCache()) });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`> POST ${s.url}/api/token`);
    expect(r.stderr).toContain('> x-authorization: ***');
    expect(r.stderr).toMatch(/\* token: minted/);
    expect(r.stderr).not.toContain(s.issuedTokens[0]);
  });
});

describe('conductor auth: a refused key over many ids', () => {
  it('asks for a token once, fails every id with exit 4, and prints no secret', async () => {
    const s = await orkes({ keySecret: 'the-real-secret-0000' });
    const ids = Array.from({ length: 6 }, (_, i) => `t${i}`);
    const r = await runCli(['conductor', 'human', 'claim', ...ids, '--concurrency', '2', '--json'], { env: envFor(s, freshCache()) });
    expect(r.code).toBe(4);
    const doc = r.json<{ results: { ok: boolean; error: string }[]; summary: unknown }>();
    expect(doc.summary).toEqual({ total: 6, succeeded: 0, failed: 6 });
    expect(doc.results.every((x) => !x.ok && /refused the application key/.test(x.error))).toBe(true);
    expect(s.tokenRequests()).toBe(1);
    expect(s.requests.filter((q) => q.path.startsWith('/api/human'))).toHaveLength(0);
  });
});

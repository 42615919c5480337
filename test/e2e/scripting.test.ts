/**
 * taskctl in shell pipelines and CI (issue #11), through the built binary: bare --query strings, errors
 * as one JSON line on stderr (stdout empty), an empty `-` as a no-op, the whole-attempt deadline against
 * a trickling server, possibly-applied requests, real SIGINT/SIGTERM mid-run compared with what the
 * server applied, progress lines without a terminal, and the TASKCTL_* environment variables.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CANARY, runCli, startCli, until } from '../helpers/cli.js';
import { startClose, type CloseOptions, type FakeClose } from '../servers/close.js';

const servers: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function close(opts: CloseOptions = {}): Promise<FakeClose> {
  const f = await startClose({ apiKeys: [CANARY.closeApiKey], lifetimeMs: 60_000, ...opts });
  servers.push(f);
  return f;
}
const env = (url: string, extra: Record<string, string> = {}) => ({ CLOSE_URL: url, CLOSE_API_KEY: CANARY.closeApiKey, ...extra });

interface Many {
  results: { id: string; ok: boolean; status: number | null; error: string | null; maybeApplied?: boolean }[];
  summary: Record<string, number>;
}

/**
 * A server that answers every request with headers at once, then one body byte every 200 ms for a
 * minute (`trickle`), or never at all (`silent`). It records how many requests arrived.
 */
async function slowServer(kind: 'trickle' | 'silent'): Promise<{ url: string; hits: { method: string; path: string }[] }> {
  const hits: { method: string; path: string }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const srv = http.createServer((req, res) => {
    hits.push({ method: req.method!, path: req.url! });
    req.resume();
    if (kind === 'silent') return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"id":"');
    const t = setInterval(() => res.write('x'), 200);
    timers.add(t);
    res.on('close', () => clearInterval(t));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const stop = setTimeout(() => srv.close(), 60_000);
  servers.push({
    close: () => {
      clearTimeout(stop);
      for (const t of timers) clearInterval(t);
      srv.closeAllConnections();
      srv.close();
    },
  });
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, hits };
}

describe('output for scripts', () => {
  it('a string --query result prints bare, so $(…) captures the id; other results print as JSON', async () => {
    const f = await close();
    const [t] = f.seed(1);
    const id = await runCli(['close', 'task', 'get', t.id, '--query', 'id'], { env: env(f.url) });
    expect(id.code).toBe(0);
    expect(id.stdout).toBe(`${t.id}\n`);
    const obj = await runCli(['close', 'task', 'get', t.id, '--query', '{id: id}'], { env: env(f.url) });
    expect(JSON.parse(obj.stdout)).toEqual({ id: t.id });
  });

  it('an expression that does not parse exits 2 before anything is sent', async () => {
    const f = await close();
    const [t] = f.seed(1);
    const r = await runCli(['close', 'task', 'delete', t.id, '--yes', '--query', 'results[?'], { env: env(f.url) });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.errorJson()).toMatchObject({ error: { code: 2, status: null, message: expect.stringContaining('invalid --query expression') } });
    expect(f.requests).toHaveLength(0);
  });

  it('a --query that fails at run time keeps the many-id report (unfiltered), warns, and keeps the exit code', async () => {
    const f = await close();
    const [a, b] = f.seed(2);
    const r = await runCli(['close', 'task', 'delete', a.id, b.id, 'task_missing00001', '--yes', '--query', 'abs(results)'], { env: env(f.url) });
    expect(r.code).toBe(7);
    const doc = r.json<Many>();
    expect(doc.results.map((x) => [x.id, x.ok])).toEqual([
      [a.id, true],
      [b.id, true],
      ['task_missing00001', false],
    ]);
    expect(r.stderr).toMatch(/warning: --query "abs\(results\)" failed on this result: .*printing the result unfiltered/);
    expect(f.tasks.has(a.id) || f.tasks.has(b.id)).toBe(false);
  });

  it('a command that fails as a whole writes nothing to stdout: the error is one JSON line on stderr with the real status', async () => {
    const f = await close();
    const r = await runCli(['close', 'task', 'get', 'task_missing00001', '--json'], { env: env(f.url) });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.errorJson()).toEqual({ error: { code: 5, status: 404, message: expect.stringContaining('not found'), hint: null } });
    const bad = await runCli(['close', 'task', 'get', 'task_x', '--json', '--api-key', 'x'], { env: env(f.url) });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.errorJson()).toMatchObject({ error: { code: 2, status: null } });
  });

  it('`api` exits by the HTTP status with and without --json', async () => {
    const f = await close();
    const plain = await runCli(['close', 'api', 'GET', '/api/v1/task/task_missing00001/'], { env: env(f.url) });
    const json = await runCli(['close', 'api', 'GET', '/api/v1/task/task_missing00001/', '--json'], { env: env(f.url) });
    expect(plain.code).toBe(5);
    expect(json.code).toBe(5);
    expect(json.stdout).toBe('');
    expect(json.errorJson()).toMatchObject({ error: { code: 5, status: 404 } });
  });
});

describe('empty input', () => {
  it('`-` with nothing on stdin sends nothing, says so, exits 0; --json prints an empty report', async () => {
    const f = await close();
    const r = await runCli(['close', 'task', 'delete', '--yes', '-'], { env: env(f.url), input: '' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no task ids on standard input; nothing was sent/);
    const j = await runCli(['close', 'task', 'delete', '-', '--json'], { env: env(f.url), input: '[]' });
    expect(j.code).toBe(0);
    expect(j.json()).toEqual({ results: [], summary: { total: 0, succeeded: 0, failed: 0 } });
    expect(f.requests).toHaveLength(0);
  });
});

describe('deadlines and possibly-applied requests', () => {
  it('--timeout cuts a server that trickles its answer, and the timed-out attempt is not retried', async () => {
    const s = await slowServer('trickle');
    const r = await runCli(['close', 'api', 'GET', '/api/v1/me/', '--timeout', '1000'], { env: env(s.url), timeoutMs: 20_000 });
    expect(r.code).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('did not answer completely within 1000 ms');
    expect(s.hits).toHaveLength(1);
  });

  it('TASKCTL_TIMEOUT does the same when --timeout is not given', async () => {
    const s = await slowServer('trickle');
    const r = await runCli(['close', 'task', 'get', 'task_abc00000001'], { env: env(s.url, { TASKCTL_TIMEOUT: '800' }), timeoutMs: 20_000 });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('within 800 ms');
  });

  it('a create that timed out is reported as possibly applied (maybeApplied, "check before retrying")', async () => {
    const s = await slowServer('silent');
    const r = await runCli(['close', 'task', 'create', '--lead', 'lead_abc', '--text', 'hi', '--timeout', '800', '--json'], { env: env(s.url), timeoutMs: 20_000 });
    expect(r.code).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.errorJson()).toEqual({
      error: { code: 6, status: null, maybeApplied: true, message: expect.stringContaining('within 800 ms'), hint: expect.stringContaining('check before retrying') },
    });
    expect(s.hits.filter((h) => h.method === 'POST')).toHaveLength(1);
    const human = await runCli(['close', 'task', 'create', '--lead', 'lead_abc', '--text', 'hi', '--timeout', '800'], { env: env(s.url), timeoutMs: 20_000 });
    expect(human.stderr).toMatch(/taskctl: timed out: .* \(the server may have applied it: check before retrying/);
  });

  it('a bad TASKCTL_* value is a usage error naming the variable; nothing is sent', async () => {
    const f = await close();
    const r = await runCli(['close', 'task', 'list'], { env: env(f.url, { TASKCTL_CONCURRENCY: 'lots' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('TASKCTL_CONCURRENCY="lots"');
    expect(f.requests).toHaveLength(0);
  });
});

describe('Ctrl-C and SIGTERM mid-run', () => {
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${sig}: stops sending, waits for the requests in flight, reports each id exactly once as the server saw it, exits ${code}`, async () => {
      const f = await close({ latencyMs: 600 });
      const tasks = f.seed(12);
      const ids = tasks.map((t) => t.id);
      const run = startCli(['close', 'task', 'delete', '--yes', '--concurrency', '2', '--json', ...ids], { env: env(f.url), timeoutMs: 30_000 });
      await until(() => f.requests.filter((q) => q.method === 'DELETE').length >= 3, 'three DELETEs arrived');
      run.child.kill(sig);
      const r = await run.result;
      expect(r.code).toBe(code);
      const doc = r.json<Many>();
      expect(doc.results.map((x) => x.id)).toEqual(ids);
      const applied = new Set(ids.filter((id) => !f.tasks.has(id)));
      for (const x of doc.results) {
        // an id the server applied is never reported as failed or not sent, and the reverse
        expect([x.id, x.ok]).toEqual([x.id, applied.has(x.id)]);
        if (!x.ok) expect(x.error).toMatch(/not sent/);
      }
      expect(applied.size).toBeGreaterThanOrEqual(3);
      expect(doc.summary.notSent).toBe(ids.length - applied.size);
      expect(doc.summary.notSent).toBeGreaterThan(0);
      expect(f.requests.filter((q) => q.method === 'DELETE')).toHaveLength(applied.size);
      expect(r.stderr).toMatch(new RegExp(`${applied.size} of 12 deleted, ${12 - applied.size} not sent`));
    });
  }
});

describe('an id waiting out a 429', () => {
  it('does not hold back the ids behind it: with --concurrency 1 they are sent while it waits', async () => {
    const f = await close();
    const ids = f.seed(4).map((t) => t.id);
    // the first id's DELETE is refused once, to be retried after 30 s
    const body = { error: { message: 'API call count exceeded for this period', rate_endpoint_group: 'DELETE /task/{id}/', rate_limit: 20, rate_reset: 30, rate_window: 1 } };
    f.failNext(1, 429, { RateLimit: 'reset=30' }, body, (req) => req.path.includes(ids[0]));
    const run = startCli(['close', 'task', 'delete', '--yes', '--concurrency', '1', '--json', ...ids], { env: env(f.url), timeoutMs: 30_000 });
    // the other three are deleted while the first waits (one worker per parallel request would wait first)
    await until(() => ids.slice(1).every((id) => !f.tasks.has(id)), 'the other ids deleted while the first waits');
    const deletes = f.requests.filter((q) => q.method === 'DELETE');
    expect(deletes.map((q) => q.path.split('/')[4])).toEqual(ids);
    run.child.kill('SIGINT');
    const r = await run.result;
    // stopped during the wait: the first id reports the answer it had, the 429; nothing was sent again
    expect(r.code).toBe(130);
    const doc = r.json<Many>();
    expect(doc.results.map((x) => [x.id, x.ok, x.status])).toEqual([[ids[0], false, 429], ...ids.slice(1).map((id) => [id, true, 200])]);
    expect(f.tasks.has(ids[0])).toBe(true);
    expect(f.requests.filter((q) => q.method === 'DELETE')).toHaveLength(4);
  });
});

describe('a second Ctrl-C', () => {
  it('stops at once, without waiting for the requests in flight: exit 130, those ids possibly applied, the rest not sent', async () => {
    // a server that never answers: the first Ctrl-C waits for the two requests in flight (up to --timeout, 60 s
    // here, longer than this test lets the run live), the second one must end the run now
    const srv = await slowServer('silent');
    const ids = ['task_a1', 'task_a2', 'task_a3', 'task_a4', 'task_a5'];
    const run = startCli(['close', 'task', 'delete', '--yes', '--concurrency', '2', '--timeout', '60000', '--json', ...ids], { env: env(srv.url), timeoutMs: 20_000 });
    let live = '';
    run.child.stderr!.on('data', (d: string) => (live += d));
    await until(() => srv.hits.length >= 2, 'two DELETEs in flight');
    run.child.kill('SIGINT');
    await until(() => live.includes('taskctl: stopping'), 'the first Ctrl-C acknowledged');
    expect(live).toContain('taskctl: stopping: nothing more is sent; waiting for the answers to the requests in flight (Ctrl-C again stops at once)\n');
    run.child.kill('SIGINT');
    const r = await run.result;
    expect(r.code).toBe(130);
    expect(srv.hits.map((h) => h.method)).toEqual(['DELETE', 'DELETE']);
    const doc = r.json<Many>();
    expect(doc.results.map((x) => x.id)).toEqual(ids);
    const sent = new Set(srv.hits.map((h) => h.path.split('/').filter(Boolean).pop()));
    for (const x of doc.results) {
      expect(x.ok).toBe(false);
      if (sent.has(x.id)) {
        expect(x.maybeApplied, JSON.stringify(x)).toBe(true);
        expect(x.error).toMatch(/was interrupted before its answer arrived \(the server may have applied it: check before retrying\)/);
      }
      else expect(x.error, x.id).toMatch(/not sent/);
    }
  });
});

describe('a second Ctrl-C on a single command', () => {
  it('cuts the request: exit 130, the error says it may have been applied (maybeApplied with --json), stdout empty', async () => {
    const srv = await slowServer('silent');
    const run = startCli(['close', 'task', 'create', '--lead', 'lead_x', '--text', 'call back', '--timeout', '60000', '--json'], { env: env(srv.url), timeoutMs: 20_000 });
    let live = '';
    run.child.stderr!.on('data', (d: string) => (live += d));
    await until(() => srv.hits.length >= 1, 'the POST in flight');
    run.child.kill('SIGINT');
    await until(() => live.includes('taskctl: stopping'), 'the first Ctrl-C acknowledged');
    run.child.kill('SIGINT');
    const r = await run.result;
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('');
    expect(srv.hits.map((h) => `${h.method} ${h.path}`)).toEqual(['POST /api/v1/task/']);
    const err = JSON.parse(r.stderr.trim().split('\n').pop()!).error;
    expect(err).toMatchObject({ code: 130, status: null, maybeApplied: true });
    expect(err.message).toMatch(/was interrupted before its answer arrived/);
    expect(err.hint).toMatch(/the server may have applied it: check before retrying/);
  });
});

describe('a Ctrl-C that aborts at once', () => {
  it('spaaza task run (a request the stop aborts, not awaits) exits 130 without the "waiting for the answers" note', async () => {
    const srv = await slowServer('silent');
    const run = startCli(['spaaza', 'task', 'run', '7', '--timeout', '60000'], {
      env: { SPAAZA_URL: srv.url, SPAAZA_TOKEN_ID: 'id-1', SPAAZA_TOKEN_SECRET: CANARY.spaazaSecret, SPAAZA_CHAIN: '1' },
      timeoutMs: 20_000,
    });
    await until(() => srv.hits.length >= 1, 'the execute POST in flight');
    run.child.kill('SIGINT');
    const r = await run.result;
    expect(r.code).toBe(130);
    expect(srv.hits.map((h) => h.method)).toEqual(['POST']);
    expect(r.stderr).not.toContain('taskctl: stopping');
  });
});

describe('progress without a terminal', () => {
  it('a long run prints "n/total completed, k failed" lines on stderr; none with --json', async () => {
    const f = await close({ latencyMs: 150 });
    const ids = f.seed(8).map((t) => t.id);
    // the 10 s interval, shortened through the test knob; the run is several intervals long
    const r = await runCli(['close', 'task', 'delete', '--yes', '--concurrency', '1', ...ids], { env: env(f.url, { TASKCTL_PROGRESS_INTERVAL_MS: '100' }) });
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => /completed/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^\d\/8 completed, 0 failed$/);
    const done = lines.map((l) => Number(l.split('/')[0]));
    expect([...done].sort((a, b) => a - b)).toEqual(done);
    const more = f.seed(4).map((t) => t.id);
    const j = await runCli(['close', 'task', 'delete', '--yes', '--concurrency', '1', '--json', ...more], { env: env(f.url, { TASKCTL_PROGRESS_INTERVAL_MS: '100' }) });
    expect(j.stderr).not.toMatch(/completed/);
  });
});

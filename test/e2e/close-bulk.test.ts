/**
 * `close task complete|reopen` of many ids through Close's bulk update, end to end: the built binary against
 * the fake Close server (whose close() fails the test if any bulk PUT came without a non-empty id__in).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CANARY, runCli, startCli, until } from '../helpers/cli.js';
import { startServer, jsonReply, type FakeServer } from '../servers/base.js';
import { CLOSE_TASK_TYPES, startClose, type CloseOptions, type FakeClose } from '../servers/close.js';

let fake: FakeClose | undefined;
let other: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  await other?.close();
  fake = other = undefined;
});

async function start(opts: CloseOptions = {}): Promise<FakeClose> {
  fake = await startClose({ apiKeys: [CANARY.closeApiKey], lifetimeMs: 60_000, ...opts });
  return fake;
}

const env = (url: string) => ({ CLOSE_URL: url, CLOSE_API_KEY: CANARY.closeApiKey });

interface Report {
  results: Array<{ id: string; ok: boolean; status: number | null; error: string | null; maybeApplied?: boolean }>;
  summary: { total: number; succeeded: number; failed: number; notSent?: number; maybeApplied?: number };
}

describe('close task complete|reopen of many ids: the bulk update (e2e)', () => {
  it('completes 250 tasks of mixed types with at most 10 requests, every id reported once', async () => {
    const f = await start();
    const ts = f.seed(Array.from({ length: 250 }, (_, i) => ({ _type: CLOSE_TASK_TYPES[i % CLOSE_TASK_TYPES.length] })));
    const ids = ts.map((t) => t.id);
    const r = await runCli(['close', 'task', 'complete', '-', '--json'], { env: env(f.url), input: ids.join('\n') });
    expect(r.code).toBe(0);
    const j = r.json<Report>();
    expect(j.results.map((x) => x.id)).toEqual(ids);
    expect(j.results.every((x) => x.ok && x.status === 200)).toBe(true);
    expect(j.summary).toEqual({ total: 250, succeeded: 250, failed: 0 });
    expect(ts.every((t) => f.tasks.get(t.id)!.is_complete)).toBe(true);
    expect(r.stderr).toBe('250 of 250 completed\n');
    expect(f.requests.length).toBeLessThanOrEqual(10);
    // every bulk PUT names its ids and every type; together they name each id exactly once
    const puts = f.requests.filter((q) => q.method === 'PUT');
    expect(puts.every((q) => q.path === '/api/v1/task/' && q.query.get('_type') === 'all' && JSON.parse(q.body).is_complete === true)).toBe(true);
    expect(puts.flatMap((q) => q.query.get('id__in')!.split(','))).toEqual(ids);
    expect(puts.every((q) => q.url.length < 4096)).toBe(true);
    // the read-backs are pooled across the chunks, up to 100 ids a read: each id read once; a read too long
    // for a URL goes as POST with x-http-method-override: GET and the parameters in _params
    const reads = f.requests.filter((q) => q.method !== 'PUT');
    const readIds = reads.map((q) => {
      if (q.method === 'GET') return q.query;
      expect(q).toMatchObject({ method: 'POST', path: '/api/v1/task/', headers: { 'x-http-method-override': 'GET' } });
      return new URLSearchParams(JSON.parse(q.body)._params);
    });
    expect(readIds.every((p) => p.get('_type') === 'all' && p.get('_fields') === 'id,is_complete')).toBe(true);
    expect(readIds.flatMap((p) => p.get('id__in')!.split(',')).sort()).toEqual([...ids].sort());
    expect(readIds.map((p) => p.get('id__in')!.split(',').length)).toEqual([100, 100, 50]);
    expect(reads.map((q) => q.method)).toEqual(['POST', 'POST', 'GET']);
    expect(puts).toHaveLength(4);
    // reopen them the same way
    const back = await runCli(['close', 'task', 'reopen', '-'], { env: env(f.url), input: ids.join('\n') });
    expect(back.code).toBe(0);
    expect(back.stdout.split('\n').filter(Boolean)).toHaveLength(251);
    expect(ts.every((t) => !f.tasks.get(t.id)!.is_complete)).toBe(true);
  });

  it('unknown ids among good ones: exit 7, the unknown ones not found (404), the good ones completed', async () => {
    const f = await start();
    const good = f.seed(3).map((t) => t.id);
    const ids = [good[0], 'task_unknown1', good[1], good[2], 'task_unknown2'];
    const r = await runCli(['close', 'task', 'complete', ...ids, '--json'], { env: env(f.url) });
    expect(r.code).toBe(7);
    const j = r.json<Report>();
    expect(j.results.map((x) => [x.id, x.ok, x.status])).toEqual([
      [good[0], true, 200],
      ['task_unknown1', false, 404],
      [good[1], true, 200],
      [good[2], true, 200],
      ['task_unknown2', false, 404],
    ]);
    expect(j.results[1].error).toBe('task task_unknown1 not found');
    expect(r.stderr).toContain('3 of 5 completed, 2 failed');
    expect(f.requests.map((q) => q.method)).toEqual(['PUT', 'GET']);
    // every id unknown: the not-found class, 5
    const none = await runCli(['close', 'task', 'complete', 'task_nope1', 'task_nope2'], { env: env(f.url) });
    expect(none.code).toBe(5);
    expect(none.stdout).toContain('task_nope1\tfailed\t404\ttask task_nope1 not found');
  });

  it('a task the bulk update did not change is failed (exit 1 when it is the only class)', async () => {
    // a server that accepts the bulk PUT but whose read-back shows the tasks unchanged
    const seen: string[] = [];
    other = await startServer((req) => {
      seen.push(`${req.method} ${req.path}`);
      if (req.method === 'PUT') return jsonReply(200, {});
      const ids = req.query.get('id__in')!.split(',');
      return jsonReply(200, { data: ids.map((id) => ({ id, is_complete: false })), has_more: false });
    });
    const r = await runCli(['close', 'task', 'complete', 'task_aaa1', 'task_bbb2'], { env: env(other.url) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('task_aaa1\tfailed\t200\ttask task_aaa1: Close did not change it (is_complete is false)');
    expect(r.stderr).toContain('0 of 2 completed, 2 failed');
    expect(seen).toEqual(['PUT /api/v1/task/', 'GET /api/v1/task/']);
  });

  it('a bulk PUT accepted but whose read-back failed: each id possibly applied (the update went through, to which tasks is unknown)', async () => {
    const seen: string[] = [];
    other = await startServer((req) => {
      seen.push(`${req.method} ${req.path}`);
      if (req.method === 'PUT') return jsonReply(200, {});
      return jsonReply(503, { error: 'Service unavailable' });
    });
    const r = await runCli(['close', 'task', 'complete', 'task_aaa1', 'task_bbb2', '--json'], { env: { ...env(other.url), TASKCTL_RETRIES: '0' } });
    expect(r.code).toBe(1);
    const j = r.json<Report>();
    for (const x of j.results) {
      expect(x).toMatchObject({ ok: false, status: 503, maybeApplied: true });
      expect(x.error).toMatch(/^the bulk update was accepted \(200\), but reading the tasks back failed: .*\(check the tasks before retrying\)$/);
    }
    expect(j.summary).toMatchObject({ total: 2, succeeded: 0, maybeApplied: 2 });
    expect(seen).toEqual(['PUT /api/v1/task/', 'GET /api/v1/task/']);
  });

  it('a server that refuses the long-filter form (POST with x-http-method-override) is read back with GETs that fit a URL', async () => {
    // bulk PUTs apply; GET lists by id__in; a POST to /task/ is a create that finds no lead (Close's 400)
    const done = new Set<string>();
    const seen: string[] = [];
    other = await startServer((req) => {
      seen.push(req.method);
      const ids = req.query.get('id__in')?.split(',') ?? [];
      if (req.method === 'PUT') {
        for (const id of ids) if (!id.endsWith('9')) done.add(id);
        return jsonReply(200, {});
      }
      if (req.method === 'POST') return jsonReply(400, { errors: [], 'field-errors': { lead_id: 'This field is required.' } });
      const limit = Number(req.query.get('_limit') ?? 100);
      return jsonReply(200, { data: ids.filter((id) => !id.endsWith('9')).slice(0, limit).map((id) => ({ id, is_complete: done.has(id) })), has_more: false });
    });
    // 200 ids of Close's 48 characters (those ending in 9 unknown to this server)
    const ids = Array.from({ length: 200 }, (_, i) => `task_${String(i).padStart(43, '0')}`);
    const r = await runCli(['close', 'task', 'complete', '-', '--json'], { env: env(other.url), input: ids.join('\n') });
    expect(r.code).toBe(7);
    const j = r.json<Report>();
    expect(j.results.map((x) => x.id)).toEqual(ids);
    for (const x of j.results) expect([x.id, x.ok, x.status]).toEqual(x.id.endsWith('9') ? [x.id, false, 404] : [x.id, true, 200]);
    expect(j.summary).toEqual({ total: 200, succeeded: 180, failed: 20 });
    // 3 PUTs; one refused POST read, then only GETs, each under 4 KB
    expect(seen.filter((m) => m === 'PUT')).toHaveLength(3);
    expect(seen.filter((m) => m === 'POST')).toHaveLength(1);
    expect(seen.filter((m) => m === 'GET').length).toBeGreaterThanOrEqual(3);
  });

  it('where the bulk route answers 405 it falls back to one PUT per id, after a single bulk attempt', async () => {
    const f = await start({ bulkStatus: 405 });
    const ts = f.seed(120);
    const ids = ts.map((t) => t.id);
    // 16 requests in flight, each listening for a second Ctrl-C: no listener-leak warning on stderr
    const r = await runCli(['close', 'task', 'complete', '-', '--json', '--concurrency', '16'], { env: env(f.url), input: ids.join('\n') });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('120 of 120 completed\n');
    const j = r.json<Report>();
    expect(j.results.map((x) => x.id)).toEqual(ids);
    expect(j.summary).toEqual({ total: 120, succeeded: 120, failed: 0 });
    expect(ts.every((t) => f.tasks.get(t.id)!.is_complete)).toBe(true);
    expect(f.stats().bulkPuts).toBe(1);
    const perId = f.requests.filter((q) => q.method === 'PUT' && q.path !== '/api/v1/task/');
    expect(perId.map((q) => q.path.split('/')[4]).sort()).toEqual([...ids].sort());
    // and 404 the same
    f.setBulkStatus(404);
    const back = await runCli(['close', 'task', 'reopen', ids[0], ids[1]], { env: env(f.url) });
    expect(back.code).toBe(0);
    expect(ts.slice(0, 2).every((t) => !f.tasks.get(t.id)!.is_complete)).toBe(true);
    expect(f.stats().bulkPuts).toBe(2);
  });

  it('--dry-run prints the bulk PUT and its read-back, key masked, and sends nothing', async () => {
    const f = await start();
    const ids = f.seed(2).map((t) => t.id);
    const basic = Buffer.from(`${CANARY.closeApiKey}:`).toString('base64');
    const r = await runCli(['close', 'task', 'reopen', ...ids, '--dry-run'], { env: env(f.url), secrets: [basic] });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`PUT ${f.url}/api/v1/task/?id__in=${ids.join(',')}&_type=all`);
    expect(r.stdout).toContain(`GET ${f.url}/api/v1/task/?id__in=${ids.join(',')}&_type=all&_fields=id,is_complete&_limit=2`);
    expect(r.stdout).toContain('"is_complete": false');
    expect(r.stdout).toContain('authorization: Basic ***');
    expect(f.requests).toHaveLength(0);
  });

  it('a one-id command stays one plain PUT /task/{id}/', async () => {
    const f = await start();
    const [t] = f.seed(1);
    const r = await runCli(['close', 'task', 'complete', t.id], { env: env(f.url) });
    expect(r.code).toBe(0);
    expect(f.requests.map((q) => `${q.method} ${q.path}`)).toEqual([`PUT /api/v1/task/${t.id}/`]);
    expect(f.stats().bulkPuts).toBe(0);
  });
});

describe('close task complete of many ids, stopped by a real Ctrl-C (SIGINT) mid-run', () => {
  /**
   * `close task complete` of `n` new tasks, one chunk at a time, against a fake answering after `latencyMs`;
   * a real SIGINT once the first bulk PUT arrived. Exit 130 and every id reported once, in order.
   */
  async function interruptedComplete(n: number, latencyMs: number, args: string[] = []) {
    const f = await start({ latencyMs });
    const ids = f.seed(n).map((t) => t.id);
    const run = startCli(['close', 'task', 'complete', '-', '--concurrency', '1', '--json', ...args], { env: env(f.url), input: ids.join('\n'), timeoutMs: 60_000 });
    await until(() => f.stats().bulkPuts >= 1, 'the first bulk PUT arrived');
    run.child.kill('SIGINT');
    const r = await run.result;
    expect(r.code).toBe(130);
    const j = r.json<Report>();
    expect(j.results.map((x) => x.id)).toEqual(ids);
    return { f, ids, r, j };
  }

  it('the chunk in flight finishes and is read back, the chunks not started are not sent; exit 130; each id reported as the server applied it', async () => {
    // 500 ids are 7 chunks (about 80 ids keep a URL under 4 KB), one at a time; each answer takes 400 ms
    const { f, ids, r, j } = await interruptedComplete(500, 400);
    const applied = new Set(ids.filter((id) => f.tasks.get(id)!.is_complete));
    // the server applied whole chunks, from the first on: exactly the ids of the bulk PUTs it received
    const puts = f.requests.filter((q) => q.method === 'PUT').map((q) => q.query.get('id__in')!.split(','));
    expect([...applied]).toEqual(puts.flat());
    expect(ids.slice(0, applied.size)).toEqual([...applied]);
    expect(applied.size).toBeGreaterThan(0);
    expect(applied.size).toBeLessThan(500);
    // what the server applied is reported done (the read-back still went out after the stop), the rest not sent
    for (const x of j.results) {
      if (applied.has(x.id)) expect(x).toMatchObject({ ok: true, status: 200, error: null });
      else expect(x).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/^not sent/) });
    }
    expect(j.summary).toMatchObject({ total: 500, succeeded: applied.size, failed: 0, notSent: 500 - applied.size });
    // one read-back per bulk PUT; nothing after the stop changed anything
    expect(f.requests.filter((q) => q.method === 'GET')).toHaveLength(puts.length);
    expect(r.stderr).toContain(`${applied.size} of 500 completed, ${500 - applied.size} not sent`);
  });

  it('a bulk PUT whose answer never came (past --timeout after the stop) is reported possibly applied for each of its ids, not failed', async () => {
    // the server applies each request at once but answers only after 20 s; --timeout 1500 ends the wait
    const { f, ids, r, j } = await interruptedComplete(300, 20_000, ['--timeout', '1500']);
    // the server applied the first chunk; the client never heard back: every id of it "maybe", none failed outright
    const [chunk, ...more] = f.requests.filter((q) => q.method === 'PUT').map((q) => q.query.get('id__in')!.split(','));
    expect(more).toEqual([]);
    const n = chunk.length;
    expect(chunk).toEqual(ids.slice(0, n));
    expect(ids.filter((id) => f.tasks.get(id)!.is_complete)).toEqual(chunk);
    for (const x of j.results.slice(0, n)) {
      expect(x).toMatchObject({ ok: false, status: null, maybeApplied: true, error: expect.stringContaining('check before retrying') });
    }
    for (const x of j.results.slice(n)) expect(x).toMatchObject({ ok: false, error: expect.stringMatching(/^not sent/) });
    expect(j.results.slice(n).some((x) => x.maybeApplied)).toBe(false);
    expect(j.summary).toMatchObject({ total: 300, succeeded: 0, maybeApplied: n, notSent: 300 - n });
    // the stop meant no retry of the unanswered PUT and no read-back of it
    expect(f.requests.map((q) => q.method)).toEqual(['PUT']);
    expect(r.stderr).toContain(`0 of 300 completed, ${n} failed, ${n} possibly applied (no answer arrived: check before retrying), ${300 - n} not sent`);
  });
});

/**
 * The spaaza commands run in-process (test/helpers/inprocess.ts, with an injected sleep and signal)
 * against the fake Spaaza: payload merging, paging, run/wait/download, confirmations, errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CANARY } from '../helpers/cli.js';
import { runInProcess as run, type InProcessOptions, type InProcessResult } from '../helpers/inprocess.js';
import { startSpaaza, type FakeSpaaza } from '../servers/spaaza.js';

function spaazaEnv(fake: FakeSpaaza, extra: Record<string, string> = {}): Record<string, string> {
  return { SPAAZA_URL: fake.url, SPAAZA_TOKEN_ID: fake.tokenId, SPAAZA_TOKEN_SECRET: fake.tokenSecret, SPAAZA_CHAIN: String(fake.chain), ...extra };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-spaaza-'));
}

/** The shared in-process runner with a fresh HOME and cwd per run, a terminal 100 columns wide and 5 ms sleeps. */
function runInProcess(args: string[], opts: InProcessOptions = {}): Promise<InProcessResult> {
  return run(args, {
    columns: 100,
    home: tempDir(),
    ...opts,
    cwd: opts.cwd ?? tempDir(),
    sleep: opts.sleep ?? ((ms, signal) => new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(resolve, Math.min(ms, 5));
      signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
    })),
  });
}

let fake: FakeSpaaza | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(opts: Parameters<typeof startSpaaza>[0] = {}): Promise<FakeSpaaza> {
  fake = await startSpaaza({ tokenSecret: CANARY.spaazaSecret, lifetimeMs: 30_000, ...opts });
  return fake;
}

const FUTURE = '2099-01-01T00:00:00Z';
const calls = (f: FakeSpaaza, from = 0) => f.requests.slice(from).map((r) => `${r.method} ${r.path}`);

describe('spaaza task update', () => {
  it('--export-format reads the task, PUTs the whole merged target, and warns when the task is not READY', async () => {
    const f = await start();
    f.addTask({ id: 500, target: { action: 'export', export_index: 'users', export_format: 'csv' }, state: { code: 'DONE' } });
    const r = await runInProcess(['spaaza', 'task', 'update', '500', '--export-format', 'json', '--json'], { env: spaazaEnv(f) });
    expect(r.code).toBe(0);
    expect(calls(f)).toEqual(['GET /tasks/500', 'PUT /tasks/500']);
    expect(JSON.parse(f.requests[1].body)).toEqual({ target: { action: 'export', export_index: 'users', export_format: 'json' } });
    expect(r.json<{ target: unknown }>().target).toEqual({ action: 'export', export_index: 'users', export_format: 'json' });
    expect(r.stderr).toContain('warning: task 500 is DONE, not READY');
  });

  it('--at merges into the current trigger (its segment kept); --desc alone sends only desc, without a warning for a READY task', async () => {
    const f = await start();
    const segment = { entity: 'people', index: 'users', join: 'all', rules: [] };
    f.addTask({ id: 501, trigger: { once: '2098-01-01T00:00:00Z', segment } });
    let r = await runInProcess(['spaaza', 'task', 'update', '501', '--at', '2099-03-04T05:06:07+01:00'], { env: spaazaEnv(f) });
    expect(r.code).toBe(0);
    expect(JSON.parse(f.requests[1].body)).toEqual({ trigger: { once: '2099-03-04T04:06:07Z', segment } });
    expect(r.stdout).toContain('Trigger\tonce 2099-03-04T04:06:07Z, segment users (0 rules, all)');
    const before = f.requests.length;
    r = await runInProcess(['spaaza', 'task', 'update', '501', '--desc', 'renamed'], { env: spaazaEnv(f) });
    expect(r.code).toBe(0);
    expect(JSON.parse(f.requests[before + 1].body)).toEqual({ desc: 'renamed' });
    expect(r.stderr).toBe('');
    expect(f.tasks.get(501)?.desc).toBe('renamed');
  });

  it('flags override fields of --file; read-only fields of a `task get --json` file are ignored with a warning', async () => {
    const f = await start();
    const t = f.addTask({ id: 502 });
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 't.json'), JSON.stringify({ ...t, desc: 'from file', target: { action: 'export', export_index: 'vouchers', export_format: 'csv' } }));
    const r = await runInProcess(['spaaza', 'task', 'update', '502', '--file', 't.json', '--export-format', 'json', '--debug', 'trace'], { env: spaazaEnv(f), cwd: dir });
    expect(r.code).toBe(0);
    const sent = JSON.parse(f.requests[1].body);
    expect(sent.desc).toBe('from file');
    expect(sent.debug).toBe('trace');
    expect(sent.target).toEqual({ action: 'export', export_index: 'vouchers', export_format: 'json' });
    expect(Object.keys(sent).sort()).toEqual(['debug', 'desc', 'target', 'trigger']);
    expect(r.stderr).toContain('ignoring fields of --file the server sets itself: id, state, logs, version, chain');
  });
});

describe('spaaza task create', () => {
  it("sends the profile's chain, and a chain in --file wins over it", async () => {
    const f = await start();
    let r = await runInProcess(['spaaza', 'task', 'create', '--desc', 'Ledger', '--export-index', 'wallet-ledger', '--export-format', 'csv', '--at', FUTURE, '--json'], { env: spaazaEnv(f) });
    expect(r.code).toBe(0);
    expect(JSON.parse(f.requests[0].body)).toEqual({ chain: 1764, desc: 'Ledger', target: { action: 'export', export_index: 'wallet-ledger', export_format: 'csv' }, trigger: { once: FUTURE } });
    expect(r.json<{ id: number }>().id).toBe(12340);
    // without --json: the new id alone on stdout, like every create
    const plain = await runInProcess(['spaaza', 'task', 'create', '--desc', 'Ledger', '--export-index', 'wallet-ledger', '--export-format', 'csv', '--at', FUTURE], { env: spaazaEnv(f) });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^\d+\n$/);

    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ chain: 99, desc: 'x', target: { action: 'export', export_index: 'users', export_format: 'csv' }, trigger: { once: FUTURE } }));
    r = await runInProcess(['spaaza', 'task', 'create', '--file', 'b.json'], { env: spaazaEnv(f), cwd: dir });
    expect(JSON.parse(f.requests.at(-1)!.body).chain).toBe(99);
    // the token does not reach chain 99: the fake answers 403 → exit 4 with its body
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('permission refused');
    expect(r.stderr).toContain('authentication_failure');
  });

  it('a create without any chain exits 2 and sends nothing', async () => {
    const f = await start();
    const env = spaazaEnv(f);
    delete env.SPAAZA_CHAIN;
    const r = await runInProcess(['spaaza', 'task', 'create', '--desc', 'x', '--export-index', 'users', '--export-format', 'csv', '--at', FUTURE], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('task create needs a chain');
    expect(f.requests).toHaveLength(0);
  });

  it('bad input exits 2 and sends nothing', async () => {
    const f = await start();
    f.addTask({ id: 600 });
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'broken.json'), '{\n  "desc": "x",\n  "target": {,\n}');
    const base = ['--desc', 'x', '--export-index', 'users', '--export-format', 'csv'];
    const cases: [string[], RegExp][] = [
      [['create', '--desc', 'x', '--export-index', 'orders', '--export-format', 'csv', '--at', FUTURE], /--export-index: expected one of transactions, .*received "orders"/],
      [['create', '--desc', 'x', '--export-index', 'users', '--export-format', 'xml', '--at', FUTURE], /--export-format: expected one of csv, json, received "xml"/],
      [['create', ...base, '--at', '26/05/2099 12:00'], /--at "26\/05\/2099 12:00": expected an ISO 8601 date-time/],
      [['create', ...base, '--at', '2020-01-01T00:00:00Z'], /--at 2020-01-01T00:00:00Z is in the past/],
      [['create', ...base, '--trigger', '{"once":"2099-13-01T00:00:00Z"}'], /trigger\.once: expected an ISO 8601 date-time/],
      [['create', ...base, '--trigger', '{"once":'], /--trigger: invalid JSON at column \d+: unexpected end of input/],
      [['create', ...base], /task create needs a trigger/],
      [['create', '--desc', 'x', '--target', '{"action":"export","export_index":"users"}', '--at', FUTURE], /target\.export_format: required for an export/],
      [['create', '--file', 'broken.json'], /broken\.json:3:\d+: invalid JSON/],
      [['update', 'abc', '--desc', 'x'], /invalid task id "abc"/],
      [['update', '600'], /nothing to update/],
      [['update', '600', '--target', '{"export_format":"csv"}'], /target\.export_index: required for an export/],
      [['get', '12.5'], /invalid task id/],
      [['run', '-1'], /invalid task id|unknown option/],
      [['delete', '600', 'x1', '--yes'], /invalid task id.*"x1"/],
      [['list', '--status', 'FAILED'], /--status: expected one of READY, INPROGRESS, DONE, ERROR/],
    ];
    for (const [args, message] of cases) {
      const r = await runInProcess(['spaaza', 'task', ...args], { env: spaazaEnv(f), cwd: dir });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(message);
    }
    expect(f.requests).toHaveLength(0);
  });

  it('--dry-run prints the POST with the Authorization value as Bearer *** and sends nothing', async () => {
    const f = await start();
    const r = await runInProcess(['spaaza', 'task', 'create', '--desc', 'x', '--export-index', 'users', '--export-format', 'csv', '--at', 'now', '--dry-run'], { env: spaazaEnv(f) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`POST ${f.url}/tasks`);
    expect(r.stdout).toContain('authorization: Bearer ***');
    expect(r.stdout).not.toContain(f.tokenId);
    expect(r.stdout).toContain('"export_index": "users"');
    expect(f.requests).toHaveLength(0);
  });

  it('an error status shows the body as it came, with the status, and the contract hint', async () => {
    const f = await start();
    f.failNext(1, 422, undefined, { message: 'segment rules are invalid' }, (q) => q.method === 'POST');
    const r = await runInProcess(['spaaza', 'task', 'create', '--desc', 'x', '--export-index', 'users', '--export-format', 'csv', '--at', FUTURE, '--json'], { env: spaazaEnv(f) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.errorJson()).toEqual({
      error: { code: 1, message: 'create task: Spaaza refused the request (422 Unprocessable Entity): {"message":"segment rules are invalid"}', status: 422, hint: 'invalid target or trigger' },
    });
  });
});

describe('spaaza task list / get', () => {
  it('--all pages with limit/offset until a short page; --page maps to offset', async () => {
    const f = await start();
    for (let i = 0; i < 205; i++) f.addTask();
    let r = await runInProcess(['spaaza', 'task', 'list', '--all', '--json'], { env: spaazaEnv(f) });
    expect(r.code).toBe(0);
    expect(r.json<unknown[]>()).toHaveLength(205);
    expect(f.requests.map((q) => `${q.query.get('limit')}/${q.query.get('offset')}`)).toEqual(['100/0', '100/100', '100/200']);
    const before = f.requests.length;
    r = await runInProcess(['spaaza', 'task', 'list', '--limit', '10', '--page', '3', '--status', 'ready', '--action', 'export'], { env: spaazaEnv(f) });
    expect(r.code).toBe(0);
    const q = f.requests[before].query;
    expect([q.get('limit'), q.get('offset'), q.get('status'), q.get('action')]).toEqual(['10', '20', 'READY', 'export']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('id\tstate\taction\tindex\tformat\ttrigger\tlast run\tdesc');
    expect(lines).toHaveLength(11);
    expect(lines[1].split('\t').slice(0, 5)).toEqual(['12360', 'READY', 'export', 'wallet-ledger', 'csv']);
  });

  it('get shows the task and its logs; an unknown id exits 5 with the body', async () => {
    const f = await start();
    f.addTask({ id: 700 });
    f.failTask(700, 'segment query failed');
    let r = await runInProcess(['spaaza', 'task', 'get', '700', '--logs', '5'], { env: spaazaEnv(f, { NO_COLOR: '1' }), stdoutTTY: true });
    expect(r.code).toBe(0);
    expect(f.requests[0].query.get('log_limit')).toBe('5');
    expect(r.stdout).toMatch(/State:\s+ERROR/);
    expect(r.stdout).toMatch(/error\s+segment query failed/);
    r = await runInProcess(['spaaza', 'task', 'get', '701'], { env: spaazaEnv(f) });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('task 701: not found (404 Not Found)');
    expect(r.stderr).toContain('No task exists with the specified ID for this chain');
  });

  it('a wrong token secret exits 4 and never prints the token', async () => {
    const f = await start();
    const r = await runInProcess(['spaaza', 'task', 'list', '-v'], { env: spaazaEnv(f, { SPAAZA_TOKEN_SECRET: 'wrong-secret-zz' }) });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('authentication refused');
    expect(r.stderr).toContain('authorization: Bearer ***');
    expect(r.stderr).not.toContain('wrong-secret-zz');
    expect(r.stderr).not.toContain(`${f.tokenId}:`);
  });
});

describe('spaaza task run / wait', () => {
  it('run is retried on a 429 (the server did not act on it), not on a 503', async () => {
    const f = await start();
    f.addTask({ id: 800 });
    f.failNext(1, 429, { 'Retry-After': '0' }, undefined, (q) => q.path.endsWith('/execute'));
    let r = await runInProcess(['spaaza', 'task', 'run', '800'], { env: spaazaEnv(f) });
    expect(r.code).toBe(0);
    expect(calls(f)).toEqual(['POST /tasks/800/execute', 'POST /tasks/800/execute']);
    f.setState(800, 'READY');
    f.failNext(1, 503, { 'Retry-After': '0' }, undefined, (q) => q.path.endsWith('/execute'));
    r = await runInProcess(['spaaza', 'task', 'run', '800'], { env: spaazaEnv(f) });
    expect(r.code).toBe(1);
    expect(calls(f).slice(2)).toEqual(['POST /tasks/800/execute']);
  });

  it('run shows a spinner on a terminal, none with --json; an execute slower than --timeout exits 6 pointing at `task wait`', async () => {
    const f = await start();
    f.addTask({ id: 806 });
    let r = await runInProcess(['spaaza', 'task', 'run', '806'], { env: spaazaEnv(f), stderrTTY: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] running task 806/);
    f.setState(806, 'READY');
    r = await runInProcess(['spaaza', 'task', 'run', '806', '--json'], { env: spaazaEnv(f), stderrTTY: true });
    expect(r.stderr).toBe('');
    expect(r.json<{ code: string }>().code).toBe('DONE');
    f.setState(806, 'READY');
    f.setExecuteDelay(1500);
    r = await runInProcess(['spaaza', 'task', 'run', '806', '--timeout', '300'], { env: spaazaEnv(f) });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('task 806 did not finish within 300 ms');
    expect(r.stderr).toContain('`taskctl spaaza task wait 806`');
    expect(f.requests.filter((q) => q.path === '/tasks/806/execute')).toHaveLength(3);
  });

  it('run exits 1 with the task log when the task ends in ERROR', async () => {
    const f = await start();
    f.addTask({ id: 801 });
    f.failOnRun(801, 'segment query failed');
    const r = await runInProcess(['spaaza', 'task', 'run', '801', '--json'], { env: spaazaEnv(f) });
    expect(r.code).toBe(1);
    expect(r.json<{ code: string }>().code).toBe('ERROR');
    expect(r.stderr).toContain('task 801 ended in ERROR');
    expect(r.stderr).toContain('segment query failed');
  });

  it('run keeps polling when execute answers before the task finished', async () => {
    const f = await start({ autoAdvance: true });
    f.addTask({ id: 802 });
    f.failNext(1, 200, undefined, { code: 'INPROGRESS', last_run_date: null }, (q) => q.path.endsWith('/execute'));
    const r = await runInProcess(['spaaza', 'task', 'run', '802', '--interval', '10'], { env: spaazaEnv(f) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('State\tDONE');
    expect(calls(f)).toEqual(['POST /tasks/802/execute', 'GET /tasks/802', 'GET /tasks/802', 'GET /tasks/802']);
  });

  it('wait prints NDJSON events and exits 0 on DONE, 1 on ERROR', async () => {
    const f = await start({ autoAdvance: true });
    f.addTask({ id: 803 });
    let r = await runInProcess(['spaaza', 'task', 'wait', '803', '--json', '--interval', '10'], { env: spaazaEnv(f) });
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; code: string; id: number });
    expect(events.map((e) => `${e.event}:${e.code}`)).toEqual(['state:READY', 'state:INPROGRESS', 'state:DONE', 'done:DONE']);
    expect(events.every((e) => e.id === 803)).toBe(true);

    f.addTask({ id: 804 });
    f.failOnRun(804, 'export crashed');
    r = await runInProcess(['spaaza', 'task', 'wait', '804', '--json', '--interval', '10'], { env: spaazaEnv(f) });
    expect(r.code).toBe(1);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { event: string; logs: { message: string }[] };
    expect(last.event).toBe('error');
    expect(last.logs.at(-1)?.message).toBe('export crashed');
    expect(r.stderr).toContain('task 804 ended in ERROR');
  });

  it('Ctrl-C while waiting exits 130 and leaves the task alone', async () => {
    const f = await start();
    f.addTask({ id: 805 });
    const ac = new AbortController();
    let sleeps = 0;
    const r = await runInProcess(['spaaza', 'task', 'wait', '805', '--interval', '10'], {
      env: spaazaEnv(f),
      signal: ac.signal,
      sleep: async (_ms, signal) => {
        if (++sleeps === 3) ac.abort(new Error('interrupted'));
        if (signal?.aborted) throw signal.reason;
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted while waiting for task 805 (last seen READY)');
    expect(f.requests.every((q) => q.method === 'GET')).toBe(true);
    expect(f.tasks.get(805)?.state.code).toBe('READY');
  });
});

describe('spaaza task download', () => {
  it('-o - writes the exact bytes to stdout, with a progress bar on a terminal, and no Authorization on the file request', async () => {
    const f = await start({ exportBytes: 200_000 });
    f.addTask({ id: 900, state: { code: 'DONE' } });
    const r = await runInProcess(['spaaza', 'task', 'download', '900', '-o', '-'], { env: spaazaEnv(f), stderrTTY: true });
    expect(r.code).toBe(0);
    expect(r.stdoutBytes.equals(Buffer.from(f.exportContent(900)))).toBe(true);
    expect(r.stderr).toMatch(/\[[= >]+\] \d+\/\d+ +\d+%/);
    expect(f.downloads).toEqual([{ path: expect.stringMatching(/Wallet_Export-900\.csv$/), authorization: false, status: 200 }]);
    const fileReq = f.requests.find((q) => q.path.startsWith('/files/'))!;
    expect(fileReq.headers.authorization).toBeUndefined();
  });

  it('saves under the export name, refuses to overwrite without --force, and --verbose hides the signature', async () => {
    const f = await start();
    f.addTask({ id: 901, target: { action: 'export', export_index: 'product-variants', export_format: 'json' }, state: { code: 'DONE' } });
    const dir = tempDir();
    let r = await runInProcess(['spaaza', 'task', 'download', '901', '-v'], { env: spaazaEnv(f), cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ProductVariants_Export-901.json\n');
    expect(fs.readFileSync(path.join(dir, 'ProductVariants_Export-901.json'), 'utf8')).toBe(f.exportContent(901));
    const signed = new URL(`${f.url}${f.requests.find((q) => q.path.startsWith('/files/'))!.url}`);
    const sig = signed.searchParams.get('X-Amz-Signature')!;
    expect(r.stderr).toContain('X-Amz-Signature=***');
    expect(r.stderr).not.toContain(sig);
    expect(fs.readdirSync(dir)).toEqual(['ProductVariants_Export-901.json']);

    const before = f.downloads.length;
    r = await runInProcess(['spaaza', 'task', 'download', '901'], { env: spaazaEnv(f), cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ProductVariants_Export-901.json already exists (pass --force to overwrite it');
    expect(f.downloads.length).toBe(before);

    fs.writeFileSync(path.join(dir, 'mine.json'), 'keep me');
    const sent = f.requests.length;
    r = await runInProcess(['spaaza', 'task', 'download', '901', '-o', 'mine.json'], { env: spaazaEnv(f), cwd: dir });
    expect(r.code).toBe(2);
    expect(f.requests.length).toBe(sent);
    expect(fs.readFileSync(path.join(dir, 'mine.json'), 'utf8')).toBe('keep me');
    r = await runInProcess(['spaaza', 'task', 'download', '901', '-o', 'mine.json', '--force', '--json'], { env: spaazaEnv(f), cwd: dir });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ id: 901, file: path.join(dir, 'mine.json'), bytes: f.exportContent(901).length, contentType: 'application/json' });
    expect(fs.readFileSync(path.join(dir, 'mine.json'), 'utf8')).toBe(f.exportContent(901));
  });

  it('a task that is not DONE is a clear error and asks for no download URL', async () => {
    const f = await start();
    f.addTask({ id: 902, state: { code: 'INPROGRESS' } });
    f.addTask({ id: 903 });
    let r = await runInProcess(['spaaza', 'task', 'download', '902'], { env: spaazaEnv(f) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('task 902 is INPROGRESS, not DONE: there is no file to download (it is still running: `taskctl spaaza task wait 902`');
    r = await runInProcess(['spaaza', 'task', 'download', '903'], { env: spaazaEnv(f) });
    expect(r.stderr).toContain('task 903 is READY, not DONE');
    expect(r.stderr).toContain('taskctl spaaza task run 903');
    expect(calls(f)).toEqual(['GET /tasks/902', 'GET /tasks/903']);
  });

  it('an expired URL (403 from the store) is reported with a hint and leaves no partial file', async () => {
    const f = await start();
    f.addTask({ id: 904, state: { code: 'DONE' } });
    f.failNext(1, 403, undefined, '<Error><Code>AccessDenied</Code></Error>', (q) => q.path.startsWith('/files/'));
    const dir = tempDir();
    const r = await runInProcess(['spaaza', 'task', 'download', '904'], { env: spaazaEnv(f), cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('downloading the export failed');
    expect(r.stderr).toContain('valid for about an hour');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('spaaza task delete', () => {
  it('without a terminal and without --yes exits 2 and sends nothing', async () => {
    const f = await start();
    f.addTask({ id: 950 });
    const r = await runInProcess(['spaaza', 'task', 'delete', '950'], { env: spaazaEnv(f) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Delete task 950');
    expect(r.stderr).toContain('--yes');
    expect(f.requests).toHaveLength(0);
  });

  it('ids from stdin, one per item; exit 7 when one is not found', async () => {
    const f = await start();
    f.addTask({ id: 951 });
    f.addTask({ id: 952 });
    const r = await runInProcess(['spaaza', 'task', 'delete', '-', '--yes', '--json'], { env: spaazaEnv(f), input: '951\n# comment\n952\n953\n' });
    expect(r.code).toBe(7);
    const doc = r.json<{ results: { id: string; ok: boolean; status: number }[]; summary: unknown }>();
    expect(doc.results.map((x) => [x.id, x.ok, x.status])).toEqual([
      ['951', true, 204],
      ['952', true, 204],
      ['953', false, 404],
    ]);
    expect(doc.summary).toEqual({ total: 3, succeeded: 2, failed: 1 });
    expect(f.tasks.has(951) || f.tasks.has(952)).toBe(false);
  });
});

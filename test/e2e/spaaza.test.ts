/**
 * The spaaza tree through the built binary against the fake Spaaza Services API: every verb (exit code,
 * stdout table and --json, stderr), the create → run → wait → download path, bad input sending nothing,
 * a config-file profile, `api`, `profile test`, --help, and Ctrl-C. runCli scans every run for the canaries;
 * the token secret is always CANARY.spaazaSecret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, CANARY, baseEnv, runCli, sandboxDir, writeConfig } from '../helpers/cli.js';
import { startSpaaza, type FakeSpaaza } from '../servers/spaaza.js';

let fake: FakeSpaaza;
const FUTURE = '2099-01-01T00:00:00Z';

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { SPAAZA_URL: fake.url, SPAAZA_TOKEN_ID: fake.tokenId, SPAAZA_TOKEN_SECRET: CANARY.spaazaSecret, SPAAZA_CHAIN: String(fake.chain), ...extra };
}
function workDir(): string {
  return fs.mkdtempSync(path.join(sandboxDir(), 'spaaza-'));
}
const sentSince = (n: number) => fake.requests.slice(n).map((r) => `${r.method} ${r.path}`);

beforeAll(async () => {
  fake = await startSpaaza({ tokenSecret: CANARY.spaazaSecret, lifetimeMs: 110_000 });
});
afterAll(async () => {
  await fake.close();
});

describe('spaaza: the create → run → wait → download path', () => {
  it('runs as four commands, the file bytes equal the export and the file request carries no Authorization', async () => {
    const dir = workDir();
    const n = fake.requests.length;
    const created = await runCli(['spaaza', 'task', 'create', '--desc', 'Wallet ledger', '--export-index', 'wallet-ledger', '--export-format', 'csv', '--at', FUTURE, '--query', 'id'], { env: env() });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = String(created.json<number>());
    expect(id).toMatch(/^\d+$/);
    expect(JSON.parse(fake.requests[n].body)).toEqual({ chain: 1764, desc: 'Wallet ledger', target: { action: 'export', export_index: 'wallet-ledger', export_format: 'csv' }, trigger: { once: FUTURE } });
    expect(fake.requests[n].headers.authorization).toBe(`Bearer ${fake.tokenId}:${CANARY.spaazaSecret}`);

    const ran = await runCli(['spaaza', 'task', 'run', id], { env: env() });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`^Task\\t${id}\\nState\\tDONE\\nLast run\\t\\d{4}-`));

    const waited = await runCli(['spaaza', 'task', 'wait', id, '--json'], { env: env() });
    expect(waited.code).toBe(0);
    expect(waited.stdout.trim().split('\n').map((l) => JSON.parse(l).event)).toEqual(['state', 'done']);

    const got = await runCli(['spaaza', 'task', 'download', id], { env: env(), cwd: dir });
    expect(got.code).toBe(0);
    expect(got.stdout).toBe(`Wallet_Export-${id}.csv\n`);
    expect(got.stderr).toContain(`saved task ${id}'s export to Wallet_Export-${id}.csv`);
    expect(fs.readFileSync(path.join(dir, `Wallet_Export-${id}.csv`))).toEqual(Buffer.from(fake.exportContent(Number(id))));
    expect(fake.downloads.at(-1)).toMatchObject({ authorization: false, status: 200 });
    expect(fake.requests.at(-1)!.headers.authorization).toBeUndefined();
    expect(sentSince(n)).toEqual([
      'POST /tasks',
      `POST /tasks/${id}/execute`,
      `GET /tasks/${id}`,
      `GET /tasks/${id}`,
      `GET /tasks/${id}/download_url`,
      expect.stringMatching(new RegExp(`^GET /files/[0-9a-f]+/Wallet_Export-${id}\\.csv$`)),
    ]);
  });

  it('runs as one command: create --at now -o <file> creates, runs, waits and downloads', async () => {
    const dir = workDir();
    const r = await runCli(['spaaza', 'task', 'create', '--desc', 'Users', '--export-index', 'users', '--export-format', 'json', '--at', 'now', '-o', 'users.json', '--json'], { env: env(), cwd: dir });
    expect(r.code).toBe(0);
    const task = r.json<{ id: number; state: { code: string }; target: unknown }>();
    expect(task.state.code).toBe('DONE');
    expect(task.target).toEqual({ action: 'export', export_index: 'users', export_format: 'json' });
    expect(r.stderr).toContain(`created task ${task.id}`);
    expect(fs.readFileSync(path.join(dir, 'users.json'), 'utf8')).toBe(fake.exportContent(task.id));
    expect(fake.downloads.at(-1)?.authorization).toBe(false);
  });
});

describe('spaaza: each verb through the binary', () => {
  it('task list: a table (tab-separated off a terminal) and the bare array with --json', async () => {
    const a = fake.addTask({ desc: 'listed one', state: { code: 'ERROR' } });
    let r = await runCli(['spaaza', 'task', 'list', '--status', 'ERROR'], { env: env() });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('id\tstate\taction\tindex\tformat\ttrigger\tlast run\tdesc');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${a.id}\\tERROR\\texport\\twallet-ledger\\tcsv\\tonce .*\\tlisted one$`)));
    r = await runCli(['spaaza', 'task', 'list', '--status', 'ERROR', '--json'], { env: env() });
    expect(r.json<{ id: number }[]>().map((t) => t.id)).toContain(a.id);
    expect(r.stderr).toBe('');
  });

  it('task get: key-value block and the task object; 404 → exit 5 with the server body', async () => {
    const t = fake.addTask({ desc: 'got one' });
    let r = await runCli(['spaaza', 'task', 'get', String(t.id)], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ID\t${t.id}\nDescription\tgot one\nState\tREADY\n`);
    expect(r.stdout).toContain('Task created');
    r = await runCli(['spaaza', 'task', 'get', String(t.id), '--json'], { env: env() });
    expect(r.json<{ id: number; desc: string }>()).toMatchObject({ id: t.id, desc: 'got one' });
    r = await runCli(['spaaza', 'task', 'get', '999999', '--json'], { env: env() });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.errorJson<{ error: { code: number; status: number; message: string } }>().error).toMatchObject({
      code: 5,
      status: 404,
      message: expect.stringContaining('task 999999: not found (404 Not Found): {"result":{"code":2,"status":"error"},"error":{"code":2,"name":"task_not_found"'),
    });
  });

  it('task update: GET then PUT of the merged target; a warning for a task that is not READY', async () => {
    const t = fake.addTask({ target: { action: 'export', export_index: 'vouchers', export_format: 'csv' }, state: { code: 'INPROGRESS' } });
    const n = fake.requests.length;
    const r = await runCli(['spaaza', 'task', 'update', String(t.id), '--export-format', 'json', '--desc', 'vouchers as json'], { env: env() });
    expect(r.code).toBe(0);
    expect(sentSince(n)).toEqual([`GET /tasks/${t.id}`, `PUT /tasks/${t.id}`]);
    expect(JSON.parse(fake.requests[n + 1].body)).toEqual({ desc: 'vouchers as json', target: { action: 'export', export_index: 'vouchers', export_format: 'json' } });
    expect(r.stdout).toContain('Format\tjson\n');
    expect(r.stderr).toContain(`taskctl: warning: task ${t.id} is INPROGRESS, not READY`);
  });

  it('task delete: 204 per id, a results table, a summary on stderr; --json results', async () => {
    const a = fake.addTask();
    const b = fake.addTask();
    let r = await runCli(['spaaza', 'task', 'delete', String(a.id), '--yes'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`task\tresult\tstatus\tdetail\n${a.id}\tdeleted\t204\t\n`);
    expect(r.stderr).toBe('1 of 1 deleted\n');
    expect(fake.tasks.has(a.id)).toBe(false);
    r = await runCli(['spaaza', 'task', 'rm', String(b.id), String(a.id), '--yes', '--json'], { env: env() });
    expect(r.code).toBe(7);
    expect(r.json<{ results: { id: string; ok: boolean; status: number }[] }>().results.map((x) => [x.id, x.ok, x.status])).toEqual([
      [String(b.id), true, 204],
      [String(a.id), false, 404],
    ]);
  });

  it('task run: ERROR exits 1 with the task log on stderr', async () => {
    const t = fake.addTask();
    fake.failOnRun(t.id, 'segment query failed');
    const r = await runCli(['spaaza', 'task', 'run', String(t.id)], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('State\tERROR');
    expect(r.stderr).toContain(`taskctl: task ${t.id} ended in ERROR (see its logs: taskctl spaaza task get ${t.id})`);
    expect(r.stderr).toContain('segment query failed');
  });

  it('create --at +2h schedules two hours from now (relative times keep examples valid)', async () => {
    const before = Date.now();
    const r = await runCli(['spaaza', 'task', 'create', '--desc', 'Later', '--export-index', 'users', '--export-format', 'csv', '--at', '+2h', '--json'], { env: env() });
    expect(r.code).toBe(0);
    const once = Date.parse(r.json<{ trigger: { once: string } }>().trigger.once);
    expect(once).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 2 * 3_600_000);
    expect(once).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
  });

  it('task run is retried on 429 (the server did not act), never after a 5xx or a reset', async () => {
    const execute = (id: number) => (r: { method: string; path: string }) => r.method === 'POST' && r.path === `/tasks/${id}/execute`;
    const limited = fake.addTask();
    fake.failNext(1, 429, { 'retry-after': '0' }, undefined, execute(limited.id));
    let n = fake.requests.length;
    let r = await runCli(['spaaza', 'task', 'run', String(limited.id)], { env: env() });
    expect(r.code).toBe(0);
    expect(sentSince(n)).toEqual([`POST /tasks/${limited.id}/execute`, `POST /tasks/${limited.id}/execute`]);
    expect(r.stdout).toContain('State\tDONE');
    expect(fake.tasks.get(limited.id)!.state.code).toBe('DONE');

    const broken = fake.addTask();
    fake.failNext(1, 503, { 'retry-after': '0' }, undefined, execute(broken.id));
    n = fake.requests.length;
    r = await runCli(['spaaza', 'task', 'run', String(broken.id)], { env: env() });
    expect(r.code).toBe(1);
    expect(sentSince(n)).toEqual([`POST /tasks/${broken.id}/execute`]);

    const reset = fake.addTask();
    fake.failNext(1, 0, undefined, undefined, execute(reset.id));
    n = fake.requests.length;
    r = await runCli(['spaaza', 'task', 'run', String(reset.id)], { env: env() });
    expect(r.code).toBe(6);
    expect(sentSince(n)).toEqual([`POST /tasks/${reset.id}/execute`]);
    expect(r.stderr).toMatch(/taskctl: .*(reset|closed)/);
    expect(fake.tasks.get(reset.id)!.state.code).toBe('READY');
  });

  it('task wait: state lines on stderr off a terminal, the final state on stdout; exit 1 on ERROR', async () => {
    const t = fake.addTask();
    fake.failTask(t.id, 'export crashed');
    const r = await runCli(['spaaza', 'task', 'wait', String(t.id), '--interval', '50'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`Task\t${t.id}\nState\tERROR\n`);
    expect(r.stderr).toContain(`task ${t.id}: ERROR`);
    expect(r.stderr).toContain('export crashed');
  });

  it('task download: -o - streams the exact bytes to stdout; a task not DONE is a clear error', async () => {
    const t = fake.addTask({ state: { code: 'DONE' }, target: { action: 'export', export_index: 'transactions', export_format: 'csv' } });
    let r = await runCli(['spaaza', 'task', 'download', String(t.id), '-o', '-'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fake.exportContent(t.id));
    expect(r.stderr).toContain(`of task ${t.id}'s export to standard output`);
    const ready = fake.addTask();
    r = await runCli(['spaaza', 'task', 'download', String(ready.id)], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`taskctl: task ${ready.id} is READY, not DONE: there is no file to download`);
  });

  it('api and profile test work with a config-file profile (secret from ${VAR})', async () => {
    const cfg = writeConfig(
      `profiles:\n  exports:\n    provider: spaaza\n    url: ${fake.url}\n    tokenId: ${fake.tokenId}\n    tokenSecret: \${MY_SPAAZA_SECRET}\n    chain: 1764\n`,
    );
    const e = { TASKCTL_CONFIG: cfg, MY_SPAAZA_SECRET: CANARY.spaazaSecret };
    let r = await runCli(['spaaza', 'api', 'GET', '/tasks', '-q', 'limit=1'], { env: e });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
    r = await runCli(['spaaza', 'api', 'GET', '/tasks/424242'], { env: e });
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('task_not_found');
    r = await runCli(['profile', 'test', 'exports'], { env: e });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Auth\tbearer (privileged access token)');
    expect(r.stdout).toContain('Chain\t1764');
    r = await runCli(['profile', 'test', 'exports'], { env: { ...e, MY_SPAAZA_SECRET: 'not-the-secret' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('authentication refused');
  });

  it('--dry-run sends nothing and shows Bearer ***', async () => {
    const n = fake.requests.length;
    const r = await runCli(['spaaza', 'task', 'run', '12340', '--dry-run', '--json'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.json<{ requests: { method: string; headers: Record<string, string> }[] }>().requests).toEqual([
      expect.objectContaining({ method: 'POST', url: `${fake.url}/tasks/12340/execute`, headers: expect.objectContaining({ authorization: 'Bearer ***' }) }),
    ]);
    expect(fake.requests.length).toBe(n);
  });
});

describe('spaaza: bad input sends no request', () => {
  it('exits 2 for each bad flag, id or body and sends nothing', async () => {
    const dir = workDir();
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"desc": "x",\n "target": {"action": "export", "export_index": "users", "export_format": "csv"},\n "trigger": {"once": "soon"}}');
    const n = fake.requests.length;
    const cases: [string[], string][] = [
      [['task', 'create', '--desc', 'x', '--export-index', 'orders', '--export-format', 'csv', '--at', FUTURE], '--export-index: expected one of'],
      [['task', 'create', '--desc', 'x', '--export-index', 'users', '--export-format', 'csv', '--at', '2001-01-01T00:00:00Z'], 'is in the past'],
      [['task', 'create', '--file', 'bad.json'], 'trigger.once: expected an ISO 8601 date-time'],
      [['task', 'update', '12x', '--desc', 'y'], 'invalid task id "12x"'],
      [['task', 'update', '1', '--export-format', 'xlsx'], '--export-format: expected one of csv, json, received "xlsx"'],
      [['task', 'update', '1', '--at', 'tomorrow'], '--at "tomorrow": expected an ISO 8601 date-time'],
      [['task', 'wait', 'abc'], 'invalid task id'],
      [['task', 'download', '1', '-o', '-', '--json'], '-o - writes the file to standard output'],
      [['task', 'delete', '1'], 'confirmation needed'],
      [['task', 'list', '--limit', '0'], '--limit'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['spaaza', ...args], { env: env(), cwd: dir });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toContain(message);
    }
    expect(fake.requests.length).toBe(n);
  });

  it('a create without any chain exits 2; a missing token is exit 3; both send nothing', async () => {
    const n = fake.requests.length;
    let r = await runCli(['spaaza', 'task', 'create', '--desc', 'x', '--export-index', 'users', '--export-format', 'csv', '--at', FUTURE], { env: env({ SPAAZA_CHAIN: '' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs a chain');
    r = await runCli(['spaaza', 'task', 'list'], { env: { SPAAZA_URL: fake.url, SPAAZA_TOKEN_ID: fake.tokenId } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('SPAAZA_TOKEN_SECRET');
    expect(fake.requests.length).toBe(n);
  });
});

describe('spaaza: help and Ctrl-C', () => {
  it('every spaaza command has --help ending with an example', async () => {
    const commands = [['task', 'create'], ['task', 'update'], ['task', 'list'], ['task', 'get'], ['task', 'delete'], ['task', 'run'], ['task', 'wait'], ['task', 'download'], ['api'], ['task'], []];
    for (const c of commands) {
      const r = await runCli(['spaaza', ...c, '--help']);
      expect([c.join(' '), r.code]).toEqual([c.join(' '), 0]);
      const last = r.stdout.trimEnd().split('\n').at(-3)!; // then the pointer to the global options
      expect(last, c.join(' ')).toMatch(/^ {2}\$ taskctl spaaza /);
    }
  });

  it('Ctrl-C during `task wait` exits 130 and the task is untouched', async () => {
    const t = fake.addTask();
    const child = spawn(process.execPath, [BIN, 'spaaza', 'task', 'wait', String(t.id), '--interval', '100'], { env: { ...baseEnv(), ...env() }, cwd: sandboxDir() });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    // send SIGINT once the first poll was answered
    for (let i = 0; i < 200 && !fake.requests.some((q) => q.path === `/tasks/${t.id}`); i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toContain(`interrupted while waiting for task ${t.id}`);
    expect(stderr + stdout).not.toContain(CANARY.spaazaSecret);
    expect(fake.tasks.get(t.id)?.state.code).toBe('READY');
  });
});

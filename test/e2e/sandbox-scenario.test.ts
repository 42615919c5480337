/**
 * The real-core scenario (test/real/cli-scenario.test.ts, run against a real OpenHIM 4.0.5) run against the
 * sandbox: `taskctl sandbox serve`, and the built taskctl with a config-file profile using `auth: token`,
 * exactly as the real scenario talks to its core. Each step keeps the real scenario's assertions where the
 * sandbox behaves the same; where it differs, the difference is asserted and named here:
 *
 * - version: the sandbox emulates the 8.5.0 (master) core, so `status` reports 8.5.0, not 4.0.5;
 * - transactions: the sandbox has no router and no channels API; its transactions are the seeded demo
 *   (4 Successful, 6 Failed, 2 Completed with error(s)) on one channel, found through `transaction list`;
 * - unknown task ids: 4.0.5 answers GET 500 and PUT 200, 8.5.0 (and the sandbox) 404; taskctl says
 *   "not found" (exit 5) for both, which is what the scenario asserts;
 * - `--count`: 4.0.5 answers the bulkrerun representation with an array, 8.5.0 with {"count":n};
 * - processor: 8.5.0 (7.1+) keeps no progress while running and a pause loses it (see README); the scenario's
 *   steps (resume → Completed, cancel of a paused task) end the same on both;
 * - TLS: the sandbox serves plain HTTP on 127.0.0.1, so the scenario's certificate checks do not apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';

const PASSWORD = 'openhim-password';
let home: string;
let config: string;
let url: string;
let child: ChildProcess;
let exited: Promise<number | null>;
let tids: string[] = [];

async function taskctl(args: string[], extra: Record<string, string> = {}) {
  return runCli(['--config', config, ...args], { env: { ...baseEnv(home), OPENHIM_PASSWORD: PASSWORD, ...extra }, cwd: home, timeoutMs: 60_000 });
}
async function getTask(id: string) {
  const r = await taskctl(['openhim', 'task', 'get', id, '--all', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ status: string; transactions: Array<{ tid: string; rerunStatus?: string }> }>();
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-sbx-scn-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  child = spawn(process.execPath, [BIN, 'sandbox', 'serve', '--port', String(port), '--state', path.join(home, 'sandbox.json')], { env: baseEnv(home), cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  exited = new Promise((resolve) => child.on('close', (code) => (clearTimeout(killer), resolve(code))));
  for (let i = 0; i < 300 && !err.includes('Ctrl-C or SIGTERM stops it') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  expect(err).toContain('Ctrl-C or SIGTERM stops it');
  url = /OPENHIM_URL=(\S+)/.exec(out)![1];
  config = path.join(home, '.openhimrc');
  fs.writeFileSync(config, `profiles:\n  core:\n    provider: openhim\n    url: ${url}\n    username: root@openhim.org\n    password: \${OPENHIM_PASSWORD}\n    auth: token\n`, { mode: 0o600 });
  // the real scenario sends four requests through the router; the sandbox's are seeded
  const r = await taskctl(['openhim', 'transaction', 'list', '--status', 'Successful', '--json']);
  tids = r.json<Array<{ _id: string }>>().map((t) => t._id);
  expect(tids).toHaveLength(4);
}, 120_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  expect(await exited).toBe(0);
});

describe('the real-core scenario against the sandbox (token auth, through sandbox serve)', () => {
  it('openhim status reports 8.5.0 (real: 4.0.5), token auth and a small clock offset', async () => {
    const r = await taskctl(['openhim', 'status', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = r.json<{ version: string; auth: string; clockOffsetMs: number }>();
    expect(s.version).toBe('8.5.0');
    expect(s.auth).toBe('token');
    expect(Math.abs(s.clockOffsetMs)).toBeLessThan(5000);
  });

  it('openhim api GET /heartbeat prints the JSON', async () => {
    const r = await taskctl(['openhim', 'api', 'GET', '/heartbeat']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('now');
  });

  it('transaction list finds the transactions; --count counts them ({"count":n} on 8.x)', async () => {
    const r = await taskctl(['openhim', 'transaction', 'list', '--status', 'Successful', '--limit', '100', '--json']);
    expect(r.code).toBe(0);
    const found = r.json<{ _id: string }[]>().map((t) => t._id);
    for (const tid of tids) expect(found).toContain(tid);
    const count = await taskctl(['openhim', 'transaction', 'list', '--status', 'Successful', '--count', '--json']);
    expect(count.code).toBe(0);
    expect(count.json<{ count: number }>().count).toBeGreaterThanOrEqual(tids.length);
  });

  let taskId: string;

  it('task create --paused prints the id the server reports; get and list show it', async () => {
    const r = await taskctl(['openhim', 'task', 'create', '--tids', tids.slice(0, 3).join(','), '--paused', '--batch-size', '1']);
    expect(r.code).toBe(0);
    taskId = r.stdout.trim();
    expect(taskId).toMatch(/^[0-9a-f]{24}$/);
    const server = await getTask(taskId);
    expect(server.status).toBe('Paused');
    expect(server.transactions.map((t) => t.tid)).toEqual(tids.slice(0, 3));

    const get = await taskctl(['openhim', 'task', 'get', taskId, '--json']);
    expect(get.code).toBe(0);
    expect(get.json<{ _id: string; status: string; totalTransactions: number }>()).toMatchObject({ _id: taskId, status: 'Paused', totalTransactions: 3 });

    const list = await taskctl(['openhim', 'task', 'list', '--status', 'Paused', '--json']);
    expect(list.code).toBe(0);
    expect(list.json<{ _id: string }[]>().map((t) => t._id)).toContain(taskId);
  });

  it('task resume, then task watch until Completed with every rerun successful (exit 0)', async () => {
    const resume = await taskctl(['openhim', 'task', 'resume', taskId]);
    expect(resume.code).toBe(0);
    const watch = await taskctl(['openhim', 'task', 'watch', taskId, '--interval', '300', '--json']);
    expect(watch.code).toBe(0);
    const events = watch.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; status?: string });
    expect(events[events.length - 1]).toMatchObject({ event: 'end', status: 'Completed' });
    const server = await getTask(taskId);
    expect(server.status).toBe('Completed');
    expect(server.transactions.every((t) => t.rerunStatus === 'Successful')).toBe(true);
  }, 90_000);

  it('task cancel on a second paused task keeps it Cancelled', async () => {
    const created = await taskctl(['openhim', 'task', 'create', '--tids', tids[3], '--paused', '--json']);
    expect(created.code).toBe(0);
    const id = created.json<{ id: string }>().id;
    const cancel = await taskctl(['openhim', 'task', 'cancel', id, '--yes']);
    expect(cancel.code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500)); // processor polls (the sandbox runs them when next asked)
    expect((await getTask(id)).status).toBe('Cancelled');

    const del = await taskctl(['openhim', 'task', 'delete', id, '--yes', '--json']);
    expect(del.code).toBe(0);
    expect(del.json<{ results: { id: string; ok: boolean }[] }>().results).toEqual([expect.objectContaining({ id, ok: true })]);
    const gone = await taskctl(['openhim', 'task', 'get', id]);
    expect(gone.code).toBe(5);
  });

  it('an unknown task id is "not found" (exit 5); the sandbox, like 8.5.0, answers 404 (4.0.5: 500 on GET, 200 on PUT)', async () => {
    const get = await taskctl(['openhim', 'task', 'get', '5f0000000000000000000000']);
    expect(get.code).toBe(5);
    expect(get.stderr).toMatch(/not found/);
    const pause = await taskctl(['openhim', 'task', 'pause', '5f0000000000000000000000', '--json']);
    expect(pause.code).toBe(5);
    expect(pause.json<{ results: { ok: boolean; status: number }[] }>().results[0]).toMatchObject({ ok: false, status: 404 });
  });

  it('transaction rerun --yes with a filter creates tasks the server lists', async () => {
    // the real scenario finds its channel through GET /channels; the sandbox has no channels API
    const channel = (await taskctl(['openhim', 'transaction', 'list', '--query', '[0].channelID'])).stdout.trim();
    expect(channel).toMatch(/^[0-9a-f]{24}$/);
    const r = await taskctl(['openhim', 'transaction', 'rerun', '--channel', channel, '--paused', '--yes', '--json']);
    expect(r.code).toBe(0);
    const doc = r.json<{ count: number; tasks: { id: string }[] }>();
    expect(doc.count).toBeGreaterThanOrEqual(tids.length);
    expect(doc.tasks.length).toBeGreaterThan(0);
    const list = await taskctl(['openhim', 'task', 'list', '--status', 'Paused', '--all', '--json']);
    const listed = list.json<{ _id: string }[]>().map((t) => t._id);
    for (const t of doc.tasks) expect(listed).toContain(t.id);
  });

  it('a wrong password is exit 4', async () => {
    const r = await runCli(['--config', config, 'openhim', 'status'], { env: { ...baseEnv(home), OPENHIM_PASSWORD: 'wrong-password-x' }, cwd: home, secrets: ['wrong-password-x'] });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('authentication refused');
  });
});

/**
 * The built `taskctl` against a real OpenHIM core 4.0.5 (started and stopped by this file), with a
 * profile that uses `auth: token`, the only mode 4.0.5 accepts. The scenario is what an admin does:
 * status, raw API, find transactions, create/inspect/resume/watch/cancel/delete rerun tasks, rerun by
 * filter; plus a wrong password, an unknown task id, and TLS with and without the core's certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { useRealStack } from './harness.js';
import { createPublicChannel, getTask, sendThroughRouter, startUpstream, waitForTransaction, type Upstream } from './openhim-client.js';
import { runCli, sandboxDir } from '../helpers/cli.js';

const stack = useRealStack({ pollPeriodMillis: 500 });
let upstream: Upstream;
let config: string;
const tids: string[] = [];

function profileEnv(extra: Record<string, string> = {}) {
  return { OPENHIM_PASSWORD: stack().rootPassword, ...extra };
}

async function taskctl(args: string[], extra: Record<string, string> = {}) {
  return runCli(['--config', config, ...args], { env: profileEnv(extra), secrets: [stack().rootPassword], timeoutMs: 60_000 });
}

beforeAll(async () => {
  upstream = await startUpstream();
  const s = stack();
  const dir = fs.mkdtempSync(path.join(sandboxDir(), 'real-'));
  config = path.join(dir, '.openhimrc');
  fs.writeFileSync(
    config,
    `profiles:\n  core:\n    provider: openhim\n    url: ${s.apiUrl}\n    username: ${s.rootEmail}\n    password: \${OPENHIM_PASSWORD}\n    auth: token\n    ca: ${s.certPath}\n`,
    { mode: 0o600 },
  );
  await createPublicChannel(s, { name: 'cli-scenario', urlPattern: '^/cli/.*$', upstreamPort: upstream.port });
  for (let i = 0; i < 4; i++) {
    const tid = await sendThroughRouter(s, `/cli/tx${i}`, { n: i });
    await waitForTransaction(s, tid);
    tids.push(tid);
  }
}, 120_000);

afterAll(async () => {
  await upstream?.close();
});

describe('taskctl against a real OpenHIM 4.0.5', () => {
  it('openhim status reports 4.0.5, token auth and a small clock offset', async () => {
    const r = await taskctl(['openhim', 'status', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = r.json<{ version: string; auth: string; clockOffsetMs: number }>();
    expect(s.version).toBe('4.0.5');
    expect(s.auth).toBe('token');
    expect(Math.abs(s.clockOffsetMs)).toBeLessThan(5000);
  });

  it('openhim api GET /heartbeat prints the JSON', async () => {
    const r = await taskctl(['openhim', 'api', 'GET', '/heartbeat']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('now');
  });

  it('transaction list finds the transactions made through the router', async () => {
    const r = await taskctl(['openhim', 'transaction', 'list', '--status', 'Successful', '--limit', '100', '--json']);
    expect(r.code).toBe(0);
    const found = r.json<{ _id: string }[]>().map((t) => t._id);
    for (const tid of tids) expect(found).toContain(tid);
    const count = await taskctl(['openhim', 'transaction', 'list', '--status', 'Successful', '--count', '--json']);
    expect(count.code).toBe(0);
    // 4.0.5 answers the bulkrerun representation with an array: taskctl counts it
    expect(count.json<{ count: number }>().count).toBeGreaterThanOrEqual(tids.length);
  });

  let taskId: string;

  it('task create --paused prints the id the server reports; get and list show it', async () => {
    const r = await taskctl(['openhim', 'task', 'create', '--tids', tids.slice(0, 3).join(','), '--paused', '--batch-size', '1']);
    expect(r.code).toBe(0);
    taskId = r.stdout.trim();
    expect(taskId).toMatch(/^[0-9a-f]{24}$/);
    const server = await getTask(stack(), taskId);
    expect(server.status).toBe('Paused');
    expect(server.transactions.map((t: { tid: string }) => t.tid)).toEqual(tids.slice(0, 3));

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
    const server = await getTask(stack(), taskId);
    expect(server.status).toBe('Completed');
    expect(server.transactions.every((t: { rerunStatus?: string }) => t.rerunStatus === 'Successful')).toBe(true);
  }, 90_000);

  it('task cancel on a second paused task keeps it Cancelled', async () => {
    const created = await taskctl(['openhim', 'task', 'create', '--tids', tids[3], '--paused', '--json']);
    expect(created.code).toBe(0);
    const id = created.json<{ id: string }>().id;
    const cancel = await taskctl(['openhim', 'task', 'cancel', id, '--yes']);
    expect(cancel.code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500)); // three processor polls
    expect((await getTask(stack(), id)).status).toBe('Cancelled');

    const del = await taskctl(['openhim', 'task', 'delete', id, '--yes', '--json']);
    expect(del.code).toBe(0);
    expect(del.json<{ results: { id: string; ok: boolean }[] }>().results).toEqual([expect.objectContaining({ id, ok: true })]);
    const gone = await taskctl(['openhim', 'task', 'get', id]);
    expect(gone.code).toBe(5);
  });

  it('an unknown task id is "not found" (exit 5), although 4.0.5 answers 500 on GET and 200 on PUT', async () => {
    const get = await taskctl(['openhim', 'task', 'get', '5f0000000000000000000000']);
    expect(get.code).toBe(5);
    expect(get.stderr).toMatch(/not found/);
    const pause = await taskctl(['openhim', 'task', 'pause', '5f0000000000000000000000', '--json']);
    expect(pause.code).toBe(5);
    expect(pause.json<{ results: { ok: boolean; status: number }[] }>().results[0]).toMatchObject({ ok: false, status: 404 });
  });

  it('transaction rerun --yes with a filter creates tasks the server lists', async () => {
    const r = await taskctl(['openhim', 'transaction', 'rerun', '--channel', await channelId(), '--paused', '--yes', '--json']);
    expect(r.code).toBe(0);
    const doc = r.json<{ count: number; tasks: { id: string }[] }>();
    expect(doc.count).toBeGreaterThanOrEqual(tids.length);
    expect(doc.tasks.length).toBeGreaterThan(0);
    const list = await taskctl(['openhim', 'task', 'list', '--status', 'Paused', '--all', '--json']);
    const listed = list.json<{ _id: string }[]>().map((t) => t._id);
    for (const t of doc.tasks) expect(listed).toContain(t.id);
  });

  it('a wrong password is exit 4', async () => {
    const r = await runCli(['--config', config, 'openhim', 'status'], { env: { OPENHIM_PASSWORD: 'wrong-password-x' }, secrets: ['wrong-password-x'] });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('authentication refused');
  });

  it('TLS: without the core certificate, exit 6 with how to fix it; --insecure works with a warning', async () => {
    const s = stack();
    const env = { OPENHIM_URL: s.apiUrl, OPENHIM_USERNAME: s.rootEmail, OPENHIM_PASSWORD: s.rootPassword, OPENHIM_AUTH: 'token' };
    const noCa = await runCli(['openhim', 'status'], { env, secrets: [s.rootPassword] });
    expect(noCa.code).toBe(6);
    expect(noCa.stderr).toContain('--ca <file>');
    const withCa = await runCli(['openhim', 'status', '--ca', s.certPath], { env, secrets: [s.rootPassword] });
    expect(withCa.code).toBe(0);
    const byIp = await runCli(['openhim', 'status', '--ca', s.certPath], { env: { ...env, OPENHIM_URL: s.apiUrlIp }, secrets: [s.rootPassword] });
    expect(byIp.code).toBe(6);
    expect(byIp.stderr).toContain('not valid for the host name "127.0.0.1"');
    const insecure = await runCli(['openhim', 'status', '--insecure'], { env: { ...env, OPENHIM_URL: s.apiUrlIp }, secrets: [s.rootPassword] });
    expect(insecure.code).toBe(0);
    expect(insecure.stderr).toContain('--insecure');
  });
});

async function channelId(): Promise<string> {
  const r = await taskctl(['openhim', 'api', 'GET', '/channels', '--json', '--query', "[?name=='cli-scenario']._id | [0]"]);
  return r.json<string>();
}

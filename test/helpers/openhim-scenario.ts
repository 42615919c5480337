/**
 * The OpenHIM admin scenario, one definition run against two cores: a real OpenHIM 4.0.5
 * (test/real/cli-scenario.test.ts) and the sandbox behind `taskctl sandbox serve` (test/e2e/sandbox-scenario.test.ts).
 * What an admin does: status, raw API, find transactions, create/inspect/resume/watch/cancel/delete rerun
 * tasks, rerun by filter, a wrong password, an unknown task id. The target supplies the core's facts; the
 * assertions are the same for both, except where `version` names the emulated one.
 */
import { expect, it } from 'vitest';
import type { CliResult } from './cli.js';

export interface ScenarioTarget {
  /** taskctl with the target's profile (`auth: token`) */
  taskctl(args: string[]): Promise<CliResult>;
  /** taskctl with the target's profile and this password instead of the right one */
  withPassword(password: string, args: string[]): Promise<CliResult>;
  /** the task as the core stores it */
  getTask(id: string): Promise<{ status: string; transactions: Array<{ tid: string; rerunStatus?: string }> }>;
  /** four Successful transactions on one channel */
  tids(): string[];
  channelId(): Promise<string>;
  /** the version `status` must report */
  version: string;
  /** what the core answers for a well-formed unknown task id (4.0.5: 500 "reading 'transactions'", 8.x: 404); results carry it */
  unknownTaskStatus: number;
}

export function openhimScenario(t: ScenarioTarget): void {
  it(`openhim status reports ${t.version}, token auth and a small clock offset`, async () => {
    const r = await t.taskctl(['openhim', 'status', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = r.json<{ version: string; auth: string; clockOffsetMs: number }>();
    expect(s.version).toBe(t.version);
    expect(s.auth).toBe('token');
    expect(Math.abs(s.clockOffsetMs)).toBeLessThan(5000);
  });

  it('openhim api GET /heartbeat prints the JSON', async () => {
    const r = await t.taskctl(['openhim', 'api', 'GET', '/heartbeat']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('now');
  });

  it('transaction list finds the transactions; --count counts them (4.0.5 answers an array, 8.x {"count":n})', async () => {
    const r = await t.taskctl(['openhim', 'transaction', 'list', '--status', 'Successful', '--limit', '100', '--json']);
    expect(r.code).toBe(0);
    const found = r.json<{ _id: string }[]>().map((x) => x._id);
    for (const tid of t.tids()) expect(found).toContain(tid);
    const count = await t.taskctl(['openhim', 'transaction', 'list', '--status', 'Successful', '--count', '--json']);
    expect(count.code).toBe(0);
    expect(count.json<{ count: number }>().count).toBeGreaterThanOrEqual(t.tids().length);
  });

  let taskId: string;

  it('task create --paused prints the id the server reports; get and list show it', async () => {
    const tids = t.tids();
    const r = await t.taskctl(['openhim', 'task', 'create', '--tids', tids.slice(0, 3).join(','), '--paused', '--batch-size', '1']);
    expect(r.code).toBe(0);
    taskId = r.stdout.trim();
    expect(taskId).toMatch(/^[0-9a-f]{24}$/);
    const server = await t.getTask(taskId);
    expect(server.status).toBe('Paused');
    expect(server.transactions.map((x) => x.tid)).toEqual(tids.slice(0, 3));

    const get = await t.taskctl(['openhim', 'task', 'get', taskId, '--json']);
    expect(get.code).toBe(0);
    expect(get.json<{ _id: string; status: string; totalTransactions: number }>()).toMatchObject({ _id: taskId, status: 'Paused', totalTransactions: 3 });

    const list = await t.taskctl(['openhim', 'task', 'list', '--status', 'Paused', '--json']);
    expect(list.code).toBe(0);
    expect(list.json<{ _id: string }[]>().map((x) => x._id)).toContain(taskId);
  });

  it('task resume, then task watch until Completed with every rerun successful (exit 0)', async () => {
    const resume = await t.taskctl(['openhim', 'task', 'resume', taskId]);
    expect(resume.code).toBe(0);
    const watch = await t.taskctl(['openhim', 'task', 'watch', taskId, '--interval', '300', '--json']);
    expect(watch.code).toBe(0);
    const events = watch.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; status?: string });
    expect(events[events.length - 1]).toMatchObject({ event: 'end', status: 'Completed' });
    const server = await t.getTask(taskId);
    expect(server.status).toBe('Completed');
    expect(server.transactions.every((x) => x.rerunStatus === 'Successful')).toBe(true);
  }, 90_000);

  it('task cancel on a second paused task keeps it Cancelled', async () => {
    const created = await t.taskctl(['openhim', 'task', 'create', '--tids', t.tids()[3], '--paused', '--json']);
    expect(created.code).toBe(0);
    const id = created.json<{ id: string }>().id;
    const cancel = await t.taskctl(['openhim', 'task', 'cancel', id, '--yes']);
    expect(cancel.code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500)); // three processor polls
    expect((await t.getTask(id)).status).toBe('Cancelled');

    const del = await t.taskctl(['openhim', 'task', 'delete', id, '--yes', '--json']);
    expect(del.code).toBe(0);
    expect(del.json<{ results: { id: string; ok: boolean }[] }>().results).toEqual([expect.objectContaining({ id, ok: true })]);
    const gone = await t.taskctl(['openhim', 'task', 'get', id]);
    expect(gone.code).toBe(5);
  });

  it(`an unknown task id is "not found" (exit 5); the result carries the status the core sent (${t.unknownTaskStatus})`, async () => {
    const get = await t.taskctl(['openhim', 'task', 'get', '5f0000000000000000000000']);
    expect(get.code).toBe(5);
    expect(get.stderr).toMatch(/not found/);
    const pause = await t.taskctl(['openhim', 'task', 'pause', '5f0000000000000000000000', '--json']);
    expect(pause.code).toBe(5);
    expect(pause.json<{ results: { ok: boolean; status: number }[] }>().results[0]).toMatchObject({ ok: false, status: t.unknownTaskStatus });
  });

  it('transaction rerun --yes with a filter creates tasks the server lists', async () => {
    const r = await t.taskctl(['openhim', 'transaction', 'rerun', '--channel', await t.channelId(), '--paused', '--yes', '--json']);
    expect(r.code).toBe(0);
    const doc = r.json<{ count: number; tasks: { id: string }[] }>();
    expect(doc.count).toBeGreaterThanOrEqual(t.tids().length);
    expect(doc.tasks.length).toBeGreaterThan(0);
    const list = await t.taskctl(['openhim', 'task', 'list', '--status', 'Paused', '--all', '--json']);
    const listed = list.json<{ _id: string }[]>().map((x) => x._id);
    for (const x of doc.tasks) expect(listed).toContain(x.id);
  });

  it('a wrong password is exit 4', async () => {
    const r = await t.withPassword('wrong-password-x', ['openhim', 'status']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('authentication refused');
  });
}

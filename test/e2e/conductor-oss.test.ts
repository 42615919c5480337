/**
 * Conductor OSS (no /api/human, no auth) through the built binary: `human complete|update --workflow-id
 * --task-ref` fall back to `POST /api/tasks/{wf}/{ref}/{COMPLETED|IN_PROGRESS}/sync`; `--iteration` is refused;
 * every other human verb exits 1 saying the server is Conductor OSS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CANARY, errorJson, runCli, sandboxDir } from '../helpers/cli.js';
import { startConductor, type FakeConductor } from '../servers/conductor.js';

let s: FakeConductor;
let cache: string;
beforeEach(async () => {
  s = await startConductor({ mode: 'oss', lifetimeMs: 60_000 });
  cache = fs.mkdtempSync(path.join(sandboxDir(), 'cache-'));
});
afterEach(async () => s.close());

const noKeys = () => ({ CONDUCTOR_SERVER_URL: s.url, XDG_CACHE_HOME: cache });
const withKeys = () => ({ ...noKeys(), CONDUCTOR_AUTH_KEY: 'key-1', CONDUCTOR_AUTH_SECRET: CANARY.conductorSecret });
const paths = () => s.requests.map((r) => `${r.method} ${r.path}`);

function workflow() {
  return s.addWorkflow({
    workflowId: 'wf-oss',
    tasks: [
      { taskId: 'prep', referenceTaskName: 'prepare', status: 'COMPLETED', taskType: 'SIMPLE' },
      { taskId: 'hum', referenceTaskName: 'approve', status: 'IN_PROGRESS', outputData: { seen: true } },
    ],
  });
}

describe('conductor on OSS: complete/update by workflow id and task reference', () => {
  it('complete falls back to the /sync route after the Spring 404 from /api/human', async () => {
    const wf = workflow();
    const r = await runCli(['conductor', 'human', 'complete', '--workflow-id', 'wf-oss', '--task-ref', 'approve', '--field', 'approved:=true'], { env: noKeys() });
    expect(r.code).toBe(0);
    expect(paths()).toEqual(['POST /api/human/tasks/update/taskRef', 'POST /api/tasks/wf-oss/approve/COMPLETED/sync']);
    expect(JSON.parse(s.requests[1].body)).toEqual({ approved: true });
    const task = wf.tasks.find((t) => t.taskId === 'hum')!;
    expect(task.status).toBe('COMPLETED');
    expect(task.outputData).toEqual({ seen: true, approved: true });
    expect(r.stderr).toMatch(/is Conductor OSS: using POST \/api\/tasks\/\{workflowId\}\/\{taskRef\}\/COMPLETED\/sync/);
    expect(r.stdout).toBe('Workflow\twf-oss\nTask ref\tapprove\nResult\tcompleted\nTask id\thum\nTask status\tCOMPLETED\nWorkflow status\tCOMPLETED\nServer\tConductor OSS (/api/tasks/…/sync)\n');
  });

  it('with keys configured, the 404 from /api/token means OSS: no credentials and straight to /sync', async () => {
    workflow();
    const r = await runCli(['conductor', 'human', 'update', '--workflow-id', 'wf-oss', '--task-ref', 'approve', '--data', '{"note":"draft"}', '--json'], { env: withKeys() });
    expect(r.code).toBe(0);
    expect(paths()).toEqual(['POST /api/token', 'POST /api/tasks/wf-oss/approve/IN_PROGRESS/sync']);
    expect(s.requests[1].headers['x-authorization']).toBeUndefined();
    const doc = r.json<Record<string, unknown>>();
    expect(doc).toMatchObject({ ok: true, status: 200, workflowId: 'wf-oss', taskRefName: 'approve', complete: false, server: 'oss', taskId: 'hum', taskStatus: 'IN_PROGRESS', workflowStatus: 'RUNNING' });
    expect((doc.workflow as { workflowId: string }).workflowId).toBe('wf-oss');
    expect(s.workflows.get('wf-oss')!.tasks[1].outputData).toEqual({ seen: true, note: 'draft' });
  });

  it('no running task with that reference exits 5 (the /sync route, unlike the async one, answers 404)', async () => {
    workflow();
    const r = await runCli(['conductor', 'human', 'complete', '--workflow-id', 'wf-oss', '--task-ref', 'prepare'], { env: noKeys() });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/no running task prepare in workflow wf-oss/);
    expect(r.stderr).toMatch(/server said: Found no running task prepare of workflow wf-oss to update/);
    const unknown = await runCli(['conductor', 'human', 'complete', '--workflow-id', 'nope', '--task-ref', 'approve', '--json'], { env: noKeys() });
    expect(unknown.code).toBe(5);
    expect(unknown.stdout).toBe('');
    expect(unknown.errorJson()).toMatchObject({ error: { code: 5, status: 404 } });
  });

  it('--iteration is refused on OSS (exit 2) and the /sync route is not called', async () => {
    workflow();
    const r = await runCli(['conductor', 'human', 'complete', '--workflow-id', 'wf-oss', '--task-ref', 'approve', '--iteration', '1'], { env: withKeys() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--iteration is not supported on Conductor OSS/);
    expect(paths()).toEqual(['POST /api/token']);
    expect(s.workflows.get('wf-oss')!.tasks[1].status).toBe('IN_PROGRESS');
  });
});

describe('conductor on OSS: the other human verbs exit 1', () => {
  it('list says the server is Conductor OSS', async () => {
    const r = await runCli(['conductor', 'human', 'list'], { env: noKeys() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is Conductor OSS, which has no human task API \(\/api\/human\)/);
    expect(r.stderr).toMatch(/only `human complete\|update --workflow-id <id> --task-ref <ref>` work/);
    const j = await runCli(['conductor', 'human', 'list', '--json'], { env: noKeys() });
    expect(j.code).toBe(1);
    expect(j.errorJson()).toMatchObject({ error: { code: 1, status: 404, message: expect.stringMatching(/is Conductor OSS/) } });
  });

  it('get exits 1 naming OSS', async () => {
    const r = await runCli(['conductor', 'human', 'get', 'hum'], { env: noKeys() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is Conductor OSS/);
  });

  it('claim of several ids stops after the first answer and exits 1', async () => {
    const r = await runCli(['conductor', 'human', 'claim', 't1', 't2', 't3', '--concurrency', '1', '--json'], { env: noKeys() });
    expect(r.code).toBe(1);
    expect(paths()).toEqual(['POST /api/human/tasks/t1/claim']);
    const doc = r.json<{ results: { id: string; ok: boolean; error: string }[]; summary: unknown }>();
    expect(doc.results.map((x) => [x.id, x.ok])).toEqual([['t1', false], ['t2', false], ['t3', false]]);
    expect(doc.results[2].error).toMatch(/Conductor OSS/);
    expect(r.stderr).toMatch(/taskctl: .* is Conductor OSS, which has no human task API/);
  });

  it('complete by task id exits 1 and points at the reference form', async () => {
    const r = await runCli(['conductor', 'human', 'complete', 'hum', '--field', 'a=b'], { env: noKeys() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--workflow-id <id> --task-ref <ref>/);
    for (const verb of ['release', 'skip']) {
      const v = await runCli(['conductor', 'human', verb, 'hum'], { env: noKeys() });
      expect(v.code).toBe(1);
    }
    const re = await runCli(['conductor', 'human', 'reassign', 'hum', '--to', 'user:x'], { env: noKeys() });
    expect(re.code).toBe(1);
    expect(re.stderr).toMatch(/is Conductor OSS/);
  });

  it('profile test reports Conductor OSS and that the key is unused', async () => {
    const r = await runCli(['profile', 'test', '--json'], { env: withKeys() });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, provider: 'conductor', server: 'Conductor OSS', auth: 'none (Conductor OSS has no /api/token)' });
    expect(r.stderr).toMatch(/has an application key, but .* has no \/api\/token \(Conductor OSS\)/);
    const plain = await runCli(['profile', 'test'], { env: noKeys() });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/Server\tConductor OSS/);
  });

  it('the raw api reaches the OSS task API', async () => {
    workflow();
    const r = await runCli(['conductor', 'api', 'GET', '/api/workflow/wf-oss'], { env: noKeys() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).workflowId).toBe('wf-oss');
  });
});

// Current OSS answers a route it lacks with an ErrorResponse "No static resource api/human/…." (404 or 500 by
// version), older OSS with Spring's default 404: every shape means OSS, with or without keys (§6, §7).
describe.each(['spring', 'no-static-404', 'no-static-500'] as const)('conductor OSS that answers a missing route as %s', (unknownRoute) => {
  let oss: FakeConductor;
  beforeEach(async () => {
    await s.close();
    oss = await startConductor({ mode: 'oss', unknownRoute, lifetimeMs: 60_000 });
    s = oss;
    workflow();
  });

  it('complete --workflow-id --task-ref without keys falls back to /sync', async () => {
    const r = await runCli(['conductor', 'human', 'complete', '--workflow-id', 'wf-oss', '--task-ref', 'approve', '--data', '{"approved":true}'], { env: noKeys() });
    expect(r.stderr).toMatch(/is Conductor OSS: using POST \/api\/tasks\/\{workflowId\}\/\{taskRef\}\/COMPLETED\/sync/);
    expect(r.code).toBe(0);
    expect(paths()).toEqual(['POST /api/human/tasks/update/taskRef', 'POST /api/tasks/wf-oss/approve/COMPLETED/sync']);
    expect(oss.workflows.get('wf-oss')!.tasks[1]).toMatchObject({ status: 'COMPLETED', outputData: { seen: true, approved: true } });
    expect(r.stdout).toMatch(/^Result\tcompleted$/m);
  });

  it('update --workflow-id --task-ref with keys: /api/token tells OSS apart, no credentials, straight to /sync', async () => {
    const r = await runCli(['conductor', 'human', 'update', '--workflow-id', 'wf-oss', '--task-ref', 'approve', '--field', 'note=draft', '--json'], { env: withKeys() });
    expect(r.code).toBe(0);
    expect(paths()).toEqual(['POST /api/token', 'POST /api/tasks/wf-oss/approve/IN_PROGRESS/sync']);
    expect(oss.requests[1].headers['x-authorization']).toBeUndefined();
    expect(r.json()).toMatchObject({ ok: true, server: 'oss', taskStatus: 'IN_PROGRESS' });
  });

  it('the other human verbs say Conductor OSS (exit 1) and report the status the server sent', async () => {
    const r = await runCli(['conductor', 'human', 'get', 'hum', '--json'], { env: noKeys() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is Conductor OSS, which has no human task API/);
    expect(errorJson(r)).toMatchObject({ error: { code: 1, status: unknownRoute === 'no-static-500' ? 500 : 404 } });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { startConductor, type ConductorOptions, type FakeConductor } from './conductor.js';

const servers: FakeConductor[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(opts: ConductorOptions = {}): Promise<FakeConductor> {
  const s = await startConductor(opts);
  servers.push(s);
  return s;
}

interface Res {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

async function call(s: FakeConductor, method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token !== undefined) headers['X-Authorization'] = opts.token;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(s.url + path, { method, headers, body });
  const text = await r.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, text, json, headers: r.headers };
}

async function mint(s: FakeConductor): Promise<string> {
  const r = await call(s, 'POST', '/api/token', { body: { keyId: s.keyId, keySecret: s.keySecret } });
  expect(r.status).toBe(200);
  return r.json.token as string;
}

function decodePayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

function expectErrorResponse(r: Res, status: number) {
  expect(r.status).toBe(status);
  expect(r.json).toMatchObject({ status, instance: 'fake-conductor', retryable: false });
  expect(typeof r.json.message).toBe('string');
}

describe('fake conductor: auth (orkes)', () => {
  it('mints a JWT with exp and accepts it in X-Authorization', async () => {
    const s = await start({ tokenTtlSeconds: 600 });
    const token = await mint(s);
    expect(token.split('.')).toHaveLength(3);
    const p = decodePayload(token);
    const now = Math.floor(Date.now() / 1000);
    expect(p.exp).toBeGreaterThanOrEqual(now + 590);
    expect(p.exp).toBeLessThanOrEqual(now + 610);
    const r = await call(s, 'GET', '/api/token/userInfo', { token });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: 'user-1', name: expect.any(String) });
    expect(s.tokenRequests()).toBe(1);
  });

  it('noExp mints a token without exp', async () => {
    const s = await start({ noExp: true });
    expect(decodePayload(await mint(s)).exp).toBeUndefined();
  });

  it('wrong secret, untrimmed secret and missing fields', async () => {
    const s = await start({ keyId: 'k', keySecret: 's' });
    const bad = await call(s, 'POST', '/api/token', { body: { keyId: 'k', keySecret: 'nope' } });
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ message: 'Invalid Access Key', error: 'INVALID_TOKEN', timestamp: expect.any(Number) });
    const untrimmed = await call(s, 'POST', '/api/token', { body: { keyId: 'k', keySecret: 's\n' } });
    expect(untrimmed.status).toBe(401);
    const missing = await call(s, 'POST', '/api/token', { body: { keyId: 'k' } });
    expectErrorResponse(missing, 400);
    expect(missing.json.validationErrors[0].path).toBe('keySecret');
  });

  it('missing, Bearer-prefixed, unknown, revoked and expired tokens', async () => {
    const s = await start();
    const missing = await call(s, 'GET', '/api/human/tasks/x');
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ message: 'Token cannot be null or empty', error: 'INVALID_TOKEN', timestamp: expect.any(Number) });
    const token = await mint(s);
    expect((await call(s, 'GET', '/api/token/userInfo', { token: `Bearer ${token}` })).json.error).toBe('INVALID_TOKEN');
    expect((await call(s, 'GET', '/api/token/userInfo', { token: 'a.b.c' })).json.error).toBe('INVALID_TOKEN');
    s.expireAllTokens();
    const expired = await call(s, 'POST', '/api/human/tasks/search', { token, body: { searchType: 'ADMIN' } });
    expect(expired.status).toBe(401);
    expect(expired.json.error).toBe('EXPIRED_TOKEN');
    const fresh = await mint(s);
    expect((await call(s, 'GET', '/api/token/userInfo', { token: fresh })).status).toBe(200);
    expect(s.tokenRequests()).toBe(2);
    s.revokeToken(fresh);
    expect((await call(s, 'GET', '/api/token/userInfo', { token: fresh })).json.error).toBe('INVALID_TOKEN');
  });

  it('a non-positive ttl mints already-expired tokens', async () => {
    const s = await start({ tokenTtlSeconds: -5 });
    const token = await mint(s);
    expect((await call(s, 'GET', '/api/token/userInfo', { token })).json.error).toBe('EXPIRED_TOKEN');
  });

  it('/api/tasks routes also need the token', async () => {
    const s = await start();
    const r = await call(s, 'POST', '/api/tasks/wf/ref/COMPLETED/sync', { body: {} });
    expect(r.status).toBe(401);
  });
});

describe('fake conductor: human tasks', () => {
  it('search: INBOX vs ADMIN, filters, paging, missing searchType', async () => {
    const s = await start();
    const token = await mint(s);
    s.addTask({ taskId: 'a', assignee: { user: 'user-1', userType: 'CONDUCTOR_USER' }, definitionName: 'd1' });
    s.addTask({ taskId: 'b', assignee: { user: 'user-2', userType: 'CONDUCTOR_USER' }, definitionName: 'd2' });
    s.addTask({ taskId: 'c', claimant: { user: 'user-1', userType: 'CONDUCTOR_USER' }, assignee: { user: 'user-1', userType: 'CONDUCTOR_USER' } });
    s.addTask({ taskId: 'd' });

    const inbox = await call(s, 'POST', '/api/human/tasks/search', { token, body: { searchType: 'INBOX', start: 0, size: 15 } });
    expect(inbox.status).toBe(200);
    expect(inbox.json.results.map((t: any) => t.taskId)).toEqual(['a', 'c']);
    expect(inbox.json).toMatchObject({ totalHits: 2, hits: 2, start: 0, pageSizeLimit: 15 });

    const admin = await call(s, 'POST', '/api/human/tasks/search', { token, body: { searchType: 'ADMIN', start: 1, size: 2 } });
    expect(admin.json).toMatchObject({ totalHits: 4, hits: 2, start: 1, pageSizeLimit: 2 });
    expect(admin.json.results.map((t: any) => t.taskId)).toEqual(['b', 'c']);

    const filtered = await call(s, 'POST', '/api/human/tasks/search', {
      token,
      body: { searchType: 'ADMIN', states: ['ASSIGNED'], assignees: [{ user: 'user-*', userType: 'CONDUCTOR_USER' }], definitionNames: ['d2'] },
    });
    expect(filtered.json.results.map((t: any) => t.taskId)).toEqual(['b']);
    const byClaimant = await call(s, 'POST', '/api/human/tasks/search', { token, body: { searchType: 'ADMIN', claimants: [{ user: 'user-1' }] } });
    expect(byClaimant.json.results.map((t: any) => t.taskId)).toEqual(['c']);

    const noType = await call(s, 'POST', '/api/human/tasks/search', { token, body: { start: 0, size: 15 } });
    expectErrorResponse(noType, 400);
    expect(noType.json.validationErrors).toEqual([{ path: 'searchType', message: 'must not be null', invalidValue: null }]);
  });

  it('search ADMIN is 403 for a non-admin caller; maxPageSize caps pageSizeLimit', async () => {
    const s = await start({ admin: false, maxPageSize: 2 });
    const token = await mint(s);
    for (let i = 0; i < 3; i++) s.addTask({ assignee: { user: 'user-1', userType: 'CONDUCTOR_USER' } });
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/search', { token, body: { searchType: 'ADMIN' } }), 403);
    const page = await call(s, 'POST', '/api/human/tasks/search', { token, body: { searchType: 'INBOX', start: 0, size: 100 } });
    expect(page.json).toMatchObject({ totalHits: 3, hits: 2, pageSizeLimit: 2 });
  });

  it('get: full entry with internal input keys; 404 unknown', async () => {
    const s = await start();
    const token = await mint(s);
    const added = s.addTask({ taskId: 't1', assignee: { user: 'user-1', userType: 'CONDUCTOR_USER' }, input: { amount: 5 } });
    expect(added.state).toBe('ASSIGNED');
    const r = await call(s, 'GET', '/api/human/tasks/t1', { token });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ taskId: 't1', state: 'ASSIGNED', definitionName: expect.any(String), taskRefName: expect.any(String), workflowId: expect.any(String), createdOn: expect.any(Number), updatedOn: expect.any(Number) });
    expect(r.json.input).toHaveProperty('__humanTaskDefinition');
    expect(r.json.input).toHaveProperty('__humanTaskProcessContext');
    expect(r.json.input.amount).toBe(5);
    expectErrorResponse(await call(s, 'GET', '/api/human/tasks/nope', { token }), 404);
  });

  it('claim: IN_PROGRESS + claimant; 400 when already claimed unless overrideAssignment; 400 unknown', async () => {
    const s = await start();
    const token = await mint(s);
    s.addTask({ taskId: 't1', assignee: { user: 'user-1', userType: 'CONDUCTOR_USER' } });
    const r = await call(s, 'POST', '/api/human/tasks/t1/claim', { token });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ state: 'IN_PROGRESS', claimant: { user: 'user-1', userType: 'CONDUCTOR_USER' } });
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/t1/claim', { token }), 400);
    expect((await call(s, 'POST', '/api/human/tasks/t1/claim?overrideAssignment=true', { token })).status).toBe(200);
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/zzz/claim', { token }), 400);
    const ext = await call(s, 'POST', '/api/human/tasks/t1/externalUser/ext-9?overrideAssignment=true', { token });
    expect(ext.json.claimant).toEqual({ user: 'ext-9', userType: 'EXTERNAL_USER' });
    expect(s.actions.filter((a) => a.action === 'claim')).toHaveLength(3);
  });

  it('release: 400 when ASSIGNED (not claimed); empty 200 → ASSIGNED without claimant', async () => {
    const s = await start();
    const token = await mint(s);
    s.addTask({ taskId: 't1', assignee: { user: 'user-1', userType: 'CONDUCTOR_USER' } });
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/t1/release', { token }), 400);
    await call(s, 'POST', '/api/human/tasks/t1/claim', { token });
    const r = await call(s, 'POST', '/api/human/tasks/t1/release', { token });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(s.tasks.get('t1')?.state).toBe('ASSIGNED');
    expect(s.tasks.get('t1')?.claimant).toBeUndefined();
  });

  it('reassign: array body; 400 if claimed or body invalid; empty 200', async () => {
    const s = await start();
    const token = await mint(s);
    s.addTask({ taskId: 't1', assignee: { user: 'user-1', userType: 'CONDUCTOR_USER' } });
    const chain = [
      { assignee: { user: 'g1', userType: 'CONDUCTOR_GROUP' }, slaMinutes: 30 },
      { assignee: { user: 'user-3', userType: 'CONDUCTOR_USER' }, slaMinutes: 0 },
    ];
    const bad = await call(s, 'POST', '/api/human/tasks/t1/reassign', { token, body: { assignee: { user: 'x' } } });
    expectErrorResponse(bad, 400);
    expect(bad.json.validationErrors.length).toBeGreaterThan(0);
    const r = await call(s, 'POST', '/api/human/tasks/t1/reassign', { token, body: chain });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(s.tasks.get('t1')?.assignee).toEqual({ user: 'g1', userType: 'CONDUCTOR_GROUP' });
    expect(s.actions.at(-1)).toMatchObject({ action: 'reassign', taskId: 't1', assignments: chain });

    s.addTask({ taskId: 't2', assignee: { user: 'user-1', userType: 'CONDUCTOR_USER' }, claimant: { user: 'user-1', userType: 'CONDUCTOR_USER' } });
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/t2/reassign', { token, body: chain }), 400);
  });

  it('skip: records the reason, moves along the chain; 400 without assignee', async () => {
    const s = await start();
    const token = await mint(s);
    s.addTask({
      taskId: 't1',
      assignee: { user: 'user-1', userType: 'CONDUCTOR_USER' },
      input: {
        __humanTaskDefinition: {
          assignments: [
            { assignee: { user: 'user-1', userType: 'CONDUCTOR_USER' }, slaMinutes: 10 },
            { assignee: { user: 'user-2', userType: 'CONDUCTOR_USER' }, slaMinutes: 10 },
          ],
        },
      },
    });
    const r = await call(s, 'POST', '/api/human/tasks/t1/skip?reason=on%20leave', { token });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(s.actions.at(-1)).toEqual({ action: 'skip', taskId: 't1', reason: 'on leave' });
    expect(s.tasks.get('t1')?.assignee?.user).toBe('user-2');
    await call(s, 'POST', '/api/human/tasks/t1/skip', { token });
    expect(s.tasks.get('t1')).toMatchObject({ state: 'PENDING' });
    expect(s.tasks.get('t1')?.assignee).toBeUndefined();
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/t1/skip', { token }), 400);
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/none/skip', { token }), 400);
  });

  it('update by id: merges output, complete=true → COMPLETED, then 400 (terminal); non-object body → 400', async () => {
    const s = await start();
    const token = await mint(s);
    s.addTask({ taskId: 't1', claimant: { user: 'user-1', userType: 'CONDUCTOR_USER' }, output: { a: 1 } });
    const draft = await call(s, 'POST', '/api/human/tasks/t1/update?complete=false', { token, body: { b: 2 } });
    expect(draft.status).toBe(200);
    expect(draft.text).toBe('');
    expect(s.tasks.get('t1')).toMatchObject({ state: 'IN_PROGRESS', output: { a: 1, b: 2 } });
    const arr = await call(s, 'POST', '/api/human/tasks/t1/update?complete=true', { token, body: [1, 2] });
    expectErrorResponse(arr, 400);
    expect(arr.json.validationErrors[0].path).toBe('body');
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/t1/update', { token }), 400);
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/t1/update', { token, raw: '{oops' }), 400);
    const done = await call(s, 'POST', '/api/human/tasks/t1/update?complete=true', { token, body: { approved: true } });
    expect(done.status).toBe(200);
    expect(s.tasks.get('t1')).toMatchObject({ state: 'COMPLETED', output: { a: 1, b: 2, approved: true } });
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/t1/update?complete=true', { token, body: {} }), 400);
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/unknown/update', { token, body: {} }), 400);
    // the non-existent form POST /api/human/tasks/{id}?complete= is a 405 (GET exists on that path)
    expect((await call(s, 'POST', '/api/human/tasks/t1?complete=true', { token, body: {} })).status).toBe(405);
  });

  it('update by taskRef: latest iteration by default, repeated iteration keys, 404 when nothing matches', async () => {
    const s = await start();
    const token = await mint(s);
    const base = { workflowId: 'wf-9', taskRefName: 'review', claimant: { user: 'user-1', userType: 'CONDUCTOR_USER' as const } };
    s.addTask({ ...base, taskId: 'i0', iteration: 0 });
    s.addTask({ ...base, taskId: 'i1', iteration: 1 });
    s.addTask({ ...base, taskId: 'n01', iteration: [0, 1] });
    const latest = await call(s, 'POST', '/api/human/tasks/update/taskRef?workflowId=wf-9&taskRefName=review&complete=true', { token, body: { x: 1 } });
    expect(latest.status).toBe(200);
    expect(s.tasks.get('i1')?.state).toBe('COMPLETED');
    const nested = await call(s, 'POST', '/api/human/tasks/update/taskRef?workflowId=wf-9&taskRefName=review&complete=true&iteration=0&iteration=1', { token, body: { y: 2 } });
    expect(nested.status).toBe(200);
    expect(s.tasks.get('n01')).toMatchObject({ state: 'COMPLETED', output: { y: 2 } });
    const last = s.requests.at(-1)!;
    expect(last.query.getAll('iteration')).toEqual(['0', '1']);
    const single = await call(s, 'POST', '/api/human/tasks/update/taskRef?workflowId=wf-9&taskRefName=review&iteration=0', { token, body: { z: 3 } });
    expect(single.status).toBe(200);
    expect(s.tasks.get('i0')).toMatchObject({ state: 'IN_PROGRESS', output: { z: 3 } });
    expect(s.actions.at(-1)).toMatchObject({ action: 'update', taskId: 'i0', complete: false, byRef: true });
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/update/taskRef?workflowId=wf-9&taskRefName=review&iteration=7', { token, body: {} }), 404);
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/update/taskRef?workflowId=nope&taskRefName=review', { token, body: {} }), 404);
    expectErrorResponse(await call(s, 'POST', '/api/human/tasks/update/taskRef?taskRefName=review', { token, body: {} }), 400);
  });

  it('template by human task id, and conductorTask', async () => {
    const s = await start();
    const token = await mint(s);
    s.addTemplate({ name: 'approval_form', version: 1, jsonSchema: { required: ['approved'] } });
    s.addTask({ taskId: 't1', iteration: 3 });
    const tpl = await call(s, 'GET', '/api/human/template/t1', { token });
    expect(tpl.json).toMatchObject({ name: 'approval_form', version: 1 });
    expectErrorResponse(await call(s, 'GET', '/api/human/template/none', { token }), 404);
    const ct = await call(s, 'GET', '/api/human/tasks/t1/conductorTask', { token });
    expect(ct.json).toMatchObject({ taskId: 't1', taskType: 'HUMAN', iteration: 3 });
    const withTpl = await call(s, 'GET', '/api/human/tasks/t1?withTemplate=true', { token });
    expect(withTpl.json.humanTaskDef.fullTemplate.name).toBe('approval_form');
  });

  it('unknown routes answer the Spring default 404 (after auth)', async () => {
    const s = await start();
    const token = await mint(s);
    const r = await call(s, 'GET', '/api/nothing/here', { token });
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ status: 404, error: 'Not Found', path: '/api/nothing/here', timestamp: expect.any(String) });
  });
});

describe('fake conductor: failure injection and latency', () => {
  it('failNext answers n requests with the status and headers, then recovers', async () => {
    const s = await start();
    s.failNext(2, 429, { 'Retry-After': '1' });
    const a = await call(s, 'POST', '/api/token', { body: { keyId: s.keyId, keySecret: s.keySecret } });
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('1');
    expect(a.json.status).toBe(429);
    expect((await call(s, 'POST', '/api/token', { body: { keyId: s.keyId, keySecret: s.keySecret } })).status).toBe(429);
    await mint(s);
    expect(s.tokenRequests()).toBe(3);
  });
});

describe('fake conductor: OSS mode', () => {
  it('no /api/token and no /api/human: Spring default 404 bodies', async () => {
    const s = await start({ mode: 'oss' });
    const tok = await call(s, 'POST', '/api/token', { body: { keyId: 'k', keySecret: 's' } });
    expect(tok.status).toBe(404);
    expect(tok.json).toMatchObject({ status: 404, error: 'Not Found', path: '/api/token', timestamp: expect.any(String) });
    const h = await call(s, 'POST', '/api/human/tasks/search', { body: { searchType: 'INBOX' } });
    expect(h.status).toBe(404);
    expect(h.json).toMatchObject({ status: 404, error: 'Not Found', path: '/api/human/tasks/search' });
    const upd = await call(s, 'POST', '/api/human/tasks/update/taskRef?workflowId=w&taskRefName=r', { body: {} });
    expect(upd.json.path).toBe('/api/human/tasks/update/taskRef');
  });

  it('/sync merges output, returns the Workflow, and 404s when nothing is running', async () => {
    const s = await start({ mode: 'oss' });
    s.addWorkflow({
      workflowId: 'wf-1',
      tasks: [
        { taskId: 'done', referenceTaskName: 'review', status: 'COMPLETED', outputData: { old: true } },
        { taskId: 'live', referenceTaskName: 'review__2', status: 'IN_PROGRESS', outputData: { keep: 1 } },
      ],
    });
    const draft = await call(s, 'POST', '/api/tasks/wf-1/review/IN_PROGRESS/sync', { body: { note: 'x' } });
    expect(draft.status).toBe(200);
    expect(draft.json).toMatchObject({ workflowId: 'wf-1', status: 'RUNNING' });
    expect(draft.json.tasks[1]).toMatchObject({ taskId: 'live', status: 'IN_PROGRESS', outputData: { keep: 1, note: 'x' } });
    const done = await call(s, 'POST', '/api/tasks/wf-1/review/COMPLETED/sync?workerid=taskctl', { body: { ok: true } });
    expect(done.json.status).toBe('COMPLETED');
    expect(done.json.tasks[1]).toMatchObject({ status: 'COMPLETED', outputData: { keep: 1, note: 'x', ok: true }, workerId: 'taskctl' });
    const again = await call(s, 'POST', '/api/tasks/wf-1/review/COMPLETED/sync', { body: {} });
    expectErrorResponse(again, 404);
    expect(again.json.message).toBe('Found no running task review of workflow wf-1 to update');
    expectErrorResponse(await call(s, 'POST', '/api/tasks/nope/review/COMPLETED/sync', { body: {} }), 404);
  });

  it('async route: task id as text, or an EMPTY 200 when nothing matched (bug #783); invalid status → 500', async () => {
    const s = await start({ mode: 'oss' });
    s.addWorkflow({ workflowId: 'wf-2', tasks: [{ taskId: 'h1', referenceTaskName: 'review' }] });
    const ok = await call(s, 'POST', '/api/tasks/wf-2/review/COMPLETED', { body: { a: 1 } });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('h1');
    const none = await call(s, 'POST', '/api/tasks/wf-2/review/COMPLETED', { body: {} });
    expect(none.status).toBe(200);
    expect(none.text).toBe('');
    const unknown = await call(s, 'POST', '/api/tasks/nope/review/COMPLETED', { body: {} });
    expect(unknown.status).toBe(200);
    expect(unknown.text).toBe('');
    const bad = await call(s, 'POST', '/api/tasks/wf-2/review/DONE/sync', { body: {} });
    expectErrorResponse(bad, 500);
    expect(bad.json.message).toContain('No enum constant');
    expect(bad.json.message).toContain('TaskResult.Status.DONE');
  });

  it('GET workflow and GET task (204 when unknown)', async () => {
    const s = await start({ mode: 'oss' });
    s.addWorkflow({ workflowId: 'wf-3', tasks: [{ taskId: 'h3', referenceTaskName: 'r' }] });
    const wf = await call(s, 'GET', '/api/workflow/wf-3?includeTasks=true');
    expect(wf.json.tasks[0]).toMatchObject({ taskType: 'HUMAN', status: 'IN_PROGRESS' });
    expectErrorResponse(await call(s, 'GET', '/api/workflow/none'), 404);
    expect((await call(s, 'GET', '/api/tasks/h3')).json.taskId).toBe('h3');
    expect((await call(s, 'GET', '/api/tasks/none')).status).toBe(204);
  });

  it('Orkes mode: the async by-ref route answers 404 instead of an empty body', async () => {
    const s = await start();
    const token = await mint(s);
    const r = await call(s, 'POST', '/api/tasks/nope/review/COMPLETED', { token, body: {} });
    expectErrorResponse(r, 404);
  });
});

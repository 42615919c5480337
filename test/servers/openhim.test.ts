import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenhim, type FakeOpenhim, type OpenhimFlavor, type OpenhimOptions } from './openhim.js';

const ROOT = 'root@openhim.org';
const PW = 'openhim-password';
const SALT = 'd9bcb40e-ae65-478f-962e-5e5e5e7d0a01';
const UNKNOWN = '5f0000000000000000000000';
const LIST = '/tasks?filterLimit=100&filterPage=0&filters=%7B%7D';
const ALL = 'filterLimit=100&filterPage=0&filters=%7B%7D';

const sha512 = (s: string) => crypto.createHash('sha512').update(s).digest('hex');

function token(opts: { email?: string; password?: string; salt?: string; offsetMs?: number } = {}): Record<string, string> {
  const { email = ROOT, password = PW, salt = SALT, offsetMs = 0 } = opts;
  const ts = new Date(Date.now() + offsetMs).toISOString();
  const nonce = crypto.randomBytes(16).toString('hex');
  return { 'auth-username': email, 'auth-ts': ts, 'auth-salt': nonce, 'auth-token': sha512(sha512(salt + password) + nonce + ts) };
}
const basic = (email = ROOT, password = PW, scheme = 'Basic') => ({
  authorization: `${scheme} ${Buffer.from(`${email}:${password}`).toString('base64')}`,
});

interface Res {
  status: number;
  text: string;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any;
}
async function call(
  srv: FakeOpenhim,
  method: string,
  p: string,
  opts: { headers?: Record<string, string>; json?: unknown; body?: string } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...opts.headers };
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  }
  const r = await fetch(srv.url + p, { method, headers, body });
  const text = await r.text();
  return { status: r.status, text, headers: r.headers, json: () => JSON.parse(text) };
}

const servers: FakeOpenhim[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function start(o: OpenhimOptions = {}): Promise<FakeOpenhim> {
  const s = await startOpenhim(o);
  servers.push(s);
  return s;
}
const authFor = (flavor: OpenhimFlavor) => (flavor === '4.0.5' ? token() : basic());
const createdId = (text: string) => /created task with id ([0-9a-f]{24})$/.exec(text)?.[1] as string;
const enc = (o: unknown) => encodeURIComponent(JSON.stringify(o));

describe('fake OpenHIM master "8.5.0" — recorded exchanges §9.1', () => {
  it('#1 heartbeat is public: {"master":<uptime>,"now":<epoch ms>}', async () => {
    const srv = await start();
    const r = await call(srv, 'GET', '/heartbeat');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.text).toMatch(/^\{"master":[0-9.e-]+,"now":\d+\}$/);
    expect(Math.abs(r.json().now - Date.now())).toBeLessThan(2000);
    expect(r.headers.get('vary')).toBe('Origin');
  });

  it('#2/#3 401 Unauthorized without credentials or with a wrong password, no WWW-Authenticate', async () => {
    const srv = await start();
    for (const headers of [{}, basic(ROOT, 'wrong')]) {
      const r = await call(srv, 'GET', LIST, { headers });
      expect(r.status).toBe(401);
      expect(r.text).toBe('Unauthorized');
      expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(r.headers.get('www-authenticate')).toBeNull();
    }
  });

  it('#4 GET /me with Basic → 404 Not authenticated; #5 /authentication/types', async () => {
    const srv = await start();
    const me = await call(srv, 'GET', '/me', { headers: basic() });
    expect([me.status, me.text]).toEqual([404, 'Not authenticated']);
    const types = await call(srv, 'GET', '/authentication/types', { headers: basic() });
    expect([types.status, types.text]).toEqual([200, '["mutual-tls-auth","basic-auth"]']);
  });

  it('#6/#7 local login returns the user JSON and both cookies; the cookies authenticate', async () => {
    const srv = await start();
    const r = await call(srv, 'POST', '/authenticate/local', { json: { username: ROOT, password: PW } });
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      '{"result":"User authenticated successfully","user":{"firstname":"Super","surname":"User","email":"root@openhim.org","provider":"local","groups":["admin"],"_id":"6b0513a586b2e93ee5443fc5","__v":0,"passwordSalt":null,"passwordHash":null,"passwordAlgorithm":null}}',
    );
    const cookies = r.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toMatch(/^koa\.sess=[0-9a-f-]{36}; path=\/; expires=[^;]+ GMT; samesite=none; secure; httponly$/);
    expect(cookies[1]).toMatch(/^koa\.sess\.sig=[A-Za-z0-9_-]+; path=\/; expires=[^;]+ GMT; samesite=none; secure; httponly$/);
    const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
    const list = await call(srv, 'GET', LIST, { headers: { cookie } });
    expect([list.status, list.text]).toEqual([200, '[]']);
    const me = await call(srv, 'GET', '/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.json().user.email).toBe(ROOT);
    // a tampered signature is no session
    const bad = await call(srv, 'GET', LIST, { headers: { cookie: cookie.replace(/sig=./, 'sig=!') } });
    expect(bad.status).toBe(401);
    const wrong = await call(srv, 'POST', '/authenticate/local', { json: { username: ROOT, password: 'nope' } });
    expect([wrong.status, wrong.text]).toEqual([401, 'Unauthorized']);
  });

  it('#8/#9 GET /authenticate/:email, then token headers → [] with a koa.sess Set-Cookie', async () => {
    const srv = await start();
    const a = await call(srv, 'GET', '/authenticate/root%40openhim.org');
    expect(a.status).toBe(200);
    expect(a.text).toMatch(/^\{"salt":"d9bcb40e-ae65-478f-962e-5e5e5e7d0a01","ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}$/);
    const r = await call(srv, 'GET', LIST, { headers: token() });
    expect([r.status, r.text]).toEqual([200, '[]']);
    const cookies = r.headers.getSetCookie();
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['koa.sess', 'koa.sess.sig']);
    const none = await call(srv, 'GET', '/authenticate/nobody%40example.org');
    expect([none.status, none.text]).toEqual([404, 'Could not find user by email nobody@example.org']);
  });

  it('#13/#14/#15 POST /tasks and GET /tasks error texts', async () => {
    const srv = await start();
    const h = basic();
    const r13 = await call(srv, 'POST', '/tasks', { headers: h, json: { tids: [], batchSize: 0 } });
    expect([r13.status, r13.text]).toEqual([400, 'Invalid batch size specified']);
    const r14 = await call(srv, 'POST', '/tasks', { headers: h, json: {} });
    expect([r14.status, r14.text]).toEqual([500, "Could not add Task via the API: TypeError: Cannot read properties of undefined (reading 'length')"]);
    const r15 = await call(srv, 'GET', '/tasks', { headers: h });
    expect([r15.status, r15.text]).toEqual([500, 'Could not fetch all tasks via the API: SyntaxError: "undefined" is not valid JSON']);
    // without a JSON content type the body is ignored, like koa-bodyparser
    const noCt = await call(srv, 'POST', '/tasks', { headers: h, body: '{"tids":[]}' });
    expect(noCt.status).toBe(500);
    expect(srv.tasks.size).toBe(0);
  });

  it('#16–#20 create paused, list, detail, resume, completed', async () => {
    const srv = await start();
    const h = basic();
    const tids = [srv.addTransaction({ path: '/demo/tx2' }), srv.addTransaction({ path: '/demo/tx1' }), srv.addTransaction({ path: '/demo/tx0' })];
    const c = await call(srv, 'POST', '/tasks', { headers: h, json: { tids, batchSize: 1, paused: true } });
    expect(c.status).toBe(201);
    expect(c.text).toMatch(/^User root@openhim\.org created task with id [0-9a-f]{24}$/);
    const id = createdId(c.text);
    const created = srv.tasks.get(id)!.created;
    const list = await call(srv, 'GET', LIST, { headers: h });
    expect(list.text).toBe(
      `[{"status":"Paused","user":"root@openhim.org","remainingTransactions":3,"totalTransactions":3,"batchSize":1,"_id":"${id}","created":"${created}","__v":0}]`,
    );
    const d = (await call(srv, 'GET', `/tasks/${id}?${ALL}`, { headers: h })).json();
    expect(d.status).toBe('Paused');
    expect(d.remainingTransactions).toBe(3);
    expect(d.totalFilteredTransactions).toBe(3);
    expect(d.completedDate).toBeUndefined();
    expect(Object.keys(d.transactions[0])).toEqual(['tid', 'tstatus', '_id']);
    expect(d.transactions.map((t: { tstatus: string }) => t.tstatus)).toEqual(['Queued', 'Queued', 'Queued']);

    expect(await srv.runUntilIdle()).toBe(0); // paused: never claimed
    const put = await call(srv, 'PUT', `/tasks/${id}`, { headers: h, json: { status: 'Queued' } });
    expect([put.status, put.text]).toEqual([200, 'The Task was successfully updated']);
    await srv.runUntilIdle();
    const done = await call(srv, 'GET', `/tasks/${id}?${ALL}`, { headers: h });
    const body = done.json();
    expect(done.text.startsWith('{"status":"Completed","transactions":[{"tid":')).toBe(true);
    expect(Object.keys(body)).toEqual([
      'status', 'transactions', 'user', 'remainingTransactions', 'totalTransactions', 'batchSize', '_id', 'created', '__v', 'completedDate', 'totalFilteredTransactions',
    ]);
    expect(body.remainingTransactions).toBe(0);
    for (const t of body.transactions) {
      expect(Object.keys(t)).toEqual(['tid', 'tstatus', '_id', 'rerunID', 'rerunStatus']);
      expect(t.tstatus).toBe('Completed');
      expect(t.rerunStatus).toBe('Successful');
      expect(t.rerunID).toMatch(/^[0-9a-f]{24}$/);
      expect(srv.transactions.get(t.rerunID)!.parentID).toBe(t.tid);
    }
    expect(Date.parse(body.completedDate)).toBeGreaterThanOrEqual(Date.parse(created));
  });

  it('#21/#22 a Cancelled or Paused task is never claimed', async () => {
    const srv = await start();
    const a = srv.createTask({ tids: [srv.addTransaction()], status: 'Paused' });
    const b = srv.createTask({ tids: [srv.addTransaction()] });
    await call(srv, 'PUT', `/tasks/${a._id}`, { headers: basic(), json: { status: 'Cancelled' } });
    await call(srv, 'PUT', `/tasks/${b._id}`, { headers: basic(), json: { status: 'Paused' } });
    expect(await srv.processor.tick()).toBe(false);
    expect(srv.tasks.get(a._id)!.status).toBe('Cancelled');
    expect(srv.tasks.get(a._id)!.transactions[0].tstatus).toBe('Queued');
    expect(srv.tasks.get(b._id)!.status).toBe('Paused');
  });

  it('#23 an unknown tid fails its item and the task still completes; setOutcome drives rerunStatus', async () => {
    const srv = await start();
    const ok = srv.addTransaction();
    const bad = srv.addTransaction();
    srv.setOutcome(bad, 'Failed');
    const noRerun = srv.addTransaction({ canRerun: false });
    const c = await call(srv, 'POST', '/tasks', { headers: basic(), json: { tids: [UNKNOWN, ok, bad, noRerun], paused: false } });
    expect(c.status).toBe(201);
    await srv.runUntilIdle();
    const d = (await call(srv, 'GET', `/tasks/${createdId(c.text)}?${ALL}`, { headers: basic() })).json();
    expect(d.status).toBe('Completed');
    expect(d.completedDate).toBeDefined();
    const [u, o, f, n] = d.transactions;
    expect(u).toEqual({ tid: UNKNOWN, tstatus: 'Failed', _id: u._id, error: `Error: Transaction ${UNKNOWN} could not be found` });
    expect([o.tstatus, o.rerunStatus]).toEqual(['Completed', 'Successful']);
    expect([f.tstatus, f.rerunStatus]).toEqual(['Completed', 'Failed']);
    expect(n.error).toBe(`Error: Transaction ${noRerun} cannot be rerun as there isn't enough information about the request`);
    expect(n.rerunStatus).toBeUndefined();
  });

  it('#26/#27/#28 PUT stores anything, malformed ids give the CastError texts, DELETE then 404', async () => {
    const srv = await start();
    const h = basic();
    const t = srv.createTask({ tids: [UNKNOWN], status: 'Paused' });
    const bad = await call(srv, 'PUT', '/tasks/not-an-id', { headers: h, json: { status: 'Paused' } });
    expect([bad.status, bad.text]).toEqual([
      500,
      'Could not update Task by ID {taskId} via the API: CastError: Cast to ObjectId failed for value "not-an-id" (type string) at path "_id" for model "Task"',
    ]);
    const getBad = await call(srv, 'GET', `/tasks/not-an-id?${ALL}`, { headers: h });
    expect(getBad.text).toBe(
      'Could not fetch Task by ID not-an-id via the API: CastError: Cast to ObjectId failed for value "not-an-id" (type string) at path "_id" for model "Task"',
    );
    const bogus = await call(srv, 'PUT', `/tasks/${t._id}`, { headers: h, json: { _id: 'ignored', status: 'Bogus' } });
    expect([bogus.status, bogus.text]).toEqual([200, 'The Task was successfully updated']);
    expect(srv.tasks.get(t._id)!.status).toBe('Bogus');
    const del = await call(srv, 'DELETE', `/tasks/${t._id}`, { headers: h });
    expect([del.status, del.text]).toEqual([200, 'The Task was successfully deleted']);
    const after = await call(srv, 'GET', `/tasks/${t._id}?${ALL}`, { headers: h });
    expect([after.status, after.text]).toEqual([404, `We could not find a Task with this ID: ${t._id}.`]);
  });

  it('#29/#12 the Basic-auth trap; #30 token on an unknown route is 404', async () => {
    const srv = await start();
    for (const method of ['GET', 'PUT']) {
      const r = await call(srv, method, `/task/${UNKNOWN}`, { headers: basic(), json: method === 'PUT' ? { status: 'Paused' } : undefined });
      expect([r.status, r.text]).toEqual([200, 'User Authenticated Successfully']);
      expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    }
    const tx = await call(srv, 'POST', '/transactions', { headers: basic(), json: { request: { path: '/it/manual', method: 'GET' }, status: 'Successful' } });
    expect([tx.status, tx.text]).toEqual([201, 'User Authenticated Successfully']);
    const tx2 = await call(srv, 'POST', '/transactions', { headers: token(), json: { request: { path: '/it/manual2', method: 'GET' } } });
    expect([tx2.status, tx2.text]).toEqual([201, 'Created']);
    expect(srv.transactions.size).toBe(2);
    const r30 = await call(srv, 'GET', '/nonexistent', { headers: token() });
    expect([r30.status, r30.text]).toEqual([404, 'Not Found']);
    const unauth = await call(srv, 'GET', '/nonexistent');
    expect(unauth.status).toBe(401);
  });

  it('#31 Basic needs the exact email and the scheme word "Basic"', async () => {
    const srv = await start();
    const upper = await call(srv, 'GET', LIST, { headers: basic(ROOT.toUpperCase()) });
    const lower = await call(srv, 'GET', LIST, { headers: basic(ROOT, PW, 'basic') });
    expect([upper.status, upper.text, lower.status, lower.text]).toEqual([401, 'Unauthorized', 401, 'Unauthorized']);
    // while the token lookup is case-insensitive
    const tok = await call(srv, 'GET', LIST, { headers: token({ email: ROOT.toUpperCase() }) });
    expect(tok.status).toBe(200);
  });

  it('#32/#33 bulkrerun count and POST /bulkrerun (recorded)', async () => {
    const srv = await start();
    for (let i = 0; i < 5; i++) srv.addTransaction({ path: `/Demo/tx${i}` });
    srv.addTransaction({ path: '/other' });
    const r = await call(srv, 'GET', `/transactions?filterRepresentation=bulkrerun&filterLimit=100&filterPage=0&filters=${enc({ 'request.path': '/demo/' })}`, {
      headers: basic(),
    });
    expect([r.status, r.text]).toEqual([200, '{"count":5}']);
    const b = await call(srv, 'POST', '/bulkrerun', { headers: basic(), json: { filters: { status: 'NoSuchStatus' }, batchSize: 1, pauseQueue: true } });
    expect([b.status, b.text]).toEqual([200, '{"success":true,"message":"Tasks created for bulk rerun of transactions"}']);
    expect(srv.bulkReruns).toEqual([{ user: ROOT, body: { filters: { status: 'NoSuchStatus' }, batchSize: 1, pauseQueue: true } }]);
    expect(srv.tasks.size).toBe(0);
  });

  it('#34 /about is authenticated; #35 malformed transaction id', async () => {
    const srv = await start();
    expect((await call(srv, 'GET', '/about')).status).toBe(401);
    const about = await call(srv, 'GET', '/about', { headers: basic() });
    expect([about.status, about.text]).toEqual([200, '{"currentCoreVersion":"8.5.0","serverTimezone":"Africa/Abidjan"}']);
    const r = await call(srv, 'GET', '/transactions/not-an-id', { headers: basic() });
    expect([r.status, r.text]).toEqual([
      500,
      'Could not get transaction by ID via the API: CastError: Cast to ObjectId failed for value "not-an-id" (type string) at path "_id" for model "Transaction"',
    ]);
    const nf = await call(srv, 'GET', `/transactions/${UNKNOWN}`, { headers: basic() });
    expect([nf.status, nf.text]).toEqual([404, `Could not find transaction with ID: ${UNKNOWN}`]);
  });
});

describe('fake OpenHIM 4.0.5 — recorded exchanges §9.2', () => {
  it('#1–#7 auth surface: token only, no cookies, no /me', async () => {
    const srv = await start({ flavor: '4.0.5' });
    expect((await call(srv, 'GET', '/heartbeat')).text).toMatch(/^\{"master":[0-9.e-]+,"now":\d+\}$/);
    for (const headers of [{}, basic()]) {
      const r = await call(srv, 'GET', LIST, { headers });
      expect([r.status, r.text]).toEqual([401, 'Unauthorized']);
    }
    const a = await call(srv, 'GET', '/authenticate/root%40openhim.org');
    expect(a.json().salt).toBe(SALT);
    const nobody = await call(srv, 'GET', '/authenticate/nobody%40example.org');
    expect([nobody.status, nobody.text]).toEqual([404, 'Could not find user by email nobody@example.org']);
    for (const p of ['/me', '/authentication/types']) {
      const r = await call(srv, 'GET', p, { headers: token() });
      expect([r.status, r.text]).toEqual([404, 'Not Found']);
    }
    const local = await call(srv, 'POST', '/authenticate/local', { json: { username: ROOT, password: PW } });
    expect([local.status, local.text]).toEqual([401, 'Unauthorized']);
    const r7 = await call(srv, 'GET', LIST, { headers: token() });
    expect([r7.status, r7.text]).toEqual([200, '[]']);
    expect(r7.headers.getSetCookie()).toEqual([]);
    expect(r7.headers.get('vary')).toBeNull();
    const about = await call(srv, 'GET', '/about', { headers: token() });
    expect(about.text).toBe('{"currentCoreVersion":"4.0.5","serverTimezone":"Africa/Abidjan"}');
    const tx = await call(srv, 'POST', '/transactions', { headers: token(), json: { request: { path: '/it/manual', method: 'GET' } } });
    expect([tx.status, tx.text]).toEqual([201, 'Created']);
    const unknown = await call(srv, 'GET', '/task/' + UNKNOWN, { headers: token() });
    expect([unknown.status, unknown.text]).toEqual([404, 'Not Found']);
  });

  it('#11–#15 create errors and list key order', async () => {
    const srv = await start({ flavor: '4.0.5' });
    const h = token();
    const r11 = await call(srv, 'POST', '/tasks', { headers: h, json: { tids: [], batchSize: 0 } });
    expect([r11.status, r11.text]).toEqual([400, 'Invalid batch size specified']);
    const r12 = await call(srv, 'POST', '/tasks', { headers: h, json: {} });
    expect(r12.text).toBe("Could not add Task via the API: TypeError: Cannot read properties of undefined (reading 'length')");
    const r13 = await call(srv, 'GET', '/tasks', { headers: h });
    expect(r13.text).toBe('Could not fetch all tasks via the API: SyntaxError: "undefined" is not valid JSON');
    const x = await call(srv, 'POST', '/tasks', { headers: h, json: { tids: [UNKNOWN], batchSize: 'x' } });
    expect([x.status, x.text]).toEqual([500, 'Could not add Task via the API: ValidationError: batchSize: Cast to Number failed for value "x" at path "batchSize"']);
    const nope = await call(srv, 'POST', '/tasks', { headers: h, json: { tids: ['nope'] } });
    expect([nope.status, nope.text]).toEqual([
      500,
      'Could not add Task via the API: CastError: Cast to ObjectId failed for value "nope" at path "_id" for model "Transaction"',
    ]);
    const tids = [srv.addTransaction(), srv.addTransaction(), srv.addTransaction()];
    const c = await call(srv, 'POST', '/tasks', { headers: h, json: { tids, batchSize: 1, paused: true } });
    const id = createdId(c.text);
    const list = await call(srv, 'GET', LIST, { headers: token() });
    expect(list.text).toBe(
      `[{"remainingTransactions":3,"user":"root@openhim.org","totalTransactions":3,"_id":"${id}","__v":0,"batchSize":1,"created":"${srv.tasks.get(id)!.created}","status":"Paused"}]`,
    );
  });

  it('#16–#20 round-based processing, pause on a Completed task, list and detail filters', async () => {
    const srv = await start({ flavor: '4.0.5' });
    const tids = [srv.addTransaction(), srv.addTransaction(), srv.addTransaction()];
    const id = createdId((await call(srv, 'POST', '/tasks', { headers: token(), json: { tids, batchSize: 1, paused: true } })).text);
    await call(srv, 'PUT', `/tasks/${id}`, { headers: token(), json: { status: 'Queued' } });
    expect(await srv.runUntilIdle()).toBe(3); // one round per poll
    const d = await call(srv, 'GET', `/tasks/${id}?${ALL}`, { headers: token() });
    const body = d.json();
    expect(d.text.startsWith('{"remainingTransactions":0,')).toBe(true);
    expect(body.status).toBe('Completed');
    expect(Object.keys(body.transactions[0])).toEqual(['tid', '_id', 'tstatus', 'rerunID', 'rerunStatus']);
    expect(Object.keys(body).slice(-4)).toEqual(['status', '__v', 'completedDate', 'totalFilteredTransactions']);
    const completedDate = body.completedDate;
    // #20 detail paging on a tstatus filter
    const p = (await call(srv, 'GET', `/tasks/${id}?filterLimit=1&filterPage=1&filters=${enc({ tstatus: 'Completed' })}`, { headers: token() })).json();
    expect(p.transactions.map((t: { tid: string }) => t.tid)).toEqual([tids[1]]);
    expect(p.totalFilteredTransactions).toBe(3);
    const zero = (await call(srv, 'GET', `/tasks/${id}?filterLimit=0&filterPage=0&filters=%7B%7D`, { headers: token() })).json();
    expect([zero.transactions, zero.totalFilteredTransactions, zero.status]).toEqual([[], 3, 'Completed']);
    const noErr = (await call(srv, 'GET', `/tasks/${id}?${ALL.replace('%7B%7D', enc({ hasErrors: 'yes' }))}`, { headers: token() })).json();
    expect(noErr.totalFilteredTransactions).toBe(0);
    // #18 no state machine
    await call(srv, 'PUT', `/tasks/${id}`, { headers: token(), json: { status: 'Paused' } });
    expect(srv.tasks.get(id)!.status).toBe('Paused');
    expect(srv.tasks.get(id)!.completedDate).toBe(completedDate);
    // #19 status filter
    const other = srv.createTask({ tids: [UNKNOWN], status: 'Cancelled' });
    const r19 = (await call(srv, 'GET', `/tasks?filterLimit=10&filterPage=0&filters=%7B%22status%22%3A%22Cancelled%22%7D`, { headers: token() })).json();
    expect(r19.map((t: { _id: string }) => t._id)).toEqual([other._id]);
  });

  it('#26 created must be double-encoded; #27 bulkrerun is an array; #28 no /bulkrerun', async () => {
    const srv = await start({ flavor: '4.0.5' });
    const r26 = await call(srv, 'GET', `/tasks?filterLimit=10&filterPage=0&filters=${enc({ created: { $gte: '2024-01-01T00:00:00.000Z' } })}`, { headers: token() });
    expect([r26.status, r26.text]).toEqual([500, 'Could not fetch all tasks via the API: SyntaxError: "[object Object]" is not valid JSON']);
    const a = srv.addTransaction({ channelID: 'aaaaaaaaaaaaaaaaaaaaaaaa', timestamp: '2024-01-01T00:00:00.000Z' });
    const b = srv.addTransaction({ channelID: 'aaaaaaaaaaaaaaaaaaaaaaaa', timestamp: '2024-01-02T00:00:00.000Z' });
    const r27 = await call(srv, 'GET', '/transactions?filterRepresentation=bulkrerun&filterLimit=1&filterPage=1&filters=%7B%7D', { headers: token() });
    expect(r27.text).toBe(`[{"_id":"${a}","channelID":"aaaaaaaaaaaaaaaaaaaaaaaa","canRerun":true,"childIDs":[]}]`);
    const all = (await call(srv, 'GET', '/transactions?filterRepresentation=bulkrerun', { headers: token() })).json();
    expect(all.map((t: { _id: string }) => t._id)).toEqual([b, a]);
    const r28 = await call(srv, 'POST', '/bulkrerun', { headers: token(), json: { filters: {} } });
    expect([r28.status, r28.text]).toEqual([404, 'Not Found']);
    expect(srv.bulkReruns).toEqual([]);
    const bad = await call(srv, 'GET', '/transactions/not-an-id', { headers: token() });
    expect(bad.text).toBe('Could not get transaction by ID via the API: CastError: Cast to ObjectId failed for value "not-an-id" at path "_id" for model "Transaction"');
  });
});

describe('unknown and malformed task ids per flavor (§4.8)', () => {
  const notFound = `We could not find a Task with this ID: ${UNKNOWN}.`;
  const nullText = "Could not fetch Task by ID {taskId} via the API: TypeError: Cannot read properties of null (reading 'transactions')";
  const table: Array<[OpenhimFlavor, [number, string], [number, string], [number, string], string]> = [
    ['master', [404, notFound], [404, notFound], [404, notFound], ' (type string)'],
    ['tag85', [500, nullText], [200, 'The Task was successfully updated'], [200, 'The Task was successfully deleted'], ' (type string)'],
    ['4.0.5', [500, nullText], [200, 'The Task was successfully updated'], [200, 'The Task was successfully deleted'], ''],
  ];
  it.each(table)('%s', async (flavor, get, put, del, typePart) => {
    const srv = await start({ flavor });
    const h = authFor(flavor);
    const g = await call(srv, 'GET', `/tasks/${UNKNOWN}?${ALL}`, { headers: h });
    const p = await call(srv, 'PUT', `/tasks/${UNKNOWN}`, { headers: authFor(flavor), json: { status: 'Paused' } });
    const d = await call(srv, 'DELETE', `/tasks/${UNKNOWN}`, { headers: authFor(flavor) });
    expect([[g.status, g.text], [p.status, p.text], [d.status, d.text]]).toEqual([get, put, del]);
    expect(srv.tasks.size).toBe(0);
    const cast = `CastError: Cast to ObjectId failed for value "not-an-id"${typePart} at path "_id" for model "Task"`;
    const pb = await call(srv, 'PUT', '/tasks/not-an-id', { headers: authFor(flavor), json: {} });
    const db = await call(srv, 'DELETE', '/tasks/not-an-id', { headers: authFor(flavor) });
    const gb = await call(srv, 'GET', `/tasks/not-an-id?${ALL}`, { headers: authFor(flavor) });
    expect([pb.status, pb.text]).toEqual([500, `Could not update Task by ID {taskId} via the API: ${cast}`]);
    expect([db.status, db.text]).toEqual([500, `Could not remove Task by ID {taskId} via the API: ${cast}`]);
    expect([gb.status, gb.text]).toEqual([500, `Could not fetch Task by ID ${flavor === 'master' ? 'not-an-id' : '{taskId}'} via the API: ${cast}`]);
    const missing = await call(srv, 'GET', `/tasks/${UNKNOWN}`, { headers: authFor(flavor) });
    expect(missing.text).toBe(`Could not fetch Task by ID ${flavor === 'master' ? UNKNOWN : '{taskId}'} via the API: SyntaxError: "undefined" is not valid JSON`);
  });
});

describe('token auth', () => {
  it.each(['master', '4.0.5'] as OpenhimFlavor[])('%s: +8 s accepted, −20 s rejected, missing/empty headers rejected', async (flavor) => {
    const srv = await start({ flavor });
    expect((await call(srv, 'GET', LIST, { headers: token({ offsetMs: 8000 }) })).status).toBe(200);
    const old = await call(srv, 'GET', LIST, { headers: token({ offsetMs: -20_000 }) });
    expect([old.status, old.text]).toEqual([401, 'Unauthorized']);
    const { 'auth-salt': _salt, ...missing } = token();
    expect((await call(srv, 'GET', LIST, { headers: missing })).status).toBe(401);
    expect((await call(srv, 'GET', LIST, { headers: { ...token(), 'auth-salt': '' } })).status).toBe(401);
    expect((await call(srv, 'GET', LIST, { headers: token({ password: 'wrong' }) })).status).toBe(401);
    expect((await call(srv, 'GET', LIST, { headers: { ...token(), 'auth-ts': 'not a date' } })).status).toBe(401);
  });

  it('the client must correct auth-ts by the server clock offset', async () => {
    const srv = await start({ flavor: '4.0.5', clockSkewMs: 60_000 });
    expect(Math.abs(srv.now() - Date.now() - 60_000)).toBeLessThan(50);
    expect((await call(srv, 'GET', LIST, { headers: token() })).status).toBe(401);
    const hb = (await call(srv, 'GET', '/heartbeat')).json();
    const offsetMs = hb.now - Date.now();
    expect(offsetMs).toBeGreaterThan(55_000);
    expect((await call(srv, 'GET', LIST, { headers: token({ offsetMs }) })).status).toBe(200);
    const a = (await call(srv, 'GET', '/authenticate/root%40openhim.org')).json();
    expect(Math.abs(Date.parse(a.ts) - Date.now() - 60_000)).toBeLessThan(2000);
  });

  it('authWindowSeconds is configurable', async () => {
    const srv = await start({ authWindowSeconds: 50 });
    expect((await call(srv, 'GET', LIST, { headers: token({ offsetMs: -40_000 }) })).status).toBe(200);
  });

  it('authTypes limits the schemes; a user without a token passport can only use Basic/local', async () => {
    const srv = await start({
      users: [{ email: 'new@example.org', password: 'pw', groups: ['admin'], tokenPassport: false }],
    });
    const a = await call(srv, 'GET', '/authenticate/new%40example.org');
    expect([a.status, a.text]).toEqual([404, 'Could not find token passport for user new@example.org']);
    expect((await call(srv, 'GET', LIST, { headers: token({ email: 'new@example.org', password: 'pw' }) })).status).toBe(401);
    expect((await call(srv, 'GET', LIST, { headers: basic('new@example.org', 'pw') })).status).toBe(200);

    const tokenOnly = await start({ authTypes: ['token'] });
    expect((await call(tokenOnly, 'GET', LIST, { headers: basic() })).status).toBe(401);
    expect((await call(tokenOnly, 'POST', '/authenticate/local', { json: { username: ROOT, password: PW } })).status).toBe(401);
    expect((await call(tokenOnly, 'GET', LIST, { headers: token() })).status).toBe(200);
    const basicOnly = await start({ authTypes: ['basic'] });
    expect((await call(basicOnly, 'GET', LIST, { headers: token() })).status).toBe(401);
    expect((await call(basicOnly, 'GET', LIST, { headers: basic() })).status).toBe(200);
  });
});

describe('permissions', () => {
  it.each(['master', '4.0.5'] as OpenhimFlavor[])('%s: non-admins may not list, update or delete', async (flavor) => {
    const srv = await start({ flavor, users: [{ email: 'clerk@example.org', password: 'pw', salt: 'clerk-salt' }] });
    const t = srv.createTask({ tids: [UNKNOWN], status: 'Paused' });
    const h = () => (flavor === '4.0.5' ? token({ email: 'clerk@example.org', password: 'pw', salt: 'clerk-salt' }) : basic('clerk@example.org', 'pw'));
    const list = await call(srv, 'GET', LIST, { headers: h() });
    expect([list.status, list.text]).toEqual([403, 'User clerk@example.org is not an admin, API access to getTasks denied.']);
    const put = await call(srv, 'PUT', `/tasks/${t._id}`, { headers: h(), json: { status: 'Queued' } });
    expect([put.status, put.text]).toEqual([403, 'User clerk@example.org is not an admin, API access to updateTask denied.']);
    const del = await call(srv, 'DELETE', `/tasks/${t._id}`, { headers: h() });
    expect([del.status, del.text]).toEqual([403, 'User clerk@example.org is not an admin, API access to removeTask denied.']);
    expect((await call(srv, 'GET', `/tasks/${t._id}?${ALL}`, { headers: h() })).status).toBe(200);
    expect(srv.tasks.get(t._id)!.status).toBe('Paused');
  });
});

describe('task list filters', () => {
  it('created must be a JSON string holding {$gte,$lte}; list sorted by created descending; paging', async () => {
    const srv = await start();
    const a = srv.createTask({ created: '2024-06-01T10:00:00.000Z' });
    const b = srv.createTask({ created: '2024-06-01T12:00:00.000Z', user: 'other@example.org' });
    const c = srv.createTask({ created: '2024-06-03T00:00:00.000Z', status: 'Completed' });
    const ids = async (filters: unknown, extra = 'filterLimit=100&filterPage=0') =>
      (await call(srv, 'GET', `/tasks?${extra}&filters=${enc(filters)}`, { headers: basic() })).json().map((t: { _id: string }) => t._id);
    expect(await ids({})).toEqual([c._id, b._id, a._id]);
    const range = JSON.stringify({ $gte: '2024-06-01T00:00:00.000Z', $lte: '2024-06-02T00:00:00.000Z' });
    expect(await ids({ created: range })).toEqual([b._id, a._id]);
    expect(await ids({ created: range, user: 'other@example.org' })).toEqual([b._id]);
    expect(await ids({ status: 'Completed' })).toEqual([c._id]);
    expect(await ids({ _id: a._id })).toEqual([a._id]);
    expect(await ids({}, 'filterLimit=1&filterPage=1')).toEqual([b._id]);
    expect(await ids({}, 'filterPage=0')).toHaveLength(3); // no filterLimit → no limit
    const obj = await call(srv, 'GET', `/tasks?filterLimit=10&filterPage=0&filters=${enc({ created: { $gte: '2024-06-01T00:00:00.000Z' } })}`, { headers: basic() });
    expect([obj.status, obj.text]).toEqual([500, 'Could not fetch all tasks via the API: SyntaxError: "[object Object]" is not valid JSON']);
  });
});

describe('transactions', () => {
  it('filters, paging, representations and ordering', async () => {
    const srv = await start();
    const ch = 'cccccccccccccccccccccccc';
    const t1 = srv.addTransaction({ path: '/it/One', channelID: ch, timestamp: '2024-06-01T01:00:00.000Z', request: { body: 'secret', headers: { a: 'b' } } });
    const t2 = srv.addTransaction({ path: '/it/two', status: 'Failed', timestamp: '2024-06-02T01:00:00.000Z' });
    const t3 = srv.addTransaction({ path: '/other', channelID: ch, timestamp: '2024-06-03T01:00:00.000Z' });
    const ids = async (qs: string) =>
      (await call(srv, 'GET', `/transactions?${qs}`, { headers: basic() })).json().map((t: { _id: string }) => t._id);
    expect(await ids('')).toEqual([t3, t2, t1]);
    expect(await ids(`filters=${enc({ 'request.path': '^/IT/' })}`)).toEqual([t2, t1]);
    expect(await ids(`filters=${enc({ status: 'Failed' })}`)).toEqual([t2]);
    expect(await ids(`filters=${enc({ channelID: ch })}`)).toEqual([t3, t1]);
    const ts = JSON.stringify({ $gte: '2024-06-01T12:00:00.000Z', $lte: '2024-06-03T00:00:00.000Z' });
    expect(await ids(`filters=${enc({ 'request.timestamp': ts })}`)).toEqual([t2]);
    expect(await ids('filterLimit=1&filterPage=1&filters=%7B%7D')).toEqual([t2]);
    expect(await ids('filterLimit=0&filterPage=0&filters=%7B%7D')).toHaveLength(3);
    const obj = await call(srv, 'GET', `/transactions?filters=${enc({ 'request.timestamp': { $gte: '2024-06-01' } })}`, { headers: basic() });
    expect([obj.status, obj.text]).toEqual([500, 'Could not retrieve transactions via the API: SyntaxError: "[object Object]" is not valid JSON']);
    const simple = (await call(srv, 'GET', `/transactions?filters=${enc({ _id: t1 })}`, { headers: basic() })).json()[0];
    expect(simple).toMatchObject({ _id: t1, channelID: ch, status: 'Successful', request: { path: '/it/One', method: 'GET', timestamp: '2024-06-01T01:00:00.000Z' } });
    expect(simple.request.body).toBeUndefined();
    expect(simple.request.headers).toBeUndefined();
    const full = (await call(srv, 'GET', `/transactions/${t1}`, { headers: basic() })).json();
    expect(full.request.body).toBe('secret');
    // rerun children appear, and the childIDs filter is double-encoded
    srv.createTask({ tids: [t1] });
    await srv.runUntilIdle();
    expect(srv.transactions.get(t1)!.childIDs).toHaveLength(1);
    expect(await ids(`filters=${enc({ childIDs: JSON.stringify({ $exists: true, $ne: [] }) })}`)).toEqual([t1]);
  });
});

describe('processor designs (§5.1)', () => {
  async function setup(flavor: OpenhimFlavor, n: number) {
    const srv = await start({ flavor });
    const tids = Array.from({ length: n }, (_, i) => srv.addTransaction({ path: `/p/${i}` }));
    const task = srv.createTask({ tids });
    const read = async () => (await call(srv, 'GET', `/tasks/${task._id}?${ALL}`, { headers: authFor(flavor) })).json();
    const put = (status: string) => call(srv, 'PUT', `/tasks/${task._id}`, { headers: authFor(flavor), json: { status } });
    return { srv, tids, task, read, put };
  }
  const tstatuses = (d: { transactions: Array<{ tstatus: string }> }) => d.transactions.map((t) => t.tstatus);
  const reruns = (d: { transactions: Array<{ rerunStatus?: string }> }) => d.transactions.filter((t) => t.rerunStatus).length;

  it('4.0.5: rounds alternate Processing/Queued, remaining counts down, cancel is honoured', async () => {
    const { srv, read, put } = await setup('4.0.5', 5);
    await srv.processor.tick({ midRound: true });
    let d = await read();
    expect([d.status, d.remainingTransactions, reruns(d), d.transactions[0].tstatus]).toEqual(['Processing', 5, 1, 'Queued']);
    await srv.processor.tick(); // finalises the round
    d = await read();
    expect([d.status, d.remainingTransactions, d.transactions[0].tstatus]).toEqual(['Queued', 4, 'Completed']);
    await srv.processor.tick();
    d = await read();
    expect([d.status, d.remainingTransactions]).toEqual(['Queued', 3]);
    await put('Cancelled');
    expect(await srv.runUntilIdle()).toBe(0);
    d = await read();
    expect([d.status, d.remainingTransactions, reruns(d)]).toEqual(['Cancelled', 3, 2]);
    expect(tstatuses(d)).toEqual(['Completed', 'Completed', 'Queued', 'Queued', 'Queued']);
    expect(d.completedDate).toBeUndefined();
  });

  it('4.0.5: a cancel during a round is kept', async () => {
    const { srv, read, put } = await setup('4.0.5', 4);
    await srv.processor.tick({ midRound: true });
    await put('Cancelled');
    await srv.processor.tick();
    const d = await read();
    expect([d.status, d.remainingTransactions]).toEqual(['Cancelled', 3]);
    expect(await srv.runUntilIdle()).toBe(0);
  });

  it('4.0.5: pause keeps progress and resume does not rerun', async () => {
    const { srv, tids, read, put } = await setup('4.0.5', 3);
    await srv.processor.tick();
    await put('Paused');
    expect(await srv.runUntilIdle()).toBe(0);
    expect([(await read()).status, (await read()).remainingTransactions]).toEqual(['Paused', 2]);
    await put('Queued');
    await srv.runUntilIdle();
    const d = await read();
    expect([d.status, d.remainingTransactions, reruns(d)]).toEqual(['Completed', 0, 3]);
    expect(tids.map((t) => srv.transactions.get(t)!.childIDs.length)).toEqual([1, 1, 1]);
  });

  it('master: remaining and tstatus frozen while running; Cancelled is overwritten with Completed', async () => {
    const { srv, read, put } = await setup('master', 5);
    await srv.processor.tick();
    let d = await read();
    expect([d.status, d.remainingTransactions, reruns(d)]).toEqual(['Processing', 5, 1]);
    expect(tstatuses(d)).toEqual(Array(5).fill('Queued'));
    expect(Object.keys(d.transactions[0])).toEqual(['tid', 'tstatus', '_id', 'rerunID', 'rerunStatus']);
    await put('Cancelled');
    await srv.processor.tick();
    d = await read();
    expect([d.status, d.remainingTransactions, reruns(d)]).toEqual(['Cancelled', 5, 2]);
    expect(tstatuses(d)).toEqual(Array(5).fill('Queued'));
    expect(srv.processor.active()).toEqual([d._id]);
    expect(await srv.runUntilIdle()).toBe(3);
    d = await read();
    expect([d.status, d.remainingTransactions, reruns(d)]).toEqual(['Completed', 0, 5]);
    expect(tstatuses(d)).toEqual(Array(5).fill('Completed'));
    expect(d.completedDate).toBeDefined();
  });

  it('master: pause loses progress and resume reruns from index 0', async () => {
    const { srv, tids, read, put } = await setup('master', 4);
    await srv.processor.tick();
    await srv.processor.tick();
    await put('Paused');
    await srv.processor.tick(); // the round in flight still finishes
    let d = await read();
    expect([d.status, d.remainingTransactions, reruns(d)]).toEqual(['Paused', 4, 3]);
    expect(tstatuses(d)).toEqual(Array(4).fill('Queued'));
    expect(srv.processor.active()).toEqual([]);
    const before = d.transactions.map((t: { rerunID?: string }) => t.rerunID);
    await put('Queued');
    await srv.runUntilIdle();
    d = await read();
    expect([d.status, d.remainingTransactions, reruns(d)]).toEqual(['Completed', 0, 4]);
    const after = d.transactions.map((t: { rerunID?: string }) => t.rerunID);
    for (let i = 0; i < 3; i++) expect(after[i]).not.toBe(before[i]);
    expect(tids.map((t) => srv.transactions.get(t)!.childIDs.length)).toEqual([2, 2, 2, 1]);
  });

  it('batchSize runs several items per tick; an empty task completes at once; delete stops a run', async () => {
    const { srv, read } = await setup('tag85', 5);
    srv.tasks.values().next().value!.batchSize = 2;
    await srv.processor.tick();
    expect(reruns(await read())).toBe(2);
    expect(await srv.runUntilIdle()).toBe(2);
    const empty = await call(srv, 'POST', '/tasks', { headers: basic(), json: { tids: [] } });
    await srv.processor.tick();
    expect(srv.tasks.get(createdId(empty.text))!.status).toBe('Completed');
    const t = srv.createTask({ tids: [srv.addTransaction(), srv.addTransaction()] });
    await srv.processor.tick();
    await call(srv, 'DELETE', `/tasks/${t._id}`, { headers: basic() });
    await srv.processor.tick();
    expect(srv.processor.active()).toEqual([]);
    expect(await srv.runUntilIdle()).toBe(0);
  });

  it("processor 'off' never claims; 'auto' ticks on a timer", async () => {
    const off = await start({ processor: 'off' });
    const t = off.createTask({ tids: [UNKNOWN] });
    expect(await off.runUntilIdle()).toBe(0);
    expect(off.tasks.get(t._id)!.status).toBe('Queued');

    for (const flavor of ['master', '4.0.5'] as OpenhimFlavor[]) {
      const auto = await start({ flavor, processor: 'auto', pollIntervalMs: 5 });
      const task = auto.createTask({ tids: [auto.addTransaction(), auto.addTransaction()] });
      const deadline = Date.now() + 3000;
      while (auto.tasks.get(task._id)!.status !== 'Completed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(auto.tasks.get(task._id)!.status).toBe('Completed');
      expect(auto.processor.mode).toBe('auto');
    }
  });
});

describe('server options', () => {

  // openssl is a test dependency (.ci/run installs it)
  it('tls and hostname pass through to the base server', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openhim-fake-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
      const srv = await start({ tls: { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, hostname: 'localhost' });
      expect(srv.url).toBe(`https://localhost:${srv.port}`);
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port: srv.port, path: '/heartbeat', rejectUnauthorized: false }, (res) => {
            let s = '';
            res.on('data', (c: Buffer) => (s += c.toString()));
            res.on('end', () => resolve(s));
          })
          .on('error', reject);
      });
      expect(body).toMatch(/^\{"master":/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records every request, including rejected ones', async () => {
    const srv = await start();
    await call(srv, 'GET', LIST);
    await call(srv, 'PUT', `/tasks/${UNKNOWN}`, { headers: basic(), json: { status: 'Paused' } });
    expect(srv.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /tasks', `PUT /tasks/${UNKNOWN}`]);
    expect(srv.requests[1].body).toBe('{"status":"Paused"}');
  });
});

/**
 * The sandbox as users meet it (openSandbox: the emulators behind the per-request state transactions, the
 * processor run by elapsed time) answers the exchanges recorded against a real OpenHIM "8.5.0" master build
 * with the same status and the same text. The facts are copied here from the project's provider notes
 * (providers/openhim.md §9.1); nothing is read from outside the repository at test time.
 *
 * Where the sandbox differs on purpose, the difference is asserted and named:
 * - it holds a seeded demo (12 transactions, one paused task), so lists and counts are not empty (#7, #9, #32);
 * - it serves plain HTTP on loopback (the real core: HTTPS with its own certificate);
 * - ids, timestamps and the heartbeat's uptime are its own.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSandbox, SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/session.js';

const ROOT: string = SANDBOX_CREDENTIALS.openhim.username;
const PW: string = SANDBOX_CREDENTIALS.openhim.password;
const UNKNOWN = '5f0000000000000000000000';
const ALL = 'filterLimit=100&filterPage=0&filters=%7B%7D';
const LIST = `/tasks?${ALL}`;
const basic = (email = ROOT, password = PW, scheme = 'Basic') => ({ authorization: `${scheme} ${Buffer.from(`${email}:${password}`).toString('base64')}` });
const sha512 = (s: string) => crypto.createHash('sha512').update(s).digest('hex');

let sb: Sandbox;
let dir: string;
let url: string;

async function call(method: string, p: string, opts: { headers?: Record<string, string>; json?: unknown } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  }
  const r = await fetch(url + p, { method, headers, body });
  const text = await r.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: r.status, text, headers: r.headers, json: (): any => JSON.parse(text) };
}
const createdId = (text: string) => /created task with id ([0-9a-f]{24})$/.exec(text)?.[1] as string;

/** polls the task (each request lets the processor run for the time since the last one) until it is Completed */
async function untilCompleted(id: string) {
  for (let i = 0; i < 400; i++) {
    const r = await call('GET', `/tasks/${id}?${ALL}`, { headers: basic() });
    if (r.json().status === 'Completed') return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`task ${id} never completed`);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-sbx-rec-'));
  sb = await openSandbox({ stateFile: path.join(dir, 'sandbox.json') });
  url = sb.urls.openhim;
});
afterAll(async () => {
  await sb?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the sandbox OpenHIM answers as the recorded 8.5.0 core (providers/openhim.md §9.1)', () => {
  it('#1 heartbeat is public: {"master":<uptime>,"now":<epoch ms>}', async () => {
    const r = await call('GET', '/heartbeat');
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/^\{"master":\d+(\.\d+)?,"now":\d{13}\}$/);
  });

  it('#2/#3/#31 401 Unauthorized: no credentials, a wrong password, an upper-cased email, the scheme written "basic"', async () => {
    for (const headers of [{}, basic(ROOT, 'wrong'), basic(ROOT.toUpperCase()), basic(ROOT, PW, 'basic')]) {
      const r = await call('GET', LIST, { headers });
      expect([r.status, r.text]).toEqual([401, 'Unauthorized']);
    }
  });

  it('#4 GET /me with Basic → 404 Not authenticated; #5 /authentication/types', async () => {
    const me = await call('GET', '/me', { headers: basic() });
    expect([me.status, me.text]).toEqual([404, 'Not authenticated']);
    const types = await call('GET', '/authentication/types', { headers: basic() });
    expect([types.status, types.text]).toEqual([200, '["mutual-tls-auth","basic-auth"]']);
  });

  it('#6 local login: the recorded user JSON and both koa.sess cookies; #7 the cookies authenticate', async () => {
    const r = await call('POST', '/authenticate/local', { json: { username: ROOT, password: PW } });
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      '{"result":"User authenticated successfully","user":{"firstname":"Super","surname":"User","email":"root@openhim.org","provider":"local","groups":["admin"],"_id":"6b0513a586b2e93ee5443fc5","__v":0,"passwordSalt":null,"passwordHash":null,"passwordAlgorithm":null}}',
    );
    const cookies = r.headers.getSetCookie();
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['koa.sess', 'koa.sess.sig']);
    expect(cookies[0]).toMatch(/; path=\/; expires=.*; samesite=none; secure; httponly$/);
    const list = await call('GET', LIST, { headers: { cookie: cookies.map((c) => c.split(';')[0]).join('; ') } });
    expect(list.status).toBe(200);
    // the sandbox's seeded demo holds one paused task (the recorded core had none)
    expect(list.json().map((t: { status: string }) => t.status)).toEqual(['Paused']);
  });

  it('#8/#9 the token scheme: GET /authenticate/:email gives the salt, token headers authenticate and set koa.sess', async () => {
    const salt = await call('GET', `/authenticate/${encodeURIComponent(ROOT)}`);
    expect(salt.status).toBe(200);
    expect(salt.text).toMatch(/^\{"salt":"d9bcb40e-ae65-478f-962e-5e5e5e7d0a01","ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}$/);
    const ts = new Date().toISOString();
    const nonce = crypto.randomBytes(16).toString('hex');
    const headers = { 'auth-username': ROOT, 'auth-ts': ts, 'auth-salt': nonce, 'auth-token': sha512(sha512(salt.json().salt + PW) + nonce + ts) };
    const r = await call('GET', LIST, { headers });
    expect(r.status).toBe(200);
    expect(r.headers.getSetCookie()[0]).toMatch(/^koa\.sess=/);
  });

  it('#13/#14/#15 POST /tasks and GET /tasks error texts', async () => {
    const r13 = await call('POST', '/tasks', { headers: basic(), json: { tids: [], batchSize: 0 } });
    expect([r13.status, r13.text]).toEqual([400, 'Invalid batch size specified']);
    const r14 = await call('POST', '/tasks', { headers: basic(), json: {} });
    expect([r14.status, r14.text]).toEqual([500, "Could not add Task via the API: TypeError: Cannot read properties of undefined (reading 'length')"]);
    const r15 = await call('GET', '/tasks', { headers: basic() });
    expect([r15.status, r15.text]).toEqual([500, 'Could not fetch all tasks via the API: SyntaxError: "undefined" is not valid JSON']);
  });

  it('#16–#20 create paused, list (key order), detail, resume, then Completed with every rerun Successful', async () => {
    const failed = (await call('GET', `/transactions?filterLimit=100&filterPage=0&filters=${encodeURIComponent('{"status":"Failed"}')}`, { headers: basic() })).json() as Array<{ _id: string }>;
    const tids = failed.slice(0, 3).map((t) => t._id);
    expect(tids).toHaveLength(3);
    const c = await call('POST', '/tasks', { headers: basic(), json: { tids, batchSize: 1, paused: true } });
    expect(c.status).toBe(201);
    expect(c.text).toMatch(/^User root@openhim\.org created task with id [0-9a-f]{24}$/);
    const id = createdId(c.text);
    const list = (await call('GET', LIST, { headers: basic() })).json() as Array<Record<string, unknown>>;
    const listed = list.find((t) => t._id === id)!;
    expect(Object.keys(listed)).toEqual(['status', 'user', 'remainingTransactions', 'totalTransactions', 'batchSize', '_id', 'created', '__v']);
    expect(listed).toMatchObject({ status: 'Paused', user: 'root@openhim.org', remainingTransactions: 3, totalTransactions: 3, batchSize: 1, __v: 0 });
    const d = (await call('GET', `/tasks/${id}?${ALL}`, { headers: basic() })).json();
    expect(d.status).toBe('Paused');
    expect(d.remainingTransactions).toBe(3);
    expect(d.totalFilteredTransactions).toBe(3);
    expect(d.completedDate).toBeUndefined();
    for (const t of d.transactions) expect(Object.keys(t)).toEqual(['tid', 'tstatus', '_id']);
    const put = await call('PUT', `/tasks/${id}`, { headers: basic(), json: { status: 'Queued' } });
    expect([put.status, put.text]).toEqual([200, 'The Task was successfully updated']);
    const done = await untilCompleted(id);
    expect(done.text.startsWith('{"status":"Completed","transactions":[{"tid":')).toBe(true);
    const body = done.json();
    expect(Object.keys(body)).toEqual(['status', 'transactions', 'user', 'remainingTransactions', 'totalTransactions', 'batchSize', '_id', 'created', '__v', 'completedDate', 'totalFilteredTransactions']);
    expect(body.remainingTransactions).toBe(0);
    for (const t of body.transactions) {
      expect(Object.keys(t)).toEqual(['tid', 'tstatus', '_id', 'rerunID', 'rerunStatus']);
      expect([t.tstatus, t.rerunStatus]).toEqual(['Completed', 'Successful']);
    }
  });

  it('#21/#22 a Cancelled or Paused task stays so: the processor never claims it', async () => {
    const tid = (await call('GET', `/transactions?filterLimit=1&filterPage=0&filters=%7B%7D`, { headers: basic() })).json()[0]._id as string;
    const a = createdId((await call('POST', '/tasks', { headers: basic(), json: { tids: [tid], paused: true } })).text);
    // 40 items of batch 1: even if the processor claims it before the pause (a slow machine), it cannot finish first
    const b = createdId((await call('POST', '/tasks', { headers: basic(), json: { tids: Array(40).fill(tid), batchSize: 1 } })).text);
    expect((await call('PUT', `/tasks/${a}`, { headers: basic(), json: { status: 'Cancelled' } })).text).toBe('The Task was successfully updated');
    expect((await call('PUT', `/tasks/${b}`, { headers: basic(), json: { status: 'Paused' } })).text).toBe('The Task was successfully updated');
    await new Promise((r) => setTimeout(r, 800)); // three processor polls
    const ra = (await call('GET', `/tasks/${a}?${ALL}`, { headers: basic() })).json();
    expect([ra.status, ra.transactions[0].tstatus]).toEqual(['Cancelled', 'Queued']);
    expect((await call('GET', `/tasks/${b}?${ALL}`, { headers: basic() })).json().status).toBe('Paused');
  });

  it('#23 an unknown tid fails its item and the task still completes', async () => {
    const id = createdId((await call('POST', '/tasks', { headers: basic(), json: { tids: [UNKNOWN], paused: false } })).text);
    const item = (await untilCompleted(id)).json().transactions[0];
    expect(item).toMatchObject({ tid: UNKNOWN, tstatus: 'Failed', error: `Error: Transaction ${UNKNOWN} could not be found` });
  });

  it('#24/#25 unknown task id → 404 with the recorded text; #26 malformed id → the CastError text', async () => {
    const notFound = `We could not find a Task with this ID: ${UNKNOWN}.`;
    expect(Object.values(await call('GET', `/tasks/${UNKNOWN}?${ALL}`, { headers: basic() })).slice(0, 2)).toEqual([404, notFound]);
    expect(Object.values(await call('PUT', `/tasks/${UNKNOWN}`, { headers: basic(), json: { status: 'Paused' } })).slice(0, 2)).toEqual([404, notFound]);
    const cast = await call('PUT', '/tasks/not-an-id', { headers: basic(), json: { status: 'Paused' } });
    expect([cast.status, cast.text]).toEqual([500, 'Could not update Task by ID {taskId} via the API: CastError: Cast to ObjectId failed for value "not-an-id" (type string) at path "_id" for model "Task"']);
  });

  it('#27 PUT stores any status; #28 DELETE, then 404', async () => {
    const tid = (await call('GET', `/transactions?filterLimit=1&filterPage=0&filters=%7B%7D`, { headers: basic() })).json()[0]._id as string;
    const id = createdId((await call('POST', '/tasks', { headers: basic(), json: { tids: [tid], paused: true } })).text);
    const bogus = await call('PUT', `/tasks/${id}`, { headers: basic(), json: { status: 'Bogus' } });
    expect([bogus.status, bogus.text]).toEqual([200, 'The Task was successfully updated']);
    expect((await call('GET', `/tasks/${id}?${ALL}`, { headers: basic() })).json().status).toBe('Bogus');
    const del = await call('DELETE', `/tasks/${id}`, { headers: basic() });
    expect([del.status, del.text]).toEqual([200, 'The Task was successfully deleted']);
    expect((await call('GET', `/tasks/${id}?${ALL}`, { headers: basic() })).status).toBe(404);
  });

  it('#29 the Basic-auth trap: an unknown route answers 200 "User Authenticated Successfully"; #30 with token headers 404 Not Found', async () => {
    const trap = await call('GET', `/task/${UNKNOWN}`, { headers: basic() });
    expect([trap.status, trap.text]).toEqual([200, 'User Authenticated Successfully']);
    const salt = (await call('GET', `/authenticate/${encodeURIComponent(ROOT)}`)).json().salt as string;
    const ts = new Date().toISOString();
    const nonce = crypto.randomBytes(16).toString('hex');
    const r = await call('GET', '/nonexistent', { headers: { 'auth-username': ROOT, 'auth-ts': ts, 'auth-salt': nonce, 'auth-token': sha512(sha512(salt + PW) + nonce + ts) } });
    expect([r.status, r.text]).toEqual([404, 'Not Found']);
  });

  it('#32 bulkrerun count is {"count":n}; #33 POST /bulkrerun with no match creates nothing', async () => {
    const count = await call('GET', `/transactions?filterRepresentation=bulkrerun&filterLimit=100&filterPage=0&filters=${encodeURIComponent('{"status":"Failed"}')}`, { headers: basic() });
    expect(count.status).toBe(200);
    // the seeded demo: six Failed transactions
    expect(count.text).toBe('{"count":6}');
    const before = (await call('GET', LIST, { headers: basic() })).json().length as number;
    const bulk = await call('POST', '/bulkrerun', { headers: basic(), json: { filters: { status: 'NoSuchStatus' }, batchSize: 1, pauseQueue: true } });
    expect([bulk.status, bulk.text]).toEqual([200, '{"success":true,"message":"Tasks created for bulk rerun of transactions"}']);
    expect((await call('GET', LIST, { headers: basic() })).json()).toHaveLength(before);
  });

  it('#34 /about reports 8.5.0; #35 a malformed transaction id gives the CastError text', async () => {
    const about = await call('GET', '/about', { headers: basic() });
    expect([about.status, about.text]).toEqual([200, '{"currentCoreVersion":"8.5.0","serverTimezone":"Africa/Abidjan"}']);
    const tx = await call('GET', '/transactions/not-an-id', { headers: basic() });
    expect([tx.status, tx.text]).toEqual([500, 'Could not get transaction by ID via the API: CastError: Cast to ObjectId failed for value "not-an-id" (type string) at path "_id" for model "Transaction"']);
  });

  it('what the requests changed is in the state file (every request is saved)', async () => {
    const saved = JSON.parse(fs.readFileSync(sb.stateFile, 'utf8')) as { openhim: { tasks: Array<{ status: string }> } };
    const statuses = saved.openhim.tasks.map((t) => t.status);
    for (const s of ['Cancelled', 'Paused', 'Completed']) expect(statuses).toContain(s);
  });
});

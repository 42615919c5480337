import { afterEach, describe, expect, it } from 'vitest';
import { startClose, type FakeClose } from './close.js';

let fake: FakeClose | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface Res {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

async function call(f: FakeClose, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const res = await fetch(`${f.url}/api/v1${path}`, {
    method,
    headers: { authorization: f.authHeader(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

describe('fake Close: auth', () => {
  it('accepts Basic key with an empty password and answers /me/', async () => {
    fake = await startClose();
    const r = await call(fake, 'GET', '/me/');
    expect(r.status).toBe(200);
    expect(r.body.id).toMatch(/^user_/);
    expect(r.body.email).toContain('@');
    expect(r.headers.get('ratelimit')).toMatch(/^limit=\d+, remaining=\d+, reset=\d+(\.\d+)?$/);
    expect(fake.authHeader()).toBe(`Basic ${Buffer.from('api_test_key:').toString('base64')}`);
  });

  it('refuses a missing header, a wrong key and a key sent with a password', async () => {
    fake = await startClose({ apiKeys: ['k1'] });
    const seen: number[] = [];
    for (const h of [undefined, `Basic ${Buffer.from('nope:').toString('base64')}`, `Basic ${Buffer.from('k1:secret').toString('base64')}`, `Basic ${Buffer.from(':k1').toString('base64')}`]) {
      const res = await fetch(`${fake.url}/api/v1/task/`, { headers: h ? { authorization: h } : {} });
      const body = (await res.json()) as { error: unknown };
      expect(typeof body.error).toBe('string');
      seen.push(res.status);
    }
    expect(seen).toEqual([401, 401, 401, 401]);
    expect(fake.stats().total).toBe(4);
  });
});

describe('fake Close: tasks', () => {
  it('lists only lead tasks without _type, every type with _type=all, and filters', async () => {
    fake = await startClose();
    const [lead1] = fake.seed([{ _type: 'lead' }, { _type: 'missed_call' }, { _type: 'voicemail' }, { _type: 'lead', is_complete: true }]);
    let r = await call(fake, 'GET', '/task/');
    expect(r.body.data.map((t: { _type: string }) => t._type)).toEqual(['lead', 'lead']);
    expect(r.body.has_more).toBe(false);
    r = await call(fake, 'GET', '/task/?_type=all');
    expect(r.body.data).toHaveLength(4);
    r = await call(fake, 'GET', '/task/?_type__in=missed_call,voicemail');
    expect(r.body.data).toHaveLength(2);
    r = await call(fake, 'GET', '/task/?_type=all&is_complete=false');
    expect(r.body.data).toHaveLength(3);
    r = await call(fake, 'GET', '/task/?_type=all&view=archive');
    expect(r.body.data).toHaveLength(1);
    r = await call(fake, 'GET', `/task/?lead_id=${lead1.lead_id}`);
    expect(r.body.data.map((t: { id: string }) => t.id)).toEqual([lead1.id]);
    r = await call(fake, 'GET', `/task/?_type=all&id__in=${lead1.id},task_missing&_fields=id,text`);
    expect(r.body.data).toEqual([{ id: lead1.id, text: lead1.text }]);
    r = await call(fake, 'GET', '/task/?is_complete=maybe');
    expect(r.status).toBe(400);
    expect(r.body['field-errors'].is_complete).toBeTruthy();
  });

  it('computes view inbox/future from the date', async () => {
    fake = await startClose();
    fake.seed([{ date: '2020-01-01' }, { date: '2999-01-01T10:00:00Z' }, { date: null }]);
    expect((await call(fake, 'GET', '/task/?view=inbox')).body.data).toHaveLength(2);
    const future = (await call(fake, 'GET', '/task/?view=future')).body.data;
    expect(future).toHaveLength(1);
    expect(future[0].view).toBe('future');
    expect((await call(fake, 'GET', '/task/?view=later')).status).toBe(400);
  });

  it('pages with _skip/_limit and has_more, and refuses a too large _limit', async () => {
    fake = await startClose({ maxLimit: 200 });
    const seeded = fake.seed(250);
    let r = await call(fake, 'GET', '/task/');
    expect(r.body.data).toHaveLength(100);
    expect(r.body.has_more).toBe(true);
    const ids: string[] = [];
    for (let skip = 0, i = 0; i < 10; i++) {
      r = await call(fake, 'GET', `/task/?_skip=${skip}&_limit=100`);
      ids.push(...r.body.data.map((t: { id: string }) => t.id));
      skip += r.body.data.length;
      if (!r.body.has_more) break;
    }
    expect(ids).toEqual(seeded.map((t) => t.id));
    r = await call(fake, 'GET', '/task/?_skip=200&_limit=50');
    expect(r.body.data).toHaveLength(50);
    expect(r.body.has_more).toBe(false);
    r = await call(fake, 'GET', '/task/?_limit=201');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: [], 'field-errors': { _limit: expect.any(String) } });
  });

  it('creates lead and outgoing_call tasks and rejects other types or a missing lead', async () => {
    fake = await startClose();
    let r = await call(fake, 'POST', '/task/', { _type: 'lead', lead_id: 'lead_abc', text: 'Call back', date: '2026-05-01' });
    expect(r.status).toBe(200);
    expect(r.body.id).toMatch(/^task_[0-9A-Za-z]+$/);
    expect(r.body).toMatchObject({ _type: 'lead', lead_id: 'lead_abc', text: 'Call back', date: '2026-05-01', due_date: '2026-05-01', is_complete: false, assigned_to: fake.user.id });
    for (const k of ['lead_name', 'view', 'date_created', 'date_updated', 'organization_id', 'created_by']) expect(r.body).toHaveProperty(k);
    expect(fake.tasks.get(r.body.id)?.text).toBe('Call back');
    r = await call(fake, 'POST', '/task/', { _type: 'outgoing_call', lead_id: 'lead_abc' });
    expect(r.status).toBe(200);
    r = await call(fake, 'POST', '/task/', { _type: 'lead', text: 'x' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: [], 'field-errors': { lead: 'This field is required.' } });
    r = await call(fake, 'POST', '/task/', { _type: 'voicemail', lead_id: 'lead_abc' });
    expect(r.status).toBe(400);
    expect(r.body['field-errors']._type).toMatch(/only tasks of type lead and outgoing_call/);
    r = await call(fake, 'POST', '/task/', { _type: 'lead', lead_id: 'lead_abc', date: '05/01/2026' });
    expect(r.body['field-errors'].date).toBeTruthy();
    expect(fake.tasks.size).toBe(2);
  });

  it('gets, updates partially, and deletes a task', async () => {
    fake = await startClose();
    const t = fake.addTask({ text: 'old', priority: null });
    let r = await call(fake, 'GET', `/task/${t.id}/`);
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(t.id);
    r = await call(fake, 'PUT', `/task/${t.id}/?_fields=id,is_complete,text`, { is_complete: true });
    expect(r.body).toEqual({ id: t.id, is_complete: true, text: 'old' });
    r = await call(fake, 'PUT', `/task/${t.id}/`, { text: 'new', date: '2026-05-01T09:30:00+02:00', priority: 'high', resolution: 'skipped' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ text: 'new', date: '2026-05-01T09:30:00+02:00', due_date: '2026-05-01T09:30:00+02:00', priority: 'high', resolution: 'skipped', is_complete: true, view: 'archive' });
    r = await call(fake, 'PUT', `/task/${t.id}/`, { due_date: '2026-13-40', priority: 'low', resolution: 'done' });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body['field-errors']).sort()).toEqual(['due_date', 'priority', 'resolution']);
    expect(fake.tasks.get(t.id)?.priority).toBe('high');
    r = await call(fake, 'DELETE', `/task/${t.id}/`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({});
    r = await call(fake, 'GET', `/task/${t.id}/`);
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/does not exist/);
    expect((await call(fake, 'PUT', '/task/task_nope/', { is_complete: true })).status).toBe(404);
    expect((await call(fake, 'DELETE', '/task/task_nope/')).status).toBe(404);
  });

  it('refuses text on a non-lead task', async () => {
    fake = await startClose();
    const t = fake.addTask({ _type: 'missed_call' });
    const r = await call(fake, 'PUT', `/task/${t.id}/`, { text: 'x', is_complete: true });
    expect(r.status).toBe(400);
    expect(r.body['field-errors']).toHaveProperty('text');
    expect(fake.tasks.get(t.id)?.is_complete).toBe(false);
  });

  it('answers 404 for a path without the trailing slash, and 204 deletes when asked', async () => {
    fake = await startClose({ deleteStatus: 204 });
    const t = fake.addTask();
    expect((await call(fake, 'GET', `/task/${t.id}`)).status).toBe(404);
    expect((await call(fake, 'GET', '/task')).status).toBe(404);
    const r = await call(fake, 'DELETE', `/task/${t.id}/`);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
  });

  it('supports POST with x-http-method-override: GET and _params', async () => {
    fake = await startClose();
    fake.seed([{ _type: 'lead' }, { _type: 'missed_call' }]);
    const r = await call(fake, 'POST', '/task/', { _params: { _type: 'all' } }, { 'x-http-method-override': 'GET' });
    expect(r.body.data).toHaveLength(2);
    expect(fake.tasks.size).toBe(2);
  });
});

describe('fake Close: rate limit and injection', () => {
  it('refuses over-limit requests with 429, headers and body, without acting on them', async () => {
    fake = await startClose({ rateLimit: { requestsPerSecond: 1, windowMs: 1000 } });
    const tasks = fake.seed(3);
    const statuses: number[] = [];
    let last: Res | undefined;
    for (const t of tasks) {
      last = await call(fake, 'DELETE', `/task/${t.id}/`);
      statuses.push(last.status);
    }
    // limit = round(1 × 1.0) = 1 per 1000 ms window
    expect(statuses).toEqual([200, 429, 429]);
    expect(fake.tasks.has(tasks[1].id)).toBe(true);
    expect(fake.tasks.has(tasks[2].id)).toBe(true);
    const r = last!;
    expect(r.headers.get('retry-after')).toBe('1');
    const m = /^limit=1, remaining=0, reset=(\d+(?:\.\d+)?)$/.exec(r.headers.get('ratelimit') ?? '');
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThanOrEqual(1);
    expect(r.body.error).toMatchObject({
      message: 'API call count exceeded for this period',
      rate_endpoint_group: 'DELETE /task/{id}/',
      rate_limit: 1,
      rate_limit_type: 'key',
      rate_window: 1,
    });
    expect(typeof r.body.error.rate_reset).toBe('number');
    // another group is counted separately
    expect((await call(fake, 'GET', '/task/')).status).toBe(200);
    const s = fake.stats();
    expect(s).toMatchObject({ total: 4, limited: 2 });
    expect(s.byGroup['DELETE /task/{id}/']).toEqual({ total: 3, limited: 2 });
    expect(s.byGroup['GET /task/']).toEqual({ total: 1, limited: 0 });
    // after the window resets the request goes through
    await new Promise((res) => setTimeout(res, Number(m![1]) * 1000 + 50));
    expect((await call(fake, 'DELETE', `/task/${tasks[1].id}/`)).status).toBe(200);
    expect(fake.tasks.has(tasks[1].id)).toBe(false);
  });

  it('counts per key', async () => {
    fake = await startClose({ apiKeys: ['a', 'b'], rateLimit: { requestsPerSecond: 1 } });
    expect((await call(fake, 'GET', '/task/')).status).toBe(200);
    expect((await call(fake, 'GET', '/task/')).status).toBe(429);
    expect((await call(fake, 'GET', '/task/', undefined, { authorization: fake.authHeader('b') })).status).toBe(200);
    fake.setRateLimit(undefined);
    expect((await call(fake, 'GET', '/task/')).status).toBe(200);
  });

  it('injects failures that are not acted on', async () => {
    fake = await startClose();
    const t = fake.addTask();
    fake.failNext(2, 503, { 'Retry-After': '0' });
    let r = await call(fake, 'PUT', `/task/${t.id}/`, { is_complete: true });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('0');
    expect((await call(fake, 'PUT', `/task/${t.id}/`, { is_complete: true })).status).toBe(503);
    expect(fake.tasks.get(t.id)?.is_complete).toBe(false);
    r = await call(fake, 'PUT', `/task/${t.id}/`, { is_complete: true });
    expect(r.status).toBe(200);
    expect(fake.tasks.get(t.id)?.is_complete).toBe(true);
    fake.failNext(1, 429, { RateLimit: 'limit=5, remaining=0, reset=0.25' }, { error: { message: 'slow down', rate_reset: 0.25 } }, (req) => req.method === 'GET');
    expect((await call(fake, 'PUT', `/task/${t.id}/`, { is_complete: false })).status).toBe(200);
    r = await call(fake, 'GET', `/task/${t.id}/`);
    expect(r.status).toBe(429);
    expect(r.headers.get('ratelimit')).toBe('limit=5, remaining=0, reset=0.25');
    expect(fake.stats().total).toBe(5);
  });
});

describe('fake Close: bulk update (PUT /task/)', () => {
  it('updates the tasks the list filters select; without _type only lead tasks', async () => {
    fake = await startClose();
    const [lead, call1, lead2] = fake.seed([{}, { _type: 'missed_call' }, {}]);
    let r = await call(fake, 'PUT', `/task/?id__in=${lead.id},${call1.id}`, { is_complete: true });
    expect(r.status).toBe(200);
    // the _type trap: the missed call was not selected
    expect([lead, call1, lead2].map((t) => fake!.tasks.get(t.id)!.is_complete)).toEqual([true, false, false]);
    r = await call(fake, 'PUT', `/task/?id__in=${lead.id},${call1.id}&_type=all`, { is_complete: false, date: '2025-05-01' });
    expect(r.status).toBe(200);
    expect([lead, call1].map((t) => [fake!.tasks.get(t.id)!.is_complete, fake!.tasks.get(t.id)!.date])).toEqual([
      [false, '2025-05-01'],
      [false, '2025-05-01'],
    ]);
    expect(fake.tasks.get(lead2.id)!.date).toBeNull();
    expect(fake.stats()).toMatchObject({ bulkPuts: 2, unfilteredBulkPuts: 0 });
    expect(fake.stats().byGroup['PUT /task/']).toEqual({ total: 2, limited: 0 });
  });

  it('refuses fields other than assigned_to, date and is_complete, naming them, and changes nothing', async () => {
    fake = await startClose();
    const [t] = fake.seed(1);
    const r = await call(fake, 'PUT', `/task/?id__in=${t.id}&_type=all`, { is_complete: true, text: 'x' });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body['field-errors'])).toEqual(['text']);
    expect(fake.tasks.get(t.id)!.is_complete).toBe(false);
  });

  it('counts a bulk PUT without a filter (or with an empty id__in) as unfiltered: it updates every task of the types', async () => {
    fake = await startClose({ allowBulkPutsWithoutIds: true });
    const ts = fake.seed([{}, {}, { _type: 'voicemail' }]);
    expect((await call(fake, 'PUT', '/task/?id__in=&_type=all', { is_complete: true })).status).toBe(200);
    expect(ts.every((t) => fake!.tasks.get(t.id)!.is_complete)).toBe(true);
    await call(fake, 'PUT', '/task/', { is_complete: false }, { authorization: 'Basic bm9wZTo=' });
    expect(fake.stats()).toMatchObject({ bulkPuts: 2, unfilteredBulkPuts: 2 });
  });

  it('the test fake fails its close() when any bulk PUT came without a non-empty id__in, so no test can miss one', async () => {
    const f = await startClose();
    const [t] = f.seed(1);
    await call(f, 'PUT', `/task/?id__in=${t.id}&_type=all`, { is_complete: true });
    // refused (bad key) or not, it was sent
    await call(f, 'PUT', '/task/?id__in=&_type=all', { is_complete: true }, { authorization: 'Basic bm9wZTo=' });
    await expect(f.close()).rejects.toThrow(/received 1 bulk PUT\(s\) without a non-empty id__in .*PUT \/api\/v1\/task\/\?id__in=&_type=all/);
    // with only filtered ones it closes quietly
    const g = await startClose();
    const [u] = g.seed(1);
    await call(g, 'PUT', `/task/?id__in=${u.id}&_type=all`, { is_complete: true });
    await expect(g.close()).resolves.toBeUndefined();
  });

  it('answers 405 (or 404) on the bulk route when told to, acting on nothing', async () => {
    fake = await startClose({ bulkStatus: 405 });
    const [t] = fake.seed(1);
    let r = await call(fake, 'PUT', `/task/?id__in=${t.id}&_type=all`, { is_complete: true });
    expect(r.status).toBe(405);
    fake.setBulkStatus(404);
    r = await call(fake, 'PUT', `/task/?id__in=${t.id}&_type=all`, { is_complete: true });
    expect(r.status).toBe(404);
    expect(fake.tasks.get(t.id)!.is_complete).toBe(false);
    fake.setBulkStatus(undefined);
    expect((await call(fake, 'PUT', `/task/?id__in=${t.id}&_type=all`, { is_complete: true })).status).toBe(200);
    expect(fake.tasks.get(t.id)!.is_complete).toBe(true);
  });
});

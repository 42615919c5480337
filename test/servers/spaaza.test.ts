import { afterEach, describe, expect, it } from 'vitest';
import { startSpaaza, type FakeSpaaza } from './spaaza.js';

let fake: FakeSpaaza | undefined;
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

async function call(f: FakeSpaaza, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const res = await fetch(`${f.url}${path}`, {
    method,
    headers: { authorization: f.authHeader, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
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

const target = { action: 'export', export_index: 'wallet-ledger', export_format: 'csv' };
const trigger = { once: '2026-05-26T12:00:00Z' };

describe('fake Spaaza: auth', () => {
  it('needs Bearer <tokenId>:<tokenSecret>', async () => {
    fake = await startSpaaza({ tokenId: 'id-9', tokenSecret: 'sec-9' });
    expect(fake.authHeader).toBe('Bearer id-9:sec-9');
    expect((await call(fake, 'GET', '/tasks?limit=10')).status).toBe(200);
    for (const h of ['', 'Bearer id-9:wrong', 'Bearer id-9', 'Basic aWQtOTpzZWMtOQ==']) {
      const r = await call(fake, 'GET', '/tasks', undefined, { authorization: h });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({
        result: { code: 2, status: 'error' },
        error: { code: 1, name: 'authentication_failure', description: 'No valid authentication provided or insufficient permissions' },
      });
    }
  });

  it('hides tasks of another chain and refuses creating in it', async () => {
    fake = await startSpaaza({ chain: 1764 });
    const other = fake.addTask({ chain: 99 });
    let r = await call(fake, 'GET', `/tasks/${other.id}`);
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ name: 'task_not_found', description: 'No task exists with the specified ID for this chain' });
    expect((await call(fake, 'GET', '/tasks')).body).toEqual([]);
    r = await call(fake, 'POST', '/tasks', { chain: 99, desc: 'x', target, trigger });
    expect(r.status).toBe(403);
    expect(r.body.error.name).toBe('authentication_failure');
  });
});

describe('fake Spaaza: tasks', () => {
  it('creates a task (201) and validates the body', async () => {
    fake = await startSpaaza();
    let r = await call(fake, 'POST', '/tasks', { chain: 1764, desc: 'Wallet export', target, trigger, debug: 'dbg' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ chain: 1764, desc: 'Wallet export', target, trigger, debug: 'dbg', version: 1, state: { code: 'READY', last_run_date: null } });
    expect(Number.isInteger(r.body.id)).toBe(true);
    expect(Array.isArray(r.body.logs)).toBe(true);
    expect(typeof r.body.state.created_date).toBe('string');
    expect(fake.tasks.get(r.body.id)?.desc).toBe('Wallet export');

    const seg = { segment: { entity: 'people', index: 'wallet-ledger', join: 'all', chain_id: 1764, rules: [] } };
    expect((await call(fake, 'POST', '/tasks', { chain: 1764, desc: 'seg', target, trigger: seg })).status).toBe(201);

    const bad: Array<[unknown, number, string]> = [
      [{ desc: 'x', target, trigger }, 400, 'invalid_parameter'],
      [{ chain: '1764', desc: 'x', target, trigger }, 400, 'invalid_parameter'],
      [{ chain: 1764, target, trigger }, 400, 'invalid_parameter'],
      [{ chain: 1764, desc: 'x', trigger }, 400, 'invalid_target_or_trigger'],
      [{ chain: 1764, desc: 'x', target }, 400, 'invalid_target_or_trigger'],
      [{ chain: 1764, desc: 'x', target: { ...target, export_index: 'orders' }, trigger }, 400, 'invalid_target_or_trigger'],
      [{ chain: 1764, desc: 'x', target: { ...target, export_format: 'xml' }, trigger }, 400, 'invalid_target_or_trigger'],
      [{ chain: 1764, desc: 'x', target, trigger: { once: 'tomorrow' } }, 400, 'invalid_target_or_trigger'],
      [{ chain: 1764, desc: 'x', target, trigger: {} }, 400, 'invalid_target_or_trigger'],
    ];
    for (const [body, status, name] of bad) {
      r = await call(fake, 'POST', '/tasks', body);
      expect([r.status, r.body.error.name]).toEqual([status, name]);
      expect(r.body.result).toEqual({ code: 2, status: 'error' });
    }
    expect(r.body.error.description).toMatch(/^Invalid target or trigger/);
    const raw = await fetch(`${fake.url}/tasks`, { method: 'POST', headers: { authorization: fake.authHeader }, body: '{not json' });
    expect(raw.status).toBe(400);
    expect(fake.tasks.size).toBe(2);
  });

  it('lists a bare array sorted by id, with filters and limit/offset paging', async () => {
    fake = await startSpaaza({ maxLimit: 100 });
    fake.addTask({ id: 30 });
    fake.addTask({ id: 10, state: { code: 'DONE' } });
    fake.addTask({ id: 20, target: { action: 'other', campaign_id: 7 } });
    let r = await call(fake, 'GET', '/tasks');
    expect(Array.isArray(r.body)).toBe(true);
    expect(r.body.map((t: { id: number }) => t.id)).toEqual([10, 20, 30]);
    expect((await call(fake, 'GET', '/tasks?status=DONE')).body.map((t: { id: number }) => t.id)).toEqual([10]);
    expect((await call(fake, 'GET', '/tasks?action=export')).body.map((t: { id: number }) => t.id)).toEqual([10, 30]);
    expect((await call(fake, 'GET', '/tasks?campaign_id=7')).body.map((t: { id: number }) => t.id)).toEqual([20]);
    expect((await call(fake, 'GET', '/tasks?limit=2&offset=1')).body.map((t: { id: number }) => t.id)).toEqual([20, 30]);
    expect((await call(fake, 'GET', '/tasks?limit=2&offset=2')).body).toHaveLength(1);
    r = await call(fake, 'GET', '/tasks?limit=101');
    expect(r.status).toBe(400);
    expect(r.body.error.name).toBe('invalid_parameter');
    expect((await call(fake, 'GET', '/tasks?status=FAILED')).status).toBe(400);
  });

  it('clamps limit when asked', async () => {
    fake = await startSpaaza({ maxLimit: 2, overLimit: 'clamp' });
    for (let i = 0; i < 3; i++) fake.addTask();
    expect((await call(fake, 'GET', '/tasks?limit=50')).body).toHaveLength(2);
  });

  it('gets a task with paged logs, updates whole fields, deletes with 204', async () => {
    fake = await startSpaaza();
    const t = fake.addTask();
    fake.advance(t.id);
    fake.advance(t.id);
    let r = await call(fake, 'GET', `/tasks/${t.id}`);
    expect(r.status).toBe(200);
    expect(r.body.logs.map((l: { message: string }) => l.message)).toEqual(['Task created', 'Export started', 'Export finished']);
    r = await call(fake, 'GET', `/tasks/${t.id}?log_limit=1&offset=1`);
    expect(r.body.logs.map((l: { message: string }) => l.message)).toEqual(['Export started']);
    expect((await call(fake, 'GET', '/tasks/abc')).status).toBe(404);
    expect((await call(fake, 'GET', '/tasks/999999')).status).toBe(404);

    r = await call(fake, 'PUT', `/tasks/${t.id}`, { target: { action: 'export', export_index: 'users', export_format: 'json' }, desc: 'renamed' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: t.id, desc: 'renamed', target: { action: 'export', export_index: 'users', export_format: 'json' }, version: 2 });
    r = await call(fake, 'PUT', `/tasks/${t.id}`, { target: { export_format: 'csv' } });
    expect(r.status).toBe(400);
    expect(r.body.error.name).toBe('invalid_target_or_trigger');
    expect(fake.tasks.get(t.id)?.target.export_index).toBe('users');

    r = await call(fake, 'DELETE', `/tasks/${t.id}`);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(fake.tasks.has(t.id)).toBe(false);
    expect((await call(fake, 'DELETE', `/tasks/${t.id}`)).status).toBe(404);
  });

  it('executes synchronously: INPROGRESS while running, then DONE or ERROR', async () => {
    fake = await startSpaaza({ executeDelayMs: 600 });
    const t = fake.addTask();
    const running = call(fake, 'POST', `/tasks/${t.id}/execute`);
    await new Promise((res) => setTimeout(res, 100));
    expect((await call(fake, 'GET', `/tasks/${t.id}`)).body.state.code).toBe('INPROGRESS');
    expect((await call(fake, 'POST', `/tasks/${t.id}/execute`)).status).toBe(409);
    const r = await running;
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['code', 'created_date', 'last_modified', 'last_run_date']);
    expect(r.body.code).toBe('DONE');
    expect(typeof r.body.last_run_date).toBe('string');

    fake.setExecuteDelay(0);
    fake.failOnRun(t.id, 'segment query failed');
    const e = await call(fake, 'POST', `/tasks/${t.id}/execute`);
    expect(e.body.code).toBe('ERROR');
    expect(fake.tasks.get(t.id)?.logs.at(-1)).toMatchObject({ level: 'error', message: 'segment query failed' });
    expect((await call(fake, 'POST', `/tasks/${t.id}/execute`)).body.code).toBe('DONE');
    expect((await call(fake, 'GET', `/tasks/${t.id}/execute`)).status).toBe(405);
  });

  it('offers state controls for tests', async () => {
    fake = await startSpaaza({ autoAdvance: true });
    const t = fake.addTask();
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) codes.push((await call(fake, 'GET', `/tasks/${t.id}`)).body.state.code);
    expect(codes).toEqual(['READY', 'INPROGRESS', 'DONE', 'DONE']);
    fake.setState(t.id, 'READY');
    expect(fake.advance(t.id)).toBe('INPROGRESS');
    fake.failOnRun(t.id);
    expect(fake.advance(t.id)).toBe('ERROR');
    expect(fake.advance(t.id)).toBe('ERROR');
    fake.setState(t.id, 'READY');
    expect(fake.failTask(t.id, 'boom').state.code).toBe('ERROR');
    expect(() => fake!.advance(424242)).toThrow();
  });
});

describe('fake Spaaza: download', () => {
  it('gives a download URL only for DONE export tasks', async () => {
    fake = await startSpaaza();
    const t = fake.addTask({ id: 12345 });
    let r = await call(fake, 'GET', `/tasks/${t.id}/download_url`);
    expect(r.status).toBe(409);
    expect(r.body.error.name).toBe('task_not_done');
    const other = fake.addTask({ target: { action: 'other' }, state: { code: 'DONE' } });
    r = await call(fake, 'GET', `/tasks/${other.id}/download_url`);
    expect(r.status).toBe(400);
    fake.setState(t.id, 'DONE');
    r = await call(fake, 'GET', `/tasks/${t.id}/download_url`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['url']);
    const url = new URL(r.body.url);
    expect(url.origin).toBe(fake.url);
    expect(url.pathname).toMatch(/^\/files\/[0-9a-f]+\/Wallet_Export-12345\.csv$/);
    expect(url.searchParams.get('X-Amz-Signature')).toBeTruthy();
    expect((await call(fake, 'GET', `/tasks/${t.id}/download_url`, undefined, { authorization: 'Bearer x:y' })).status).toBe(401);
  });

  it('serves the file without auth and refuses it with an Authorization header', async () => {
    fake = await startSpaaza({ exportBytes: 50_000 });
    const t = fake.addTask({ state: { code: 'DONE' } });
    const { url } = (await call(fake, 'GET', `/tasks/${t.id}/download_url`)).body as { url: string };

    const withAuth = await fetch(url, { headers: { authorization: fake.authHeader } });
    expect(withAuth.status).toBe(400);
    expect(await withAuth.text()).toContain('Authorization not allowed with a pre-signed URL');

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv');
    const text = await res.text();
    expect(Number(res.headers.get('content-length'))).toBe(text.length);
    expect(text.length).toBeGreaterThanOrEqual(50_000);
    expect(text.split('\n')[0]).toBe('id,chain_id,index,timestamp,value');
    expect(text).toBe(fake.exportContent(t.id));

    expect(fake.downloads.map((d) => [d.authorization, d.status])).toEqual([
      [true, 400],
      [false, 200],
    ]);
    const u = new URL(url);
    expect((await fetch(`${fake.url}/files/deadbeef/${u.pathname.split('/')[3]}`)).status).toBe(403);
    expect((await fetch(`${fake.url}/files/${u.pathname.split('/')[2]}/Other.csv`)).status).toBe(404);
  });

  it('serves JSON exports', async () => {
    fake = await startSpaaza({ exportBytes: 500 });
    const t = fake.addTask({ target: { action: 'export', export_index: 'product-variants', export_format: 'json' }, state: { code: 'DONE' } });
    const { url } = (await call(fake, 'GET', `/tasks/${t.id}/download_url`)).body as { url: string };
    expect(new URL(url).pathname).toMatch(new RegExp(`/ProductVariants_Export-${t.id}\\.json$`));
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toBe('application/json');
    const rows = (await res.json()) as unknown[];
    expect(rows.length).toBeGreaterThan(1);
  });
});

describe('fake Spaaza: injection and routes', () => {
  it('injects failures that are not acted on, and 404s unknown routes', async () => {
    fake = await startSpaaza();
    const t = fake.addTask();
    fake.failNext(1, 503, { 'Retry-After': '1' });
    let r = await call(fake, 'DELETE', `/tasks/${t.id}`);
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(fake.tasks.has(t.id)).toBe(true);
    fake.failNext(1, 500, undefined, 'boom', (req) => req.path.startsWith('/files/'));
    r = await call(fake, 'GET', `/tasks/${t.id}`);
    expect(r.status).toBe(200);
    fake.setState(t.id, 'DONE');
    const { url } = (await call(fake, 'GET', `/tasks/${t.id}/download_url`)).body as { url: string };
    expect((await fetch(url)).status).toBe(500);
    expect((await fetch(url)).status).toBe(200);
    expect(fake.downloads.map((d) => d.status)).toEqual([500, 200]);
    expect((await call(fake, 'GET', '/nope')).status).toBe(404);
    expect((await call(fake, 'GET', '/tasks/')).status).toBe(404);
    expect((await call(fake, 'PATCH', `/tasks/${t.id}`, {})).status).toBe(405);
  });
});

/**
 * `taskctl close …` end to end: the built binary against the fake Close server (real sockets, real
 * exit codes and streams). runCli fails any test whose output contains a canary secret; the API key
 * here is CANARY.closeApiKey.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CANARY, runCli, writeConfig } from '../helpers/cli.js';
import { startClose, type CloseOptions, type FakeClose } from '../servers/close.js';

let fake: FakeClose | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(opts: CloseOptions = {}): Promise<FakeClose> {
  fake = await startClose({ apiKeys: [CANARY.closeApiKey], lifetimeMs: 60_000, ...opts });
  return fake;
}

function env(f: FakeClose, extra: Record<string, string | undefined> = {}) {
  return { CLOSE_URL: f.url, CLOSE_API_KEY: CANARY.closeApiKey, ...extra };
}

const taskPuts = (f: FakeClose) => f.requests.filter((r) => r.method === 'PUT');

describe('taskctl close (e2e)', () => {
  it('task list: table without a terminal, --json array, _type=all by default', async () => {
    const f = await start();
    const [a, b] = f.seed([{ text: 'Call Ann' }, { _type: 'voicemail' }]);
    const r = await runCli(['close', 'task', 'list'], { env: env(f) });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rows = r.stdout.split('\n').filter(Boolean);
    expect(rows[0]).toBe('id\ttype\tdate\tdone\tassigned to\tlead\ttext');
    expect(rows[1]).toMatch(new RegExp(`^${a.id}\\tlead\\t\\tno\\tTest User\\t.*\\tCall Ann$`));
    expect(rows[2].startsWith(`${b.id}\tvoicemail`)).toBe(true);
    const j = await runCli(['close', 'task', 'list', '--json'], { env: env(f) });
    expect(j.json<Array<{ id: string }>>().map((t) => t.id)).toEqual([a.id, b.id]);
    expect(f.requests.every((q) => q.query.get('_type') === 'all')).toBe(true);
  });

  it('task list --all pages with _skip/_limit through has_more; --query filters', async () => {
    const f = await start();
    f.seed(150);
    const r = await runCli(['close', 'task', 'list', '--all', '--query', 'length(@)'], { env: env(f) });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('150');
    expect(f.requests.map((q) => q.query.get('_skip'))).toEqual(['0', '100']);
  });

  it('task list with a bad filter is exit 2 and sends nothing', async () => {
    const f = await start();
    const r = await runCli(['close', 'task', 'list', '--assigned-to', 'someone@example.com'], { env: env(f) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^taskctl: --assigned-to "someone@example.com": expected a Close user id/);
    expect(f.requests).toHaveLength(0);
  });

  it('task get: key-value block and --json object; a missing task is exit 5', async () => {
    const f = await start();
    const t = f.addTask({ text: 'Ship it', date: '2025-06-01' });
    const r = await runCli(['close', 'task', 'get', t.id], { env: env(f) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ID\t${t.id}\nType\tlead\nText\tShip it\n`);
    const j = await runCli(['close', 'task', 'get', t.id, '--json'], { env: env(f) });
    expect(j.json()).toMatchObject({ id: t.id, date: '2025-06-01', text: 'Ship it' });
    const missing = await runCli(['close', 'task', 'get', 'task_missing0001', '--json'], { env: env(f) });
    expect(missing.code).toBe(5);
    expect(missing.stdout).toBe('');
    expect(missing.errorJson()).toMatchObject({ error: { code: 5, status: 404, message: expect.stringContaining('task task_missing0001 not found') } });
  });

  it('task get with a malformed id is exit 2 and sends nothing', async () => {
    const f = await start();
    const r = await runCli(['close', 'task', 'get', 'abc123'], { env: env(f) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid task id "abc123"');
    expect(f.requests).toHaveLength(0);
  });

  it('task update: partial PUT, prints the task; a bad date is exit 2 with nothing sent', async () => {
    const f = await start();
    const t = f.addTask();
    const r = await runCli(['close', 'task', 'update', t.id, '--date', '2025-07-01', '--priority', 'high', '--json'], { env: env(f) });
    expect(r.code).toBe(0);
    expect(JSON.parse(taskPuts(f)[0].body)).toEqual({ date: '2025-07-01', priority: 'high' });
    expect(r.json()).toMatchObject({ id: t.id, date: '2025-07-01', priority: 'high' });
    const bad = await runCli(['close', 'task', 'update', t.id, '--date', '07/01/2025'], { env: env(f) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--date "07/01/2025": expected a date such as 2025-03-31');
    expect(taskPuts(f)).toHaveLength(1);
  });

  it('task update --text on a non-lead task: exit 1, the field error on its own line', async () => {
    const f = await start();
    const t = f.addTask({ _type: 'incoming_sms' });
    const r = await runCli(['close', 'task', 'update', t.id, '--text', 'hi'], { env: env(f) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toContain('server said: text: Text can only be set on tasks of type lead.');
    expect(r.stderr).toContain('(Close accepts text only on lead tasks)');
  });

  it('task complete and reopen: table, summary on stderr; one id is one plain PUT', async () => {
    const f = await start();
    const ts = f.seed(3);
    const r = await runCli(['close', 'task', 'complete', ...ts.map((t) => t.id)], { env: env(f) });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['task\tresult\tstatus\tdetail', ...ts.map((t) => `${t.id}\tcompleted\t200\t`)]);
    expect(r.stderr.trim()).toBe('3 of 3 completed');
    expect(ts.every((t) => f.tasks.get(t.id)!.is_complete)).toBe(true);
    const back = await runCli(['close', 'task', 'reopen', ts[0].id, '--json'], { env: env(f) });
    expect(back.code).toBe(0);
    expect(back.json()).toEqual({ results: [{ id: ts[0].id, ok: true, status: 200, error: null }], summary: { total: 1, succeeded: 1, failed: 0 } });
    expect(f.tasks.get(ts[0].id)!.is_complete).toBe(false);
    expect(JSON.parse(taskPuts(f).at(-1)!.body)).toEqual({ is_complete: false });
  });

  it('task complete with one missing id exits 7 and reports it', async () => {
    const f = await start();
    const [t] = f.seed(1);
    const r = await runCli(['close', 'task', 'complete', t.id, 'task_notthere1', '--json'], { env: env(f) });
    expect(r.code).toBe(7);
    const j = r.json<{ results: Array<{ id: string; ok: boolean; status: number }> }>();
    expect(j.results.map((x) => [x.id, x.ok, x.status])).toEqual([
      [t.id, true, 200],
      ['task_notthere1', false, 404],
    ]);
    expect(r.stderr).toContain('1 of 2 completed, 1 failed');
  });

  it('task complete/reopen with an invalid id is exit 2 and sends nothing', async () => {
    const f = await start();
    const [t] = f.seed(1);
    for (const verb of ['complete', 'reopen']) {
      const r = await runCli(['close', 'task', verb, t.id, 'lead_wrongkind'], { env: env(f) });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('invalid task id: "lead_wrongkind" (a Close task id starts with "task_")');
    }
    expect(f.requests).toHaveLength(0);
  });

  it('task complete of 60 ids under a 20 req/s limit: every id reported exactly once, exit 0', async () => {
    const f = await start({ rateLimit: { requestsPerSecond: 20 }, latencyMs: 5 });
    const ts = f.seed(60);
    const r = await runCli(['close', 'task', 'complete', '-', '--json'], { env: env(f), input: ts.map((t) => t.id).join('\n'), timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    const j = r.json<{ results: Array<{ id: string; ok: boolean }>; summary: object }>();
    expect(j.results.map((x) => x.id).sort()).toEqual(ts.map((t) => t.id).sort());
    expect(j.results.every((x) => x.ok)).toBe(true);
    expect(j.summary).toEqual({ total: 60, succeeded: 60, failed: 0 });
    expect(ts.every((t) => f.tasks.get(t.id)!.is_complete)).toBe(true);
    // one bulk PUT and one read-back carry all 60 ids
    expect(f.stats()).toMatchObject({ total: 2, limited: 0, bulkPuts: 1, unfilteredBulkPuts: 0 });
  });

  it('task delete: needs --yes without a terminal, then deletes; bad id sends nothing', async () => {
    const f = await start();
    const [t] = f.seed(1);
    const refused = await runCli(['close', 'task', 'delete', t.id], { env: env(f) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`Delete Close task ${t.id}: confirmation needed (pass --yes to confirm without a terminal)`);
    expect(f.requests).toHaveLength(0);
    const bad = await runCli(['close', 'task', 'delete', 'nope', '--yes'], { env: env(f) });
    expect(bad.code).toBe(2);
    expect(f.requests).toHaveLength(0);
    const r = await runCli(['close', 'task', 'delete', t.id, '--yes'], { env: env(f) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${t.id}\tdeleted\t200`);
    expect(f.tasks.has(t.id)).toBe(false);
  });

  it('task create: POST with _type lead; missing --text is exit 2 with nothing sent', async () => {
    const f = await start();
    const lead = 'lead_QyNaWw4fdSwxl5Mc5daMFf3Y27PpIcH0awPbC9l7uyo';
    const r = await runCli(['close', 'task', 'create', '--lead', lead, '--text', 'Send the quote', '--query', 'id'], { env: env(f) });
    expect(r.code).toBe(0);
    // a string --query result prints bare, so id=$(taskctl … --query id) captures the id itself
    expect(r.stdout).toMatch(/^task_\w+\n$/);
    const id = r.stdout.trim();
    expect(f.tasks.get(id)).toMatchObject({ _type: 'lead', lead_id: lead, text: 'Send the quote' });
    const human = await runCli(['close', 'task', 'create', '--lead', lead, '--text', 'Another'], { env: env(f) });
    expect(human.stdout).toMatch(/^task_\w+\n$/); // like every create: the new id alone
    const before = f.requests.length;
    const bad = await runCli(['close', 'task', 'create', '--lead', lead], { env: env(f) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--text is required');
    expect(f.requests).toHaveLength(before);
  });

  it('api: raw authenticated request; exit code follows the status', async () => {
    const f = await start();
    const t = f.addTask();
    const r = await runCli(['close', 'api', 'PUT', `/api/v1/task/${t.id}/`, '--data', '{"is_complete":true}', '-i'], { env: env(f) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^HTTP\/1.1 200 OK\n/);
    expect(r.stdout).toMatch(/ratelimit: limit=\d+, remaining=\d+, reset=/);
    expect(f.tasks.get(t.id)!.is_complete).toBe(true);
    const nf = await runCli(['close', 'api', 'GET', '/api/v1/task/task_nope/'], { env: env(f) });
    expect(nf.code).toBe(5);
    expect(JSON.parse(nf.stdout)).toEqual({ error: 'Empty query: Task matching query does not exist.' });
  });

  it('api with bad JSON is exit 2 and sends nothing', async () => {
    const f = await start();
    const r = await runCli(['close', 'api', 'POST', '/api/v1/task/', '--data', '{"_type": lead}'], { env: env(f) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--data: invalid JSON at column 11: unexpected character "l"');
    expect(f.requests).toHaveLength(0);
  });

  it('profile test with a config file profile (url given with /api/v1, key from ${VAR})', async () => {
    const f = await start();
    const cfg = writeConfig(`profiles:\n  crm:\n    provider: close\n    url: ${f.url}/api/v1\n    apiKey: \${MY_CLOSE_KEY}\n`);
    const r = await runCli(['profile', 'test', 'crm', '--config', cfg], { env: { MY_CLOSE_KEY: CANARY.closeApiKey } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Provider\tclose\n');
    expect(r.stdout).toContain(`User ID\t${f.user.id}\n`);
    expect(r.stderr).toContain('crm: connected and authenticated');
    expect(f.requests.map((q) => q.path)).toEqual(['/api/v1/me/']);
  });

  it('profile test with a wrong key is exit 4', async () => {
    const f = await start();
    const r = await runCli(['profile', 'test'], { env: env(f, { CLOSE_API_KEY: 'not_the_key_4242' }), secrets: ['not_the_key_4242'] });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('taskctl: Close refused the API key (401');
  });

  it('--verbose and --dry-run never show the key or its Basic form', async () => {
    const f = await start();
    const [t] = f.seed(1);
    const basic = Buffer.from(`${CANARY.closeApiKey}:`).toString('base64');
    const v = await runCli(['close', 'task', 'get', t.id, '--verbose'], { env: env(f), secrets: [basic] });
    expect(v.code).toBe(0);
    expect(v.stderr).toContain('> authorization: Basic ***');
    const d = await runCli(['close', 'task', 'complete', t.id, '--dry-run'], { env: env(f), secrets: [basic] });
    expect(d.code).toBe(0);
    expect(d.stdout).toContain(`PUT ${f.url}/api/v1/task/${t.id}/?_fields=id%2Cis_complete`);
    expect(d.stdout).toContain('authorization: Basic ***');
    expect(f.requests).toHaveLength(1);
  });

  it('every close command has --help ending with an example', async () => {
    const commands = [['close'], ['close', 'task'], ['close', 'api'], ...['list', 'get', 'create', 'update', 'complete', 'reopen', 'delete'].map((v) => ['close', 'task', v])];
    for (const c of commands) {
      const r = await runCli([...c, '--help']);
      expect(r.code, c.join(' ')).toBe(0);
      const lines = r.stdout.trimEnd().split('\n').slice(0, -2); // then the pointer to the global options
      expect(lines.at(-1), c.join(' ')).toMatch(/^ {2}\$ taskctl close /);
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeClose } from '../servers/close.js';
import { startFake, taskctl, taskRequests } from './close-harness.js';

let fake: FakeClose | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function tmpFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-close-file-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('close task list', () => {
  it('asks for every type (_type=all) by default and prints a tab-separated table without a terminal', async () => {
    fake = await startFake();
    const [lead, call] = fake.seed([{ _type: 'lead', text: 'Call Bob' }, { _type: 'missed_call', phone: '+15550001' }]);
    const r = await taskctl(fake, ['close', 'task', 'list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('id\ttype\tdate\tdone\tassigned to\tlead\ttext');
    expect(lines.slice(1).map((l) => l.split('\t')[0])).toEqual([lead.id, call.id]);
    expect(lines[2]).toContain('+15550001');
    expect(fake.requests.at(-1)!.query.get('_type')).toBe('all');
    expect(fake.requests.at(-1)!.query.get('_limit')).toBe('50');
  });

  it('--json prints the data entries as Close sent them, across pages with --all', async () => {
    fake = await startFake();
    fake.seed(230);
    const r = await taskctl(fake, ['close', 'task', 'list', '--all', '--json']);
    expect(r.code).toBe(0);
    const items = r.json<Array<{ id: string; organization_id: string }>>();
    expect(items).toHaveLength(230);
    expect(new Set(items.map((t) => t.id)).size).toBe(230);
    expect(items[0].organization_id).toMatch(/^orga_/);
    const skips = taskRequests(fake).map((q) => q.query.get('_skip'));
    expect(skips).toEqual(['0', '100', '200']);
  });

  it('sends the filters: one type as _type, several as _type__in, lead, assignee, completeness, view', async () => {
    fake = await startFake();
    const lead = fake.addTask({ _type: 'missed_call' });
    fake.addTask({ _type: 'voicemail' });
    fake.addTask({ _type: 'lead' });
    let r = await taskctl(fake, ['close', 'task', 'list', '--type', 'missed_call,voicemail', '--json']);
    expect(r.json<unknown[]>()).toHaveLength(2);
    expect(fake.requests.at(-1)!.query.get('_type__in')).toBe('missed_call,voicemail');
    expect(fake.requests.at(-1)!.query.has('_type')).toBe(false);
    r = await taskctl(fake, ['close', 'task', 'list', '--type', 'lead', '--lead', lead.lead_id!, '--assigned-to', fake.user.id, '--incomplete', '--view', 'inbox', '--json']);
    expect(r.code).toBe(0);
    const q = fake.requests.at(-1)!.query;
    expect(Object.fromEntries(q)).toMatchObject({ _type: 'lead', lead_id: lead.lead_id, assigned_to: fake.user.id, is_complete: 'false', view: 'inbox' });
    expect(fake.requests.at(-1)!.headers['x-tz-offset']).toMatch(/^-?\d+(\.\d+)?$/);
  });

  it('--limit and --page translate into _skip/_limit and say on stderr when more match', async () => {
    fake = await startFake();
    const tasks = fake.seed(7);
    const r = await taskctl(fake, ['close', 'task', 'list', '--limit', '3', '--page', '2', '--json']);
    expect(r.json<Array<{ id: string }>>().map((t) => t.id)).toEqual(tasks.slice(3, 6).map((t) => t.id));
    expect(Object.fromEntries(fake.requests.at(-1)!.query)).toMatchObject({ _skip: '3', _limit: '3' });
    const human = await taskctl(fake, ['close', 'task', 'list', '--limit', '3']);
    expect(human.stderr).toBe('3 shown; --all for every item\n');
  });

  it('--fields limits the columns and is sent as _fields', async () => {
    fake = await startFake();
    const [t] = fake.seed([{ text: 'Only this' }]);
    const r = await taskctl(fake, ['close', 'task', 'list', '--fields', 'id,text']);
    expect(r.stdout).toBe(`id\ttext\n${t.id}\tOnly this\n`);
    expect(fake.requests.at(-1)!.query.get('_fields')).toBe('id,text');
  });

  it('an empty result prints nothing on stdout, a note on stderr, exit 0', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'list']);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toContain('no tasks match');
  });

  it.each([
    [['--complete', '--incomplete'], '--complete and --incomplete cannot be used together'],
    [['--lead', 'user_x'], '--lead "user_x": expected a Close lead id'],
    [['--assigned-to', 'bob'], '--assigned-to "bob": expected a Close user id'],
    [['--type', 'all,lead'], '--type all already means every type'],
    [['--type', 'Missed Call'], '--type "Missed Call": not a task type'],
    [['--view', 'archive', '--incomplete'], '--view archive lists completed tasks only'],
    [['--view', 'later'], "argument 'later' is invalid"],
    [['--limit', '0'], 'expected a positive whole number for --limit'],
    [['--all', '--page', '2'], '--page and --all cannot be used together'],
  ])('refuses %j with exit 2 and sends nothing', async (flags, message) => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'list', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fake.requests).toHaveLength(0);
  });

  it('warns about a type Close does not document but still asks for it', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'list', '--type', 'carrier_pigeon', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('unknown task type carrier_pigeon');
    expect(fake.requests.at(-1)!.query.get('_type')).toBe('carrier_pigeon');
  });
});

describe('close task get', () => {
  it('prints a key-value block, or the task object with --json', async () => {
    fake = await startFake();
    const t = fake.addTask({ text: 'Renewal call', date: '2025-04-01' });
    const r = await taskctl(fake, ['close', 'task', 'get', t.id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ID\t${t.id}\n`);
    expect(r.stdout).toContain('Text\tRenewal call\n');
    expect(r.stdout).toContain('Date\t2025-04-01\n');
    expect(r.stdout).toContain('Complete\tno\n');
    const j = await taskctl(fake, ['close', 'task', 'get', t.id, '--json']);
    expect(j.json()).toMatchObject({ id: t.id, text: 'Renewal call', _type: 'lead', is_complete: false });
    expect(fake.requests.at(-1)!.path).toBe(`/api/v1/task/${t.id}/`);
  });

  it('a task that does not exist is exit 5 with the server message', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'get', 'task_doesNotExist1']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('taskctl: task task_doesNotExist1 not found');
    expect(r.stderr).toContain('Task matching query does not exist');
  });

  it('--json errors print one JSON error line on stderr and nothing on stdout', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'get', 'task_doesNotExist1', '--json']);
    expect(r.stdout).toBe('');
    expect(r.errorJson()).toMatchObject({ error: { code: 5, status: 404, message: expect.stringContaining('task task_doesNotExist1 not found') } });
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('an id without the task_ prefix is exit 2 and nothing is sent', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'get', 'lead_abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid task id "lead_abc"');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('close task update', () => {
  it('sends only the fields given, as a partial PUT, and prints the updated task', async () => {
    fake = await startFake();
    const t = fake.addTask({ text: 'Old' });
    const r = await taskctl(fake, ['close', 'task', 'update', t.id, '--date', '2025-04-01T09:30:00Z', '--priority', 'high', '--complete', '--text', 'New', '--assigned-to', fake.user.id, '--resolution', 'skipped']);
    expect(r.code).toBe(0);
    const [put] = taskRequests(fake);
    expect(put.method).toBe('PUT');
    expect(put.path).toBe(`/api/v1/task/${t.id}/`);
    expect(JSON.parse(put.body)).toEqual({ date: '2025-04-01T09:30:00Z', priority: 'high', is_complete: true, text: 'New', assigned_to: fake.user.id, resolution: 'skipped' });
    expect(fake.tasks.get(t.id)).toMatchObject({ text: 'New', is_complete: true, priority: 'high', date: '2025-04-01T09:30:00Z' });
    expect(r.stdout).toContain('Text\tNew\n');
    expect(r.stdout).toContain('Complete\tyes\n');
  });

  it('--file gives the fields and flags override them field by field; --fields is sent as _fields', async () => {
    fake = await startFake();
    const t = fake.addTask();
    const file = tmpFile('u.json', JSON.stringify({ date: '2025-01-01', priority: 'medium', is_complete: true }));
    const r = await taskctl(fake, ['close', 'task', 'update', t.id, '--file', file, '--priority', 'high', '--fields', 'id,priority', '--json']);
    expect(r.code).toBe(0);
    const [put] = taskRequests(fake);
    expect(JSON.parse(put.body)).toEqual({ date: '2025-01-01', priority: 'high', is_complete: true });
    expect(put.query.get('_fields')).toBe('id,priority');
    expect(r.json()).toEqual({ id: t.id, priority: 'high' });
  });

  it('--file - reads the fields from stdin', async () => {
    fake = await startFake();
    const t = fake.addTask();
    const r = await taskctl(fake, ['close', 'task', 'update', t.id, '--file', '-'], { input: '{"is_complete": true}' });
    expect(r.code).toBe(0);
    expect(fake.tasks.get(t.id)!.is_complete).toBe(true);
  });

  it('--due-date sends the deprecated due_date and says so; --incomplete sends is_complete false', async () => {
    fake = await startFake();
    const t = fake.addTask({ is_complete: true });
    const r = await taskctl(fake, ['close', 'task', 'update', t.id, '--due-date', '2025-05-05', '--incomplete']);
    expect(r.code).toBe(0);
    expect(JSON.parse(taskRequests(fake)[0].body)).toEqual({ due_date: '2025-05-05', is_complete: false });
    expect(r.stderr).toContain('due_date is a deprecated alias of date');
  });

  it('--text on a call task: Close refuses it, exit 1, one line per field and a hint', async () => {
    fake = await startFake();
    const t = fake.addTask({ _type: 'missed_call' });
    const r = await taskctl(fake, ['close', 'task', 'update', t.id, '--text', 'hello', '--date', '2025-01-01']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Close rejected the request (400 Bad Request) (Close accepts text only on lead tasks)');
    expect(r.stderr).toContain('text: Text can only be set on tasks of type lead.');
  });

  it('a 400 with several field errors prints one line per field', async () => {
    fake = await startFake();
    const t = fake.addTask({ _type: 'voicemail' });
    const file = tmpFile('bad.json', JSON.stringify({ text: 'x', lead_id: null }));
    fake.failNext(1, 400, {}, { errors: ['Something is off.'], 'field-errors': { text: 'Text can only be set on tasks of type lead.', date: 'Invalid date.' } });
    const r = await taskctl(fake, ['close', 'task', 'update', t.id, '--file', file]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    expect(lines).toContain('server said: Something is off.');
    expect(lines).toContain('  text: Text can only be set on tasks of type lead.');
    expect(lines).toContain('  date: Invalid date.');
  });

  it('--text with answers limited by --fields warns that only lead tasks take text', async () => {
    fake = await startFake();
    const t = fake.addTask();
    const r = await taskctl(fake, ['close', 'task', 'update', t.id, '--text', 'Call again', '--fields', 'id']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Close accepts text only on lead tasks');
    expect(fake.tasks.get(t.id)!.text).toBe('Call again');
  });

  it.each([
    [['--date', '2025-02-30'], '--date "2025-02-30": expected a date such as 2025-03-31'],
    [['--date', 'tomorrow'], '--date "tomorrow": expected'],
    [['--due-date', '2025-01-01T25:00'], '--due-date "2025-01-01T25:00": expected'],
    [['--date', '2025-01-01', '--due-date', '2025-01-02'], '--date and --due-date cannot be used together'],
    [['--complete', '--incomplete'], '--complete and --incomplete cannot be used together'],
    [['--priority', 'urgent'], "argument 'urgent' is invalid"],
    [['--resolution', 'done'], "argument 'done' is invalid"],
    [['--assigned-to', 'lead_x'], '--assigned-to "lead_x": expected a Close user id'],
    [[], 'nothing to update'],
  ])('refuses %j with exit 2 and sends nothing', async (flags, message) => {
    fake = await startFake();
    const t = fake.addTask();
    const r = await taskctl(fake, ['close', 'task', 'update', t.id, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fake.requests).toHaveLength(0);
  });

  it('validates a --file body before sending: unknown fields, wrong types, bad JSON with line:column', async () => {
    fake = await startFake();
    const t = fake.addTask();
    let r = await taskctl(fake, ['close', 'task', 'update', t.id, '--file', tmpFile('a.json', '{"is_completed": true}')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown field "is_completed"');
    r = await taskctl(fake, ['close', 'task', 'update', t.id, '--file', tmpFile('b.json', '{"is_complete": "yes", "date": "2025-13-01"}')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is_complete:');
    expect(r.stderr).toContain('received string "yes"');
    expect(r.stderr).toContain('date: expected a date such as');
    const bad = tmpFile('c.json', '{\n  "date": "2025-01-01",\n  oops\n}');
    r = await taskctl(fake, ['close', 'task', 'update', t.id, '--file', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:3:`);
    r = await taskctl(fake, ['close', 'task', 'update', t.id, '--file', tmpFile('d.json', '[1]')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected a JSON object');
    expect(fake.requests).toHaveLength(0);
  });

  it('--dry-run prints the PUT with the key masked and sends nothing', async () => {
    fake = await startFake();
    const t = fake.addTask();
    const r = await taskctl(fake, ['close', 'task', 'update', t.id, '--complete', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`PUT ${fake.url}/api/v1/task/${t.id}/`);
    expect(r.stdout).toContain('authorization: Basic ***');
    expect(r.stdout).toContain('"is_complete": true');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('close task complete / reopen', () => {
  it('sends one bulk PUT {"is_complete":true} with id__in and _type=all, reads the ids back, reports each once', async () => {
    fake = await startFake();
    const ts = fake.seed([{}, { _type: 'missed_call' }, { _type: 'incoming_email' }]);
    const r = await taskctl(fake, ['close', 'task', 'complete', ...ts.map((t) => t.id)]);
    expect(r.code).toBe(0);
    const sent = taskRequests(fake);
    const ids = ts.map((t) => t.id).join(',');
    expect(sent.map((p) => [p.method, p.path, Object.fromEntries(p.query)])).toEqual([
      ['PUT', '/api/v1/task/', { id__in: ids, _type: 'all' }],
      ['GET', '/api/v1/task/', { id__in: ids, _type: 'all', _fields: 'id,is_complete', _limit: '3' }],
    ]);
    expect(JSON.parse(sent[0].body)).toEqual({ is_complete: true });
    const rows = r.stdout.split('\n').filter(Boolean);
    expect(rows[0]).toBe('task\tresult\tstatus\tdetail');
    expect(rows.slice(1)).toEqual(ts.map((t) => `${t.id}\tcompleted\t200\t`));
    expect(r.stderr).toContain('3 of 3 completed');
    expect(ts.every((t) => fake!.tasks.get(t.id)!.is_complete)).toBe(true);
  });

  it('reopen sends is_complete false; ids come from stdin with -', async () => {
    fake = await startFake();
    const ts = fake.seed([{ is_complete: true }, { is_complete: true }]);
    const r = await taskctl(fake, ['close', 'task', 'reopen', '-', '--json'], { input: `# reopen these\n${ts[0].id}\n\n${ts[1].id}\n` });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      results: ts.map((t) => ({ id: t.id, ok: true, status: 200, error: null })),
      summary: { total: 2, succeeded: 2, failed: 0 },
    });
    expect(ts.every((t) => fake!.tasks.get(t.id)!.is_complete === false)).toBe(true);
  });

  it('exits 7 when some fail, with the failure in the table and in --json', async () => {
    fake = await startFake();
    const [t] = fake.seed(1);
    const r = await taskctl(fake, ['close', 'task', 'complete', t.id, 'task_gone', '--json']);
    expect(r.code).toBe(7);
    const j = r.json<{ results: Array<{ id: string; ok: boolean; status: number; error: string | null }>; summary: object }>();
    expect(j.results[0]).toMatchObject({ id: t.id, ok: true, status: 200 });
    expect(j.results[1]).toMatchObject({ id: 'task_gone', ok: false, status: 404 });
    expect(j.results[1].error).toContain('not found');
    expect(j.summary).toEqual({ total: 2, succeeded: 1, failed: 1 });
    expect(r.stderr).toContain('1 of 2 completed, 1 failed');
  });

  it('exits 5 when every id is not found', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'complete', 'task_a1', 'task_b2']);
    expect(r.code).toBe(5);
  });

  it('retries a 429 (RateLimit reset) and still reports every id once', async () => {
    fake = await startFake();
    const ts = fake.seed(4);
    fake.failNext(2, 429, { RateLimit: 'limit=2, remaining=0, reset=0.05' }, { error: { message: 'API call count exceeded for this period', rate_reset: 0.05 } });
    const r = await taskctl(fake, ['close', 'task', 'complete', ...ts.map((t) => t.id), '--json']);
    expect(r.code).toBe(0);
    expect(r.json<{ summary: object }>().summary).toEqual({ total: 4, succeeded: 4, failed: 0 });
    // the bulk PUT twice refused, then accepted (it is idempotent), then the read-back
    expect(taskRequests(fake).map((q) => q.method)).toEqual(['PUT', 'PUT', 'PUT', 'GET']);
    expect(r.stderr).toContain('Close rate-limited 2 of 4 requests');
    expect(fake.stats().unfilteredBulkPuts).toBe(0);
  });

  it('gives up after --retries and names the endpoint group and the fix', async () => {
    fake = await startFake();
    const [t] = fake.seed(1);
    fake.failNext(5, 429, { 'Retry-After': '0' }, { error: { message: 'API call count exceeded for this period', rate_endpoint_group: 'PUT /task/{id}/', rate_limit: 20, rate_window: 1, rate_reset: 0.01 } });
    const r = await taskctl(fake, ['close', 'task', 'complete', t.id, '--retries', '1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Close's rate limit was still exceeded after 1 retry (endpoint group PUT /task/{id}/, limit 20 per 1 s)");
    expect(taskRequests(fake)).toHaveLength(2);
    expect(fake.tasks.get(t.id)!.is_complete).toBe(false);
  });

  it('an invalid id among many is exit 2 before anything is sent; repeated ids are sent once', async () => {
    fake = await startFake();
    const [t] = fake.seed(1);
    let r = await taskctl(fake, ['close', 'task', 'complete', t.id, 'abc', '12']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid task ids: "abc"');
    expect(fake.requests).toHaveLength(0);
    r = await taskctl(fake, ['close', 'task', 'complete', t.id, t.id]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('ignoring repeated task id');
    expect(taskRequests(fake)).toHaveLength(1);
  });

  it('no ids on stdin is a no-op: exit 0, a note on stderr, an empty report with --json, nothing sent', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'complete', '-'], { input: '\n# nothing\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('nothing was sent');
    const j = await taskctl(fake, ['close', 'task', 'complete', '-', '--json'], { input: '' });
    expect(j.code).toBe(0);
    expect(j.json()).toEqual({ results: [], summary: { total: 0, succeeded: 0, failed: 0 } });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('close task delete', () => {
  it('refuses without a terminal unless --yes, then deletes each id (200 {} or 204)', async () => {
    fake = await startFake({ deleteStatus: 204 });
    const ts = fake.seed(2);
    let r = await taskctl(fake, ['close', 'task', 'delete', ts[0].id, ts[1].id]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Delete 2 Close tasks: confirmation needed (pass --yes');
    expect(fake.requests).toHaveLength(0);
    r = await taskctl(fake, ['close', 'task', 'delete', ts[0].id, ts[1].id, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${ts[0].id}\tdeleted\t204`);
    expect(fake.tasks.size).toBe(0);
    expect(taskRequests(fake).map((q) => q.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('accepts the 200 {} answer too; a missing task is exit 5', async () => {
    fake = await startFake();
    const [t] = fake.seed(1);
    let r = await taskctl(fake, ['close', 'task', 'delete', t.id, '-y', '--json']);
    expect(r.json()).toMatchObject({ results: [{ id: t.id, ok: true, status: 200 }] });
    r = await taskctl(fake, ['close', 'task', 'delete', t.id, '-y']);
    expect(r.code).toBe(5);
  });
});

describe('close task create', () => {
  it('POSTs a lead task and prints it', async () => {
    fake = await startFake();
    const lead = 'lead_QyNaWw4fdSwxl5Mc5daMFf3Y27PpIcH0awPbC9l7uyo';
    const r = await taskctl(fake, ['close', 'task', 'create', '--lead', lead, '--text', 'Send the quote', '--date', '2025-04-01', '--assigned-to', fake.user.id, '--json']);
    expect(r.code).toBe(0);
    const [post] = taskRequests(fake);
    expect(post.method).toBe('POST');
    expect(post.path).toBe('/api/v1/task/');
    expect(JSON.parse(post.body)).toEqual({ _type: 'lead', lead_id: lead, text: 'Send the quote', date: '2025-04-01', assigned_to: fake.user.id });
    const created = r.json<{ id: string }>();
    expect(fake.tasks.get(created.id)).toMatchObject({ text: 'Send the quote', lead_id: lead });
  });

  it('--file can create an outgoing_call task; flags override the file', async () => {
    fake = await startFake();
    const file = tmpFile('c.json', JSON.stringify({ _type: 'outgoing_call', lead_id: 'lead_one', date: '2025-01-01' }));
    const r = await taskctl(fake, ['close', 'task', 'create', '--file', file, '--lead', 'lead_two']);
    expect(r.code).toBe(0);
    expect(JSON.parse(taskRequests(fake)[0].body)).toEqual({ _type: 'outgoing_call', lead_id: 'lead_two', date: '2025-01-01' });
    // like every create: the new id alone on stdout
    const [id] = [...fake.tasks.keys()].filter((k) => fake!.tasks.get(k)?.lead_id === 'lead_two');
    expect(r.stdout).toBe(`${id}\n`);
  });

  it.each([
    [['--text', 'x'], '--lead is required'],
    [['--lead', 'lead_abc'], '--text is required'],
    [['--lead', 'task_abc', '--text', 'x'], '--lead "task_abc": expected a Close lead id'],
    [['--lead', 'lead_abc', '--text', 'x', '--date', '01/02/2025'], '--date "01/02/2025": expected'],
  ])('refuses %j with exit 2 and sends nothing', async (flags, message) => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'create', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a --file _type Close cannot create', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'create', '--file', tmpFile('e.json', '{"_type":"voicemail","lead_id":"lead_a"}')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('_type:');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('close api and profile test', () => {
  it('api sends an authenticated request to a /api/v1 path and prints the JSON', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'api', 'GET', '/api/v1/me/']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: fake.user.id, email: fake.user.email });
    expect(fake.requests[0].headers.authorization).toBe(fake.authHeader());
  });

  it('api to a path without /api/v1 or without the trailing slash is exit 5 with a hint', async () => {
    fake = await startFake();
    let r = await taskctl(fake, ['close', 'api', 'GET', '/me/']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('Close API paths start with /api/v1/');
    r = await taskctl(fake, ['close', 'api', 'GET', '/api/v1/me']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('Close API paths end with a slash');
  });

  it('a profile url that already ends in /api/v1 is not doubled', async () => {
    fake = await startFake();
    const t = fake.addTask();
    const r = await taskctl(fake, ['close', 'task', 'get', t.id], { env: { CLOSE_URL: `${fake.url}/api/v1/` } });
    expect(r.code).toBe(0);
    expect(fake.requests[0].path).toBe(`/api/v1/task/${t.id}/`);
  });

  it('profile test checks the key with GET /api/v1/me/', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['profile', 'test', '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, provider: 'close', userId: fake.user.id, user: `Test User <${fake.user.email}>` });
    expect(fake.requests.map((q) => q.path)).toEqual(['/api/v1/me/']);
  });

  it('a wrong key is exit 4 with a hint, and the key is never printed', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['profile', 'test'], { env: { CLOSE_API_KEY: 'wrong_key_123456' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('Close refused the API key (401');
    expect(r.stderr).toContain('empty password');
    expect(r.stderr).not.toContain('wrong_key_123456');
  });

  it('no API key at all is a configuration error (exit 3) naming CLOSE_API_KEY', async () => {
    fake = await startFake();
    const r = await taskctl(fake, ['close', 'task', 'list'], { env: { CLOSE_API_KEY: '' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('CLOSE_API_KEY');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('close on a terminal, and Ctrl-C', () => {
  it('list on a terminal: aligned columns, upper-case headers, long text cut to the width (--wide: whole)', async () => {
    fake = await startFake();
    const [t] = fake.seed([{ text: 'x'.repeat(100) }]);
    const r = await taskctl(fake, ['close', 'task', 'list', '--no-color'], { stdoutTTY: true, columns: 120 });
    const [head, row] = r.stdout.split('\n');
    expect(head).toMatch(/^ID {2,}TYPE {2,}DATE {2,}DONE {2,}ASSIGNED TO {2,}LEAD {2,}TEXT$/);
    expect(row.startsWith(`${t.id}  lead`)).toBe(true);
    expect(row).toMatch(/ x+…$/);
    expect(row.length).toBeLessThanOrEqual(120);
    const wide = await taskctl(fake, ['close', 'task', 'list', '--no-color', '--wide'], { stdoutTTY: true, columns: 120 });
    expect(wide.stdout).toContain('x'.repeat(100));
  });

  it('complete with stderr on a terminal draws a progress bar and clears it before the summary', async () => {
    fake = await startFake();
    const ts = fake.seed(5);
    const r = await taskctl(fake, ['close', 'task', 'complete', ...ts.map((t) => t.id), '--no-color'], { stderrTTY: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('completing [');
    expect(r.stderr).toMatch(/\] [0-4]\/5 /);
    // the bar is wiped (\r + spaces + \r) and the summary stands on its own line
    expect(r.stderr).toMatch(/\r +\r5 of 5 completed\n$/);
  });

  it('Ctrl-C during a rate-limited run: stops sending, reports every id once, exit 130', async () => {
    // a bulk endpoint-less server: one PUT per id, at 2 a second
    fake = await startFake({ rateLimit: { requestsPerSecond: 2 }, bulkStatus: 405 });
    const ts = fake.seed(10);
    const r = await taskctl(fake, ['close', 'task', 'complete', ...ts.map((t) => t.id), '--json', '--concurrency', '2'], { abortAfterMs: 400 });
    expect(r.code).toBe(130);
    const j = r.json<{ results: Array<{ id: string; ok: boolean; error: string | null }>; summary: { total: number; succeeded: number; notSent?: number } }>();
    expect(j.results.map((x) => x.id)).toEqual(ts.map((t) => t.id));
    const done = j.results.filter((x) => x.ok).map((x) => x.id);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.length).toBeLessThan(10);
    expect(j.summary.notSent).toBeGreaterThan(0);
    // what the table says was done is exactly what the server did
    expect(ts.filter((t) => fake!.tasks.get(t.id)!.is_complete).map((t) => t.id)).toEqual(done);
  });
});

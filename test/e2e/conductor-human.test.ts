/**
 * `taskctl conductor human …` through the built binary against the fake Orkes server: each verb, each
 * input form, table and --json output, exit codes, and bad input that sends nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CANARY, runCli, sandboxDir } from '../helpers/cli.js';
import { startConductor, type ConductorOptions, type FakeConductor } from '../servers/conductor.js';

let s: FakeConductor;
let cache: string;

async function start(opts: ConductorOptions = {}) {
  s = await startConductor({ keySecret: CANARY.conductorSecret, lifetimeMs: 60_000, ...opts });
  cache = fs.mkdtempSync(path.join(sandboxDir(), 'cache-'));
}
beforeEach(async () => start());
afterEach(async () => s.close());

const env = () => ({ CONDUCTOR_SERVER_URL: s.url, CONDUCTOR_AUTH_KEY: s.keyId, CONDUCTOR_AUTH_SECRET: CANARY.conductorSecret, XDG_CACHE_HOME: cache });
const me = () => ({ user: s.callerUser, userType: 'CONDUCTOR_USER' as const });
const tc = (...args: string[]) => runCli(['conductor', 'human', ...args], { env: env() });
const humanCalls = () => s.requests.filter((r) => r.path.startsWith('/api/human'));

interface ManyResult {
  results: { id: string; ok: boolean; status: number | null; error: string | null; note?: string; data?: Record<string, unknown> }[];
  summary: { total: number; succeeded: number; failed: number };
}

describe('conductor human complete / update by task id', () => {
  it('completes several tasks with the same merged body: --data, then --file, then --field', async () => {
    s.addTask({ taskId: 'h1', claimant: me(), assignee: me() });
    s.addTask({ taskId: 'h2', claimant: me(), assignee: me() });
    const file = path.join(sandboxDir(), 'form-merge.json');
    fs.writeFileSync(file, JSON.stringify({ comment: 'from file', reviewer: { name: 'File', team: 'ops' } }));
    const r = await tc('complete', 'h1', 'h2', '--data', '{"comment":"from data","approved":false,"score":1}', '--file', file, '--field', 'approved:=true', '--field', 'reviewer.name=Jane');
    expect(r.code).toBe(0);
    const body = { comment: 'from file', approved: true, score: 1, reviewer: { name: 'Jane', team: 'ops' } };
    expect([...s.actions].sort((a, b) => a.taskId.localeCompare(b.taskId))).toEqual([
      { action: 'update', taskId: 'h1', output: body, complete: true, byRef: false },
      { action: 'update', taskId: 'h2', output: body, complete: true, byRef: false },
    ]);
    const sent = humanCalls();
    expect(sent.map((q) => `${q.method} ${q.url}`).sort()).toEqual(['POST /api/human/tasks/h1/update?complete=true', 'POST /api/human/tasks/h2/update?complete=true']);
    expect(s.tasks.get('h1')!.state).toBe('COMPLETED');
    expect(r.stdout).toBe('task id\tresult\tstatus\tdetail\nh1\tcompleted\t200\t\nh2\tcompleted\t200\t\n');
    expect(r.stderr).toBe('2 of 2 completed\n');
  });

  it('--json reports every id, and exit 7 when one of them fails', async () => {
    s.addTask({ taskId: 'h1', claimant: me() });
    s.addTask({ taskId: 'done', claimant: me(), state: 'COMPLETED' });
    const r = await tc('complete', 'h1', 'done', '--field', 'ok:=true', '--json');
    expect(r.code).toBe(7);
    const doc = r.json<ManyResult>();
    expect(doc.summary).toEqual({ total: 2, succeeded: 1, failed: 1 });
    expect(doc.results[0]).toEqual({ id: 'h1', ok: true, status: 200, error: null });
    expect(doc.results[1]).toMatchObject({ id: 'done', ok: false, status: 400 });
    expect(doc.results[1].error).toMatch(/already in terminal state COMPLETED/);
    expect(r.stderr).toContain('1 of 2 completed, 1 failed');
  });

  it('reads the ids from standard input with -', async () => {
    s.addTask({ taskId: 'h1', claimant: me() });
    s.addTask({ taskId: 'h2', claimant: me() });
    const r = await runCli(['conductor', 'human', 'complete', '-', '--data', '{"approved":true}', '--json'], { env: env(), input: '["h1","h2"]' });
    expect(r.code).toBe(0);
    expect(r.json<ManyResult>().results.map((x) => x.id)).toEqual(['h1', 'h2']);
    expect(s.actions.map((a) => a.taskId).sort()).toEqual(['h1', 'h2']);
  });

  it('update saves the fields without completing; the body may come from --file -', async () => {
    s.addTask({ taskId: 'h1', claimant: me() });
    const r = await runCli(['conductor', 'human', 'update', 'h1', '--file', '-'], { env: env(), input: '{\n  "comment": "draft"\n}\n' });
    expect(r.code).toBe(0);
    expect(humanCalls().map((q) => q.url)).toEqual(['/api/human/tasks/h1/update?complete=false']);
    expect(s.tasks.get('h1')).toMatchObject({ state: 'IN_PROGRESS', output: { comment: 'draft' } });
    expect(r.stdout).toContain('h1\tupdated\t200');
  });

  it('an unknown task id (400 from Orkes) fails with the server message', async () => {
    const r = await tc('complete', 'nope', '--field', 'a=b');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/nope\tfailed\t400\tcomplete nope: refused by 127\.0\.0\.1:\d+ \(400 Bad Request\): Human task not found: nope/);
    expect(r.stderr).toContain('0 of 1 completed, 1 failed');
  });
});

describe('conductor human complete / update by workflow id and task reference', () => {
  it('completes the task of that reference and loop iteration, sending repeated iteration keys', async () => {
    s.addTask({ taskId: 'it0', workflowId: 'wf-9', taskRefName: 'review', claimant: me(), iteration: [0, 0] });
    s.addTask({ taskId: 'it1', workflowId: 'wf-9', taskRefName: 'review', claimant: me(), iteration: [0, 1] });
    const r = await tc('complete', '--workflow-id', 'wf-9', '--task-ref', 'review', '--iteration', '0', '--iteration', '0', '--field', 'approved:=true');
    expect(r.code).toBe(0);
    const q = humanCalls()[0];
    expect(q.path).toBe('/api/human/tasks/update/taskRef');
    expect(q.query.get('workflowId')).toBe('wf-9');
    expect(q.query.get('taskRefName')).toBe('review');
    expect(q.query.get('complete')).toBe('true');
    expect(q.query.getAll('iteration')).toEqual(['0', '0']);
    expect(JSON.parse(q.body)).toEqual({ approved: true });
    expect(s.tasks.get('it0')!.state).toBe('COMPLETED');
    expect(s.tasks.get('it1')!.state).toBe('IN_PROGRESS');
    expect(r.stdout).toBe('Workflow\twf-9\nTask ref\treview\nIteration\t0,0\nResult\tcompleted\n');
  });

  it('without --iteration targets the latest; update sends complete=false; --json prints the outcome', async () => {
    s.addTask({ taskId: 'old', workflowId: 'wf-1', taskRefName: 'approve', claimant: me(), iteration: 0 });
    s.addTask({ taskId: 'new', workflowId: 'wf-1', taskRefName: 'approve', claimant: me(), iteration: 1 });
    const r = await tc('update', '--workflow-id', 'wf-1', '--task-ref', 'approve', '--data', '{"note":"later"}', '--json');
    expect(r.code).toBe(0);
    expect(humanCalls()[0].query.get('complete')).toBe('false');
    expect(humanCalls()[0].query.has('iteration')).toBe(false);
    expect(s.actions).toEqual([{ action: 'update', taskId: 'new', output: { note: 'later' }, complete: false, byRef: true }]);
    expect(r.json()).toEqual({ ok: true, status: 200, workflowId: 'wf-1', taskRefName: 'approve', complete: false, server: 'orkes' });
  });

  it('no task with that reference exits 5', async () => {
    const r = await tc('complete', '--workflow-id', 'wf-x', '--task-ref', 'approve', '--json');
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.errorJson()).toMatchObject({ error: { code: 5, status: 404, message: 'complete approve of workflow wf-x: not found: No human task found for workflowId wf-x and taskRefName approve' } });
  });
});

describe('conductor human complete / update: bad input sends nothing', () => {
  const cases: [string, string[], RegExp][] = [
    ['a non-object body', ['complete', 'h1', '--data', '[1,2]'], /--data: expected a JSON object, received an array/],
    ['malformed JSON with line and column', ['complete', 'h1', '--data', '{"a":1,}'], /--data: invalid JSON at column 8: trailing comma/],
    ['a bad --field', ['complete', 'h1', '--field', 'approved'], /--field "approved": no "=" in it \(write name=value \(a string\) or name:=<json>/],
    ['a bad typed --field', ['complete', 'h1', '--field', 'n:=nope'], /--field "n" value "nope": invalid JSON at column 1: unexpected character "n"/],
    // the JSON's position never reads as part of the field name ("approved:1:2")
    ['a typed --field whose value is not JSON', ['complete', 'h1', '--field', 'approved:=1:1'], /^taskctl: --field "approved" value "1:1": invalid JSON at column 2: unexpected text after the JSON value \(after := comes JSON .*a plain string is approved=…; nothing was sent\)\n$/],
    ['a --field with colons but no =', ['complete', 'h1', '--field', 'approved:1:1'], /^taskctl: --field "approved:1:1": no "=" in it/],
    ['a missing task reference', ['complete', '--workflow-id', 'wf-1', '--field', 'a=b'], /--workflow-id needs --task-ref/],
    ['a missing workflow id', ['update', '--task-ref', 'approve', '--field', 'a=b'], /--task-ref needs --workflow-id/],
    ['no task at all', ['complete', '--field', 'a=b'], /which task\? give one or more task ids, or --workflow-id and --task-ref/],
    ['ids and a reference together', ['complete', 'h1', '--workflow-id', 'wf', '--task-ref', 'r'], /not both/],
    ['a bad --iteration', ['complete', '--workflow-id', 'wf', '--task-ref', 'r', '--iteration', 'two'], /--iteration "two": expected a whole number/],
    ['--iteration with task ids', ['complete', 'h1', '--iteration', '1'], /--iteration only applies with --workflow-id and --task-ref/],
    ['an invalid task id', ['complete', 'a/b', '--field', 'a=b'], /invalid task id: "a\/b"/],
    ['update with no fields', ['update', 'h1'], /nothing to update/],
    ['a missing --file', ['complete', 'h1', '--file', 'no-such-file.json'], /cannot read --file no-such-file.json: no such file/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: exit 2`, async () => {
      const r = await tc(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(s.requests).toHaveLength(0);
    });
  }

  it('a non-object --file names the file', async () => {
    const file = path.join(sandboxDir(), 'scalar.json');
    fs.writeFileSync(file, '"yes"');
    const r = await tc('complete', 'h1', '--file', file, '--json');
    expect(r.code).toBe(2);
    expect(r.errorJson()).toMatchObject({ error: { code: 2, status: null, message: expect.stringContaining(`--file ${file}: expected a JSON object, received string "yes"`) } });
    expect(s.requests).toHaveLength(0);
  });
});

describe('conductor human list', () => {
  function seed() {
    s.addTask({ taskId: 'l1', assignee: me(), displayName: 'Approve invoice', definitionName: 'approval', workflowId: 'wf-1', taskRefName: 'approve', input: { amount: 250 } });
    s.addTask({ taskId: 'l2', claimant: me(), assignee: me(), definitionName: 'review', workflowId: 'wf-2', taskRefName: 'review' });
    s.addTask({ taskId: 'other', assignee: { user: 'someone-else', userType: 'CONDUCTOR_USER' } });
  }

  it('searches the INBOX by default and prints a table without the internal input keys', async () => {
    seed();
    const r = await tc('list');
    expect(r.code).toBe(0);
    const q = humanCalls()[0];
    expect(`${q.method} ${q.path}`).toBe('POST /api/human/tasks/search');
    expect(JSON.parse(q.body)).toEqual({ searchType: 'INBOX', start: 0, size: 50 });
    const lines = r.stdout.split('\n').slice(0, -1);
    expect(lines[0]).toBe('task id\tstate\tname\tdefinition\tassignee\tclaimant\tworkflow id\ttask ref\tupdated\tinput');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^l1\tASSIGNED\tApprove invoice\tapproval\tuser:user-1\t\twf-1\tapprove\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\t\{"amount":250\}$/);
    expect(lines[2]).toMatch(/^l2\tIN_PROGRESS\t.*\tuser:user-1\tuser:user-1\twf-2\treview\t.*\t$/);
    expect(r.stdout).not.toContain('__humanTask');
  });

  it('--json keeps the server objects, internal keys included', async () => {
    seed();
    const r = await tc('list', '--json');
    expect(r.code).toBe(0);
    const items = r.json<{ taskId: string; input: Record<string, unknown> }[]>();
    expect(items.map((t) => t.taskId)).toEqual(['l1', 'l2']);
    expect(items[0].input.amount).toBe(250);
    expect(items[0].input.__humanTaskDefinition).toBeDefined();
    expect(items[0]).toEqual(JSON.parse(JSON.stringify(s.tasks.get('l1'))));
  });

  it('sends every filter and the search type', async () => {
    seed();
    const r = await tc('list', '--search-type', 'admin', '--state', 'assigned,in_progress', '--assignee', 'user:user-1', '--assignee', 'group:ops', '--claimant', 'user-1', '--definition', 'approval', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(humanCalls()[0].body)).toEqual({
      searchType: 'ADMIN',
      states: ['ASSIGNED', 'IN_PROGRESS'],
      assignees: [{ user: 'user-1', userType: 'CONDUCTOR_USER' }, { user: 'ops', userType: 'CONDUCTOR_GROUP' }],
      claimants: [{ user: 'user-1', userType: 'CONDUCTOR_USER' }],
      definitionNames: ['approval'],
      start: 0,
      size: 50,
    });
    expect(r.json()).toEqual([]);
  });

  it('--all follows start/size paging across pages', async () => {
    await s.close();
    await start({ maxPageSize: 10 });
    for (let i = 0; i < 25; i++) s.addTask({ taskId: `p${String(i).padStart(2, '0')}`, assignee: me() });
    const r = await tc('list', '--all', '--json');
    expect(r.code).toBe(0);
    expect(r.json<{ taskId: string }[]>().map((t) => t.taskId)).toEqual(Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`));
    expect(humanCalls().map((q) => JSON.parse(q.body).start)).toEqual([0, 10, 20]);
    expect(humanCalls().every((q) => JSON.parse(q.body).searchType === 'INBOX')).toBe(true);
  });

  it('--limit caps the items and says how many more there are', async () => {
    for (let i = 0; i < 8; i++) s.addTask({ taskId: `q${i}`, assignee: me() });
    const r = await tc('list', '--limit', '3');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(r.stderr).toContain('3 shown; --all for every item\n');
    expect(JSON.parse(humanCalls()[0].body)).toMatchObject({ start: 0, size: 3 });
    const page = await tc('list', '--limit', '3', '--page', '3', '--json');
    expect(page.json<{ taskId: string }[]>().map((t) => t.taskId)).toEqual(['q6', 'q7']);
  });

  it('an empty inbox prints nothing on stdout and a hint on stderr', async () => {
    const r = await tc('list');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no human tasks matched.*--search-type ADMIN/);
  });

  it('bad filters exit 2 before anything is sent', async () => {
    for (const args of [['--state', 'DONE'], ['--search-type', 'ALL'], ['--assignee', 'team:x'], ['--limit', '0']]) {
      const r = await tc('list', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--state "DONE"|--search-type "ALL"|--assignee "team:x"|--limit/);
    }
    expect(s.requests).toHaveLength(0);
  });
});

describe('conductor human get', () => {
  it('prints a key-value block without the internal input keys', async () => {
    s.addTask({ taskId: 'g1', assignee: { user: 'approvers', userType: 'CONDUCTOR_GROUP' }, displayName: 'Approve', workflowId: 'wf-7', workflowName: 'expenses', taskRefName: 'approve', input: { amount: 9 }, createdOn: Date.UTC(2024, 0, 2, 3, 4, 5) });
    const r = await tc('get', 'g1');
    expect(r.code).toBe(0);
    expect(humanCalls().map((q) => `${q.method} ${q.url}`)).toEqual(['GET /api/human/tasks/g1']);
    expect(r.stdout).toContain('Task id\tg1\nState\tASSIGNED\nName\tApprove\n');
    expect(r.stdout).toContain('Workflow\texpenses wf-7\n');
    expect(r.stdout).toContain('Assignee\tgroup:approvers\n');
    expect(r.stdout).toContain('Created\t2024-01-02T03:04:05Z\n');
    expect(r.stdout).toContain('Input\t{"amount":9}\n');
    expect(r.stdout).not.toContain('__humanTask');
  });

  it('--json prints the server object; --with-template asks for the template', async () => {
    s.addTemplate({ name: 'approval_form', version: 1, jsonSchema: { type: 'object' } });
    s.addTask({ taskId: 'g1', assignee: me() });
    const r = await tc('get', 'g1', '--with-template', '--json');
    expect(r.code).toBe(0);
    expect(humanCalls()[0].url).toBe('/api/human/tasks/g1?withTemplate=true');
    const t = r.json<{ taskId: string; input: Record<string, unknown>; humanTaskDef: { fullTemplate: unknown } }>();
    expect(t.taskId).toBe('g1');
    expect(t.input.__humanTaskProcessContext).toBeDefined();
    expect(t.humanTaskDef.fullTemplate).toMatchObject({ name: 'approval_form' });
  });

  it('an unknown id exits 5', async () => {
    const r = await tc('get', 'missing');
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/human task missing: not found/);
    expect(r.stdout).toBe('');
  });

  it('an invalid id exits 2 and sends nothing', async () => {
    const r = await tc('get', 'a b');
    expect(r.code).toBe(2);
    expect(s.requests).toHaveLength(0);
  });
});

describe('conductor human claim / release / skip', () => {
  it('claim takes each task; one claimed by someone else fails until --override', async () => {
    s.addTask({ taskId: 'c1', assignee: me() });
    s.addTask({ taskId: 'c2', assignee: me(), claimant: { user: 'bob', userType: 'CONDUCTOR_USER' } });
    const r = await tc('claim', 'c1', 'c2', '--json');
    expect(r.code).toBe(7);
    const doc = r.json<ManyResult>();
    expect(doc.results[0]).toMatchObject({ id: 'c1', ok: true, status: 200, note: 'claimed by user:user-1', data: { taskId: 'c1', state: 'IN_PROGRESS' } });
    expect(doc.results[1]).toMatchObject({ id: 'c2', ok: false, status: 400 });
    expect(doc.results[1].error).toMatch(/already claimed by bob/);
    expect(s.tasks.get('c1')!.claimant).toEqual(me());

    const o = await tc('claim', 'c2', '--override');
    expect(o.code).toBe(0);
    expect(s.requests.at(-1)!.url).toBe('/api/human/tasks/c2/claim?overrideAssignment=true');
    expect(o.stdout).toBe('task id\tresult\tstatus\tdetail\nc2\tclaimed\t200\tclaimed by user:user-1\n');
    expect(s.actions.filter((a) => a.action === 'claim').map((a) => [a.taskId, a.override])).toEqual([['c1', false], ['c2', true]]);
  });

  it('release gives claimed tasks back; an unclaimed one fails with the server message', async () => {
    s.addTask({ taskId: 'r1', assignee: me(), claimant: me() });
    s.addTask({ taskId: 'r2', assignee: me() });
    const r = await tc('release', 'r1', 'r2');
    expect(r.code).toBe(7);
    expect(s.tasks.get('r1')).toMatchObject({ state: 'ASSIGNED' });
    expect(s.tasks.get('r1')!.claimant).toBeUndefined();
    expect(r.stdout).toMatch(/r1\treleased\t200\t\n/);
    expect(r.stdout).toMatch(/r2\tfailed\t400\trelease r2: .*is not claimed \(state ASSIGNED\)/);
    expect(r.stderr).toContain('1 of 2 released, 1 failed');
    expect(humanCalls().map((q) => q.url).sort()).toEqual(['/api/human/tasks/r1/release', '/api/human/tasks/r2/release']);
  });

  it('skip sends the reason and moves the task to the next assignee', async () => {
    s.addTask({
      taskId: 's1',
      assignee: me(),
      claimant: me(),
      input: { __humanTaskDefinition: { assignments: [{ assignee: me(), slaMinutes: 0 }, { assignee: { user: 'backup', userType: 'CONDUCTOR_USER' }, slaMinutes: 0 }] } },
    });
    const r = await tc('skip', 's1', '--reason', 'on leave & away', '--json');
    expect(r.code).toBe(0);
    expect(s.requests.at(-1)!.query.get('reason')).toBe('on leave & away');
    expect(s.tasks.get('s1')).toMatchObject({ state: 'ASSIGNED', assignee: { user: 'backup' } });
    expect(r.json<ManyResult>().summary).toEqual({ total: 1, succeeded: 1, failed: 0 });
  });

  it('skip without a reason sends no reason; every id failing with 400 exits 1', async () => {
    const r = await tc('skip', 'x1', 'x2');
    expect(r.code).toBe(1);
    expect(humanCalls().every((q) => !q.query.has('reason'))).toBe(true);
    expect(r.stderr).toContain('0 of 2 skipped, 2 failed');
  });

  it('bad ids exit 2 and send nothing', async () => {
    for (const verb of ['claim', 'release', 'skip']) {
      const r = await tc(verb, 'ok-id', 'bad/id');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/invalid task id: "bad\/id"/);
    }
    expect((await tc('skip', 't1', '--reason', ' ')).code).toBe(2);
    expect(s.requests).toHaveLength(0);
  });
});

describe('conductor human reassign', () => {
  it('sends the assignment chain and prints who has the task', async () => {
    s.addTask({ taskId: 'a1', assignee: me() });
    const r = await tc('reassign', 'a1', '--to', 'user:jane@example.com', '--to', 'group:approvers', '--sla', '30');
    expect(r.code, r.stderr).toBe(0);
    const q = humanCalls()[0];
    expect(`${q.method} ${q.path}`).toBe('POST /api/human/tasks/a1/reassign');
    expect(JSON.parse(q.body)).toEqual([
      { assignee: { user: 'jane@example.com', userType: 'CONDUCTOR_USER' }, slaMinutes: 30 },
      { assignee: { user: 'approvers', userType: 'CONDUCTOR_GROUP' }, slaMinutes: 30 },
    ]);
    expect(s.tasks.get('a1')!.assignee).toEqual({ user: 'jane@example.com', userType: 'CONDUCTOR_USER' });
    expect(r.stdout).toBe('Task id\ta1\nAssigned to\tuser:jane@example.com, then group:approvers\nSLA\t30 min each\n');
  });

  it('--json prints the outcome; a claimed task is refused with exit 1', async () => {
    s.addTask({ taskId: 'a1', assignee: me() });
    s.addTask({ taskId: 'busy', assignee: me(), claimant: me() });
    const ok = await tc('reassign', 'a1', '--to', 'group:ops', '--json');
    expect(ok.json()).toEqual({ ok: true, status: 200, taskId: 'a1', assignments: [{ assignee: { user: 'ops', userType: 'CONDUCTOR_GROUP' }, slaMinutes: 0 }] });
    const busy = await tc('reassign', 'busy', '--to', 'user:x');
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/only unclaimed tasks can be reassigned/);
  });

  it('a bad or missing --to exits 2 and sends nothing', async () => {
    const bad = await tc('reassign', 'a1', '--to', 'jane');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--to "jane": expected user:ID or group:ID/);
    const empty = await tc('reassign', 'a1', '--to', 'group:');
    expect(empty.code).toBe(2);
    const missing = await tc('reassign', 'a1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--to is required/);
    expect(s.requests).toHaveLength(0);
  });
});

describe('conductor api and profile test', () => {
  it('api sends an authenticated request and exits by status', async () => {
    s.addTask({ taskId: 'g1', assignee: me() });
    const ok = await runCli(['conductor', 'api', 'GET', '/api/human/tasks/g1'], { env: env() });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).taskId).toBe('g1');
    expect(s.requests.at(-1)!.headers['x-authorization']).toBe(s.issuedTokens[0]);
    const missing = await runCli(['conductor', 'api', 'GET', '/human/tasks/g1'], { env: env() });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/Conductor paths start with \/api/);
  });

  it('profile test shows the server, the user and how it authenticated', async () => {
    const r = await runCli(['profile', 'test', '--json'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, provider: 'conductor', url: s.url, server: 'Orkes Conductor', user: 'User One (user-1)', humanTasks: 'yes' });
    expect(r.json<{ auth: string }>().auth).toMatch(/X-Authorization token \(minted now, cached\)/);
    // profile test never trusts a cached token: it mints afresh every time
    const before = s.tokenRequests();
    const again = await runCli(['profile', 'test'], { env: env() });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Auth\tX-Authorization token \(minted now, cached\)/);
    expect(again.stderr).toMatch(/connected and authenticated/);
    expect(s.tokenRequests()).toBe(before + 1);
  });

  it('profile test with a wrong secret exits 4', async () => {
    const r = await runCli(['profile', 'test'], { env: { ...env(), CONDUCTOR_AUTH_SECRET: 'wrong-secret-xyz' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/refused the application key/);
  });
});

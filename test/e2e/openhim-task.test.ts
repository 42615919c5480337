/** `taskctl openhim task …` through the built binary against the fake OpenHIM (real sockets, exit codes, streams). */
import { describe, expect, it } from 'vitest';
import { CANARY, runCli, writeConfig } from '../helpers/cli.js';
import type { FakeOpenhim } from '../servers/openhim.js';
import { USER, fake, openhimCli } from './openhim-e2e.js';

const UNKNOWN = '5f0000000000000000000000';
const cli = openhimCli('task');
const api = (srv: FakeOpenhim) => srv.requests.filter((r) => !r.path.startsWith('/authenticate'));
type Many = { results: { id: string; ok: boolean; status: number | null; error: string | null }[]; summary: { total: number; succeeded: number; failed: number } };

describe('e2e: openhim task create', () => {
  it('prints the new id (table form) and {id, message} with --json; repeats warned on stderr', async () => {
    const srv = await fake();
    const tx = [srv.addTransaction(), srv.addTransaction()];
    const r = await cli(srv, ['create', '--tids', `${tx[0]},${tx[1]},${tx[0]}`, '--batch-size', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{24}\n$/);
    const id = r.stdout.trim();
    expect(r.stderr).toBe(`taskctl: warning: ignoring repeated transaction id: ${tx[0]}\ncreated task ${id}: 2 transactions, batch size 2, Queued\n`);
    expect(srv.tasks.get(id)).toMatchObject({ status: 'Queued', batchSize: 2, totalTransactions: 2, user: USER });
    const j = await cli(srv, ['create', '--tids-file', '-', '--paused', '--json'], { input: `${tx[1]}\n` });
    expect(j.code).toBe(0);
    const out = j.json<{ id: string; message: string }>();
    expect(out).toEqual({ id: out.id, message: `User ${USER} created task with id ${out.id}` });
    expect(srv.tasks.get(out.id)!.status).toBe('Paused');
  });

  it('bad input: exit 2, one error line on stderr, the error document with --json, nothing sent', async () => {
    const srv = await fake();
    const r = await cli(srv, ['create', '--tids', '6b0513a986b2e93ee5444081,xyz', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${JSON.stringify({ error: { code: 2, message: 'invalid transaction id in --tids: "xyz" (expected a 24-character hex ObjectId)', status: null, hint: 'nothing was sent' } })}\n`);
    const z = await cli(srv, ['create', '--tids', '6b0513a986b2e93ee5444081', '--batch-size', '0']);
    expect(z.code).toBe(2);
    expect(srv.requests).toHaveLength(0);
  });

  it('--tids-file - with an empty pipe (a nightly job with nothing failed) creates nothing and exits 0; --json prints nothing', async () => {
    const srv = await fake();
    for (const json of [[], ['--json']]) {
      const r = await cli(srv, ['create', '--tids-file', '-', ...json], { input: '' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('taskctl: no transaction ids on standard input; no task was created, nothing was sent\n');
    }
    expect(srv.requests).toHaveLength(0);
    // an empty pipe beside --tids: the task is created from --tids
    const tx = srv.addTransaction();
    const mixed = await cli(srv, ['create', '--tids', tx, '--tids-file', '-'], { input: '' });
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(api(srv).map((q) => q.method)).toEqual(['POST']);
  });

  it('--wait watches the task to the end (auto processor), exit 0', async () => {
    const srv = await fake({ processor: 'auto', pollIntervalMs: 20 });
    const tx = [srv.addTransaction(), srv.addTransaction()];
    const r = await cli(srv, ['create', '--tids', tx.join(','), '--wait', '--interval', '20']);
    expect(r.code).toBe(0);
    const [id] = r.stdout.split('\n');
    expect(r.stdout).toContain('Status\tCompleted\nRerun\t2/2 (100%)\nSuccessful\t2\nFailed\t0\n');
    expect(r.stderr).toContain(`task ${id} completed: 2 of 2 reruns successful`);
  });
});

describe('e2e: openhim task update', () => {
  it('updates and prints what changed; --json {id, message, …}; Completed status is refused before sending', async () => {
    const srv = await fake();
    const t = srv.createTask({ tids: ['6b0513a986b2e93ee5444081'] });
    const r = await cli(srv, ['update', t._id, '--batch-size', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`updated task ${t._id}: batch size 3\n`);
    expect(r.stderr).toBe('');
    const j = await cli(srv, ['update', t._id, '--status', 'Paused', '--json']);
    expect(j.json()).toEqual({ id: t._id, message: 'The Task was successfully updated', status: 'Paused' });
    const before = srv.requests.length;
    const bad = await cli(srv, ['update', t._id, '--status', 'Completed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('taskctl: --status "Completed": expected one of Queued, Paused, Cancelled (nothing was sent)\n');
    expect(srv.requests.length).toBe(before);
  });

  it('tag85: an unknown id is not found (exit 5) although PUT would answer 200', async () => {
    const srv = await fake({ flavor: 'tag85' });
    const r = await cli(srv, ['update', UNKNOWN, '--status', 'Paused', '--json']);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.errorJson<{ error: { code: number; status: number } }>().error).toMatchObject({ code: 5, status: 500 });
    expect(api(srv).some((q) => q.method === 'PUT')).toBe(false);
  });
});

describe('e2e: openhim task pause|resume|cancel|delete (multi-id)', () => {
  for (const flavor of ['master', '4.0.5'] as const) {
    it(`${flavor}: one unknown id among many → exit 7, each id once (table and --json), summary on stderr`, async () => {
      const srv = await fake({ flavor });
      const ids = Array.from({ length: 5 }, () => srv.createTask({ tids: ['6b0513a986b2e93ee5444081'] })._id);
      const all = [ids[0], ids[1], UNKNOWN, ids[2], ids[3], ids[4]];
      const r = await cli(srv, ['pause', ...all]);
      expect(r.code).toBe(7);
      const rows = r.stdout.trimEnd().split('\n');
      expect(rows[0]).toBe('task\tresult\tstatus\tdetail');
      expect(rows.slice(1).map((l) => l.split('\t')[0])).toEqual(all);
      // the status is the one the server really sent: 4.0.5 answers 500 for an unknown id
      expect(rows[3]).toMatch(new RegExp(`^${UNKNOWN}\tfailed\t${flavor === 'master' ? 404 : 500}\ttask ${UNKNOWN}:? not found`));
      expect(r.stderr).toBe('5 of 6 paused, 1 failed\n');
      const j = await cli(srv, ['resume', ...all, '--json']);
      expect(j.code).toBe(7);
      const out = j.json<Many>();
      expect(out.results.map((x) => x.id)).toEqual(all);
      expect(out.results.filter((x) => !x.ok).map((x) => [x.id, x.status])).toEqual([[UNKNOWN, flavor === 'master' ? 404 : 500]]);
      expect(out.summary).toEqual({ total: 6, succeeded: 5, failed: 1 });
      expect(ids.every((id) => srv.tasks.get(id)!.status === 'Queued')).toBe(true);
      expect(api(srv).filter((q) => q.method === 'PUT' && q.path.includes(UNKNOWN))).toHaveLength(0);
    });
  }

  it('cancel needs --yes without a terminal (exit 2, nothing sent); with --yes it cancels and warns about Processing tasks', async () => {
    const srv = await fake();
    const a = srv.createTask({ tids: ['6b0513a986b2e93ee5444081'], status: 'Processing' })._id;
    const no = await cli(srv, ['cancel', a]);
    expect(no.code).toBe(2);
    expect(no.stderr).toBe(`taskctl: Cancel task ${a}: confirmation needed (pass --yes to confirm without a terminal)\n`);
    expect(srv.requests).toHaveLength(0);
    const yes = await cli(srv, ['cancel', a, '--yes']);
    expect(yes.code).toBe(0);
    expect(yes.stderr).toContain('taskctl: warning: cancelling a task that is Processing does not stop it on OpenHIM 7.1+');
    expect(yes.stderr).toMatch(/\n1 of 1 cancelled\n$/);
    expect(yes.stdout).toBe(`task\tresult\tstatus\tdetail\n${a}\tcancelled\t200\twas Processing: OpenHIM 7.1+ still reruns every transaction and marks it Completed\n`);
    expect(srv.tasks.get(a)!.status).toBe('Cancelled');
    const again = await cli(srv, ['cancel', a, '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(again.json<Many>().results).toEqual([{ id: a, ok: true, status: 200, error: null, note: 'already Cancelled' }]);
  });

  it('delete: ids from stdin, confirmation with --yes, all unknown → exit 5', async () => {
    const srv = await fake({ flavor: '4.0.5' });
    const ids = [srv.createTask({ tids: [] })._id, srv.createTask({ tids: [] })._id];
    const r = await cli(srv, ['delete', '-', '--yes', '--json'], { input: JSON.stringify(ids) });
    expect(r.code).toBe(0);
    expect(r.json<Many>().summary).toEqual({ total: 2, succeeded: 2, failed: 0 });
    expect(srv.tasks.size).toBe(0);
    const gone = await cli(srv, ['delete', '--yes', ...ids]);
    expect(gone.code).toBe(5);
    expect(gone.stderr).toBe('0 of 2 deleted, 2 failed\n');
    const rows = gone.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('task\tresult\tstatus\tdetail');
    expect(rows.slice(1).map((r) => r.split('\t').slice(0, 3).join(' '))).toEqual(ids.map((id) => `${id} failed 500`)); // 4.0.5's real answer to an unknown id
    expect(api(srv).filter((q) => q.method === 'DELETE')).toHaveLength(2);
  });

  it('bad ids: exit 2 before any request', async () => {
    const srv = await fake();
    for (const verb of ['pause', 'resume', 'cancel', 'delete']) {
      const r = await cli(srv, [verb, '--yes', '6b0513aa86b2e93ee54440c4', 'abc']);
      expect(r.code, verb).toBe(2);
      expect(r.stderr).toBe('taskctl: invalid task id: "abc" (expected a 24-character hex ObjectId) (nothing was sent)\n');
    }
    expect(srv.requests).toHaveLength(0);
  });
});

describe('e2e: openhim task get', () => {
  it('summary + transactions table; --json is the server object; works with a config-file profile', async () => {
    const srv = await fake();
    const tx = [srv.addTransaction(), srv.addTransaction()];
    srv.setOutcome(tx[1], 'Failed');
    const t = srv.createTask({ tids: tx });
    await srv.runUntilIdle();
    const config = writeConfig(`profiles:\n  hie:\n    provider: openhim\n    url: ${srv.url}\n    username: ${USER}\n    password: \${HIM_PW}\n    auth: basic\n`);
    const env = { HIM_PW: CANARY.openhimPassword, OPENHIM_URL: undefined, OPENHIM_USERNAME: undefined, OPENHIM_PASSWORD: undefined };
    const r = await runCli(['openhim', 'task', 'get', t._id, '--config', config], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ID\t${t._id}\nStatus\tCompleted\nProgress\t2/2 (100%): 1 successful, 1 failed\n`);
    expect(r.stdout).toMatch(new RegExp(`\n${tx[1]}\tCompleted\tFailed\t[0-9a-f]{24}\t\n`));
    const j = await runCli(['openhim', 'task', 'get', t._id, '--config', config, '--json'], { env });
    expect(j.json<{ _id: string; status: string; totalFilteredTransactions: number }>()).toMatchObject({ _id: t._id, status: 'Completed', totalFilteredTransactions: 2 });
  });

  it('4.0.5 unknown id: exit 5 with the server message; --json error document', async () => {
    const srv = await fake({ flavor: '4.0.5' });
    const r = await cli(srv, ['get', UNKNOWN, '--json']);
    expect(r.code).toBe(5);
    // the JSON error carries the status the server really sent: 4.0.5 answers 500 for an unknown id
    expect(r.errorJson()).toMatchObject({ error: { code: 5, status: 500, message: expect.stringContaining(`task ${UNKNOWN} not found`) } });
    const bad = await cli(srv, ['get', UNKNOWN, '--tstatus', 'Done']);
    expect(bad.code).toBe(2);
    expect(api(srv)).toHaveLength(1);
  });
});

describe('e2e: openhim task list', () => {
  it('table, --json array, --query; filters sent as the server needs them', async () => {
    const srv = await fake();
    const p = srv.createTask({ tids: [], status: 'Paused' });
    srv.createTask({ tids: [], status: 'Completed' });
    const r = await cli(srv, ['list', '--status', 'Paused', '--since', '1h']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^id\tstatus\ttransactions\tbatch\tuser\tcreated\texecution time\n${p._id}\tPaused\t0\t1\troot@openhim.org\t[^\t]+\t\n$`));
    const q = api(srv)[0];
    const f = JSON.parse(q.query.get('filters')!) as { created: unknown };
    expect(typeof f.created).toBe('string');
    const j = await cli(srv, ['list', '--query', '[]._id']);
    expect(j.json<string[]>()).toHaveLength(2);
    const bad = await cli(srv, ['list', '--until', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^taskctl: --until "soon": expected an ISO date or time/);
  });
});

describe('e2e: openhim task watch', () => {
  it('NDJSON events on stdout with --json; exit 7 when a rerun failed (4.0.5 rounds, auto processor)', async () => {
    const srv = await fake({ flavor: '4.0.5', processor: 'auto', pollIntervalMs: 15 });
    const tx = [srv.addTransaction(), srv.addTransaction(), srv.addTransaction()];
    srv.setOutcome(tx[2], 'Completed with error(s)');
    const t = srv.createTask({ tids: tx, batchSize: 1 });
    const r = await cli(srv, ['watch', t._id, '--json', '--interval', '15']);
    expect(r.code).toBe(7);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; outcome?: string; done: number });
    expect(events.at(-2)).toMatchObject({ event: 'end', outcome: 'failed', done: 3 });
    expect(events.at(-1)).toMatchObject({ event: 'failures' });
    expect(r.stderr).toContain('completed with 1 of 3 reruns not successful');
  });

  it('exit 1 when the task ends Cancelled; plain progress lines on stderr without a terminal', async () => {
    const srv = await fake({ flavor: '4.0.5' });
    const t = srv.createTask({ tids: ['6b0513a986b2e93ee5444081'], status: 'Cancelled' });
    const r = await cli(srv, ['watch', t._id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Cancelled: 0/1 (0%) rerun, 0 successful\ntaskctl: task ${t._id} was cancelled after 0 of 1 reruns (0 successful)\n`);
    expect(r.stdout).toContain('Status\tCancelled\n');
  });
});

describe('e2e: openhim task --help', () => {
  it('every task command\'s help ends with examples', async () => {
    for (const verb of ['create', 'update', 'pause', 'resume', 'cancel', 'get', 'list', 'delete', 'watch']) {
      const r = await runCli(['openhim', 'task', verb, '--help']);
      expect(r.code, verb).toBe(0);
      expect(r.stdout, verb).toMatch(/\nExamples:\n(  \$ taskctl openhim .+\n)+\nGlobal options .*: taskctl help global-options\n$/);
    }
  });
});

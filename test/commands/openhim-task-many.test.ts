import { describe, expect, it } from 'vitest';
import { apiRequests, fakeOpenhim, filtersOf, taskctl, UNKNOWN } from './openhim-harness.js';
import type { FakeOpenhim } from '../servers/openhim.js';

const TX = ['6b0513a986b2e93ee5444081', '6b0513a986b2e93ee544406e'];

interface ManyResult {
  results: { id: string; ok: boolean; status: number | null; error: string | null; note?: string }[];
  summary: { total: number; succeeded: number; failed: number };
}

function seed(fake: FakeOpenhim, n: number, status = 'Queued'): string[] {
  return Array.from({ length: n }, () => fake.createTask({ tids: TX, status })._id);
}

describe('openhim task pause|resume|cancel: one unknown id among many', () => {
  for (const flavor of ['master', 'tag85', '4.0.5'] as const) {
    it(`${flavor}: exit 7, every id reported exactly once, the unknown one as not found, and no PUT for it`, async () => {
      const fake = await fakeOpenhim({ flavor });
      const ids = seed(fake, 6);
      const all = [...ids.slice(0, 3), UNKNOWN, ...ids.slice(3)];
      const r = await taskctl(fake, ['openhim', 'task', 'pause', ...all, '--json']);
      expect(r.code).toBe(7);
      const out = r.json<ManyResult>();
      expect(out.results.map((x) => x.id)).toEqual(all);
      expect(out.summary).toEqual({ total: 7, succeeded: 6, failed: 1 });
      const bad = out.results.find((x) => x.id === UNKNOWN)!;
      // not found (class 5), with the status the server really sent: 4.0.5 and tag85 answer 500
      expect(bad).toMatchObject({ ok: false, status: flavor === 'master' ? 404 : 500 });
      expect(bad.error).toMatch(new RegExp(`task ${UNKNOWN}:? not found`));
      for (const id of ids) expect(fake.tasks.get(id)!.status).toBe('Paused');
      const puts = apiRequests(fake).filter((q) => q.method === 'PUT');
      expect(puts.map((q) => q.path).sort()).toEqual(ids.map((id) => `/tasks/${id}`).sort());
      for (const p of puts) expect(JSON.parse(p.body)).toEqual({ status: 'Paused' });
      expect(r.stderr).toContain('6 of 7 paused, 1 failed');
    });
  }

  it('states are read in one GET /tasks per 100 ids (_id $in); only ids it misses get the per-id check', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    const ids = seed(fake, 150);
    const r = await taskctl(fake, ['openhim', 'task', 'resume', ...ids.slice(0, 120), UNKNOWN, '--concurrency', '4'], { input: '' });
    expect(r.code).toBe(7); // every known task is already Queued (nothing to send); the unknown one fails
    expect(r.stdout.split('\n').filter((l) => l.includes('already Queued'))).toHaveLength(120);
    const gets = apiRequests(fake).filter((q) => q.method === 'GET');
    const lists = gets.filter((q) => q.path === '/tasks');
    expect(lists).toHaveLength(2);
    expect((filtersOf(lists[0]) as { _id: { $in: string[] } })._id.$in).toHaveLength(100);
    expect(gets.filter((q) => q.path !== '/tasks').map((q) => q.url)).toEqual([`/tasks/${UNKNOWN}?filterLimit=0&filterPage=0&filters=%7B%7D`]);
    expect(apiRequests(fake).filter((q) => q.method === 'PUT')).toHaveLength(0);
  });
});

describe('openhim task pause: auth exchange before parallel requests', () => {
  it('auto auth on 4.0.5 (Basic refused, then token) with more lookups than --concurrency completes', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    const ids = seed(fake, 250);
    const r = await taskctl(fake, ['openhim', 'task', 'pause', '-', '--concurrency', '2', '--json'], { input: ids.join('\n'), env: { OPENHIM_AUTH: 'auto' } });
    expect(r.code).toBe(0);
    expect(r.json<ManyResult>().summary).toEqual({ total: 250, succeeded: 250, failed: 0 });
    expect(fake.requests.filter((q) => q.path.startsWith('/authenticate/'))).toHaveLength(1);
    expect(ids.every((id) => fake.tasks.get(id)!.status === 'Paused')).toBe(true);
  });
});

describe('openhim task pause', () => {
  it('prints a table: one row per id, summary on stderr; a Completed task is refused, not relabelled', async () => {
    const fake = await fakeOpenhim();
    const [queued] = seed(fake, 1);
    const [done] = seed(fake, 1, 'Completed');
    const [paused] = seed(fake, 1, 'Paused');
    const r = await taskctl(fake, ['openhim', 'task', 'pause', queued, done, paused]);
    expect(r.code).toBe(7);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('task\tresult\tstatus\tdetail');
    expect(lines[1]).toBe(`${queued}\tpaused\t200\t`);
    expect(lines[2]).toMatch(new RegExp(`^${done}\tfailed\t\ttask is Completed and cannot be paused`));
    expect(lines[3]).toBe(`${paused}\tpaused\t200\talready Paused`);
    expect(r.stderr).toContain('2 of 3 paused, 1 failed');
    expect(fake.tasks.get(done)!.status).toBe('Completed');
    expect(apiRequests(fake).filter((q) => q.method === 'PUT').map((q) => q.path)).toEqual([`/tasks/${queued}`]);
  });

  it('reads ids from stdin with -; all unknown → exit 5', async () => {
    const fake = await fakeOpenhim();
    const r = await taskctl(fake, ['openhim', 'task', 'pause', '-'], { input: `${UNKNOWN}\n# comment\n5f0000000000000000000001\n` });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('0 of 2 paused, 2 failed');
  });

  it('bad input exits 2 and sends nothing', async () => {
    const fake = await fakeOpenhim();
    for (const args of [['nope'], [UNKNOWN, 'short'], ['-', UNKNOWN]]) {
      const r = await taskctl(fake, ['openhim', 'task', 'pause', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/invalid task id|must be the only id argument/);
    }
    const none = await taskctl(fake, ['openhim', 'task', 'pause']);
    expect(none.code).toBe(2);
    expect(fake.requests).toHaveLength(0);
  });

  it('--dry-run shows only the PUTs and sends nothing (no existence check)', async () => {
    const fake = await fakeOpenhim();
    const r = await taskctl(fake, ['openhim', 'task', 'pause', '--dry-run', UNKNOWN, '6b0513aa86b2e93ee54440c4']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^PUT /gm)).toHaveLength(2);
    expect(r.stdout).not.toMatch(/^GET /m);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('openhim task resume', () => {
  it('warns that a task paused mid-run on 7.1+ reruns what already ran', async () => {
    const fake = await fakeOpenhim();
    const tx = [0, 1, 2, 3].map(() => fake.addTransaction());
    const t = fake.createTask({ tids: tx });
    await fake.processor.tick();
    await fake.processor.tick();
    fake.tasks.get(t._id)!.status = 'Paused';
    await fake.processor.tick(); // the round in flight ends; 7.1+ keeps no progress
    expect(fake.tasks.get(t._id)).toMatchObject({ status: 'Paused', remainingTransactions: 4 });
    const r = await taskctl(fake, ['openhim', 'task', 'resume', t._id, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/paused mid-run on OpenHIM 7\.1\+ starts again from its first transaction/);
    const out = r.json<ManyResult>();
    expect(out.results[0].note).toBe('3 of 4 already rerun before the pause; OpenHIM 7.1+ reruns them again');
    expect(fake.tasks.get(t._id)!.status).toBe('Queued');
  });

  it('4.0.5 keeps progress on pause: no warning', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    const tx = [0, 1, 2].map(() => fake.addTransaction());
    const t = fake.createTask({ tids: tx });
    await fake.processor.tick();
    fake.tasks.get(t._id)!.status = 'Paused';
    const r = await taskctl(fake, ['openhim', 'task', 'resume', t._id]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('1 of 1 resumed\n');
    expect(r.stdout).toBe(`task\tresult\tstatus\tdetail\n${t._id}\tresumed\t200\t\n`);
  });
});

describe('openhim task cancel', () => {
  it('asks first: without a terminal and without --yes it exits 2 and sends nothing', async () => {
    const fake = await fakeOpenhim();
    const [id] = seed(fake, 1);
    const r = await taskctl(fake, ['openhim', 'task', 'cancel', id]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Cancel task ${id}: confirmation needed (pass --yes to confirm without a terminal)`);
    expect(fake.requests).toHaveLength(0);
  });

  it('--yes cancels; a Processing task is cancelled with the warning that 7.1+ finishes it anyway', async () => {
    const fake = await fakeOpenhim();
    const [queued] = seed(fake, 1, 'Paused');
    const [running] = seed(fake, 1, 'Processing');
    const r = await taskctl(fake, ['openhim', 'task', 'cancel', '--yes', queued, running]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/cancelling a task that is Processing does not stop it on OpenHIM 7\.1\+.*task delete/);
    expect(r.stdout).toContain(`${running}\tcancelled\t200\twas Processing: OpenHIM 7.1+ still reruns every transaction`);
    expect(fake.tasks.get(queued)!.status).toBe('Cancelled');
  });
});

describe('openhim task delete', () => {
  it('asks first; --yes deletes; 4.0.5 unknown id is not found and gets no DELETE (the server would answer 200)', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    const ids = seed(fake, 2);
    const refused = await taskctl(fake, ['openhim', 'task', 'delete', ...ids]);
    expect(refused.code).toBe(2);
    expect(fake.requests).toHaveLength(0);
    const r = await taskctl(fake, ['openhim', 'task', 'delete', '-y', ids[0], UNKNOWN, ids[1], '--json']);
    expect(r.code).toBe(7);
    const out = r.json<ManyResult>();
    expect(out.results.map((x) => [x.id, x.ok, x.status])).toEqual([
      [ids[0], true, 200],
      [UNKNOWN, false, 500],
      [ids[1], true, 200],
    ]);
    expect(fake.tasks.size).toBe(0);
    expect(apiRequests(fake).filter((q) => q.method === 'DELETE').map((q) => q.path).sort()).toEqual(ids.map((i) => `/tasks/${i}`).sort());
  });

  it('master: unknown id is the server\'s 404, reported once; exit 5 when it is the only id', async () => {
    const fake = await fakeOpenhim();
    const r = await taskctl(fake, ['openhim', 'task', 'delete', '--yes', UNKNOWN]);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain(`${UNKNOWN}\tfailed\t404\ttask ${UNKNOWN}: not found: We could not find a Task with this ID: ${UNKNOWN}.`);
  });
});

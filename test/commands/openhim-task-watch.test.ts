import { describe, expect, it } from 'vitest';
import { apiRequests, fakeOpenhim, taskctl, tickingSleep, UNKNOWN } from './openhim-harness.js';
import type { FakeOpenhim } from '../servers/openhim.js';

type Event = { event: string; status: string; phase: string; total: number; done: number; succeeded: number; failed: number; outcome?: string; items?: { tid: string }[] };

function task(fake: FakeOpenhim, n: number, opts: { batchSize?: number; failed?: number[] } = {}) {
  const tx = Array.from({ length: n }, () => fake.addTransaction());
  for (const i of opts.failed ?? []) fake.setOutcome(tx[i], 'Failed');
  const t = fake.createTask({ tids: tx, batchSize: opts.batchSize ?? 1 });
  return { id: t._id, tx };
}

describe('openhim task watch', () => {
  it('7.1+: NDJSON progress events while remainingTransactions stays frozen; exit 0 when every rerun succeeded', async () => {
    const fake = await fakeOpenhim();
    const { id } = task(fake, 3);
    const r = await taskctl(fake, ['openhim', 'task', 'watch', id, '--json', '--interval', '10'], { sleep: tickingSleep(fake) });
    expect(r.code).toBe(0);
    const events = r.events<Event>();
    expect(events[0]).toMatchObject({ event: 'progress', status: 'Queued', phase: 'queued', done: 0, total: 3 });
    expect(events.map((e) => e.done)).toEqual([0, 1, 2, 3]);
    expect(events.slice(1, 3).every((e) => e.status === 'Processing' && e.phase === 'running')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'end', status: 'Completed', outcome: 'succeeded', succeeded: 3, failed: 0 });
    expect(r.stderr).toBe(`task ${id}: waiting for the task processor to pick it up\ntask ${id} completed: 3 of 3 reruns successful\n`);
    // only reads: the watcher never changes the task
    expect(apiRequests(fake).every((q) => q.method === 'GET')).toBe(true);
  });

  it('4.0.5: Queued between rounds is running, not "not started"; exit 7 with the failed reruns listed', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    const { id, tx } = task(fake, 3, { failed: [1] });
    const r = await taskctl(fake, ['openhim', 'task', 'watch', id, '--interval', '10'], { sleep: tickingSleep(fake) });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('Queued: 1/3 (33%) rerun, 1 successful');
    expect(r.stderr).not.toContain('waiting for the task processor to pick it up\nQueued: 1/3');
    expect(r.stderr).toContain(`task ${id} completed with 1 of 3 reruns not successful (2 successful, 1 failed)`);
    expect(r.stdout).toContain('Status\tCompleted\n');
    expect(r.stdout).toContain('Successful\t2\nFailed\t1\n');
    expect(r.stdout).toMatch(new RegExp(`tid\ttstatus\trerun status\trerun id\terror\n${tx[1]}\tCompleted\tFailed\t[0-9a-f]{24}\t\n$`));
  });

  it('--json on failure ends with an "end" event (outcome failed) after a "failures" event; no error document', async () => {
    const fake = await fakeOpenhim();
    const { id, tx } = task(fake, 2, { failed: [0] });
    const r = await taskctl(fake, ['openhim', 'task', 'watch', id, '--json', '--interval', '10'], { sleep: tickingSleep(fake) });
    expect(r.code).toBe(7);
    const events = r.events<Event>();
    expect(events.at(-2)).toMatchObject({ event: 'end', outcome: 'failed', failed: 1, succeeded: 1 });
    expect(events.at(-1)!.event).toBe('failures');
    expect(events.at(-1)!.items!.map((i) => i.tid)).toEqual([tx[0]]);
  });

  it('4.0.5: a task cancelled between rounds ends the watch with exit 1', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    const { id } = task(fake, 4);
    const r = await taskctl(fake, ['openhim', 'task', 'watch', id, '--json', '--interval', '10'], {
      sleep: tickingSleep(fake, (n) => {
        if (n === 3) fake.tasks.get(id)!.status = 'Cancelled';
      }),
    });
    expect(r.code).toBe(1);
    expect(r.events<Event>().at(-1)).toMatchObject({ event: 'end', status: 'Cancelled', outcome: 'cancelled', done: 2, total: 4 });
    expect(r.stderr).toContain(`task ${id} was cancelled after 2 of 4 reruns`);
  });

  it('7.1+: a Cancelled task with reruns still arriving is followed until the server saves it Completed (exit 0)', async () => {
    const fake = await fakeOpenhim();
    const { id } = task(fake, 4);
    await fake.processor.tick();
    const r = await taskctl(fake, ['openhim', 'task', 'watch', id, '--json', '--interval', '10'], {
      sleep: tickingSleep(fake, (n) => {
        if (n === 1) fake.tasks.get(id)!.status = 'Cancelled';
      }),
    });
    expect(r.code).toBe(0);
    const events = r.events<Event>();
    expect(events.some((e) => e.status === 'Cancelled' && e.phase === 'cancelling')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'end', status: 'Completed', outcome: 'succeeded', done: 4 });
  });

  it('7.1+: a Cancelled task that is not running settles after a few unchanged polls (exit 1)', async () => {
    const fake = await fakeOpenhim();
    const { id } = task(fake, 4);
    await fake.processor.tick();
    fake.tasks.get(id)!.status = 'Paused';
    await fake.processor.tick(); // the pause stops the claim; rerunStatus stays on the first two items
    fake.tasks.get(id)!.status = 'Cancelled';
    const r = await taskctl(fake, ['openhim', 'task', 'watch', id, '--interval', '10'], { sleep: tickingSleep(fake) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('reruns may still be arriving');
    expect(apiRequests(fake).length).toBeGreaterThanOrEqual(3);
  });

  it('a Paused task is waited for until it is resumed', async () => {
    const fake = await fakeOpenhim();
    const { id } = task(fake, 2);
    fake.tasks.get(id)!.status = 'Paused';
    const r = await taskctl(fake, ['openhim', 'task', 'watch', id, '--interval', '10'], {
      sleep: tickingSleep(fake, (n) => {
        if (n === 3) fake.tasks.get(id)!.status = 'Queued';
      }),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`task ${id}: the task is Paused: nothing runs until it is resumed`);
  });

  it('Ctrl-C stops watching with exit 130 and leaves the task alone', async () => {
    const fake = await fakeOpenhim();
    const { id } = task(fake, 5);
    const ac = new AbortController();
    const r = await taskctl(fake, ['openhim', 'task', 'watch', id, '--json', '--interval', '10'], {
      signal: ac.signal,
      sleep: tickingSleep(fake, (n) => {
        if (n === 2) ac.abort(new Error('interrupted'));
      }),
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`stopped watching task ${id}; the task itself was not changed`);
    expect(r.events<Event>().at(-1)).toMatchObject({ event: 'interrupted', status: 'Processing' });
    expect(fake.tasks.get(id)!.status).toBe('Processing');
    expect(apiRequests(fake).every((q) => q.method === 'GET')).toBe(true);
  });

  it('draws a live progress bar (done/total, successes, failures, elapsed) when stderr is a terminal', async () => {
    const fake = await fakeOpenhim();
    const { id } = task(fake, 2, { failed: [1] });
    const r = await taskctl(fake, ['openhim', 'task', 'watch', id, '--interval', '10'], { sleep: tickingSleep(fake), stderrTTY: true });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/\rrerun \[[=> ]+\] 1\/2  50%  1 ok, 0 failed · Processing  \d+s/);
    expect(r.stderr).toMatch(/\rrerun \[[=> ]+\] 2\/2 100%  1 ok, 1 failed · Completed  \d+s/);
  });

  it('reads every item of a big task in pages of 1000 on each poll', async () => {
    const fake = await fakeOpenhim();
    const tids = Array.from({ length: 1500 }, (_, i) => (0x6b0513a986b2e93ee5440000 + i).toString(16).padStart(24, '0'));
    const t = fake.createTask({ tids, status: 'Completed', transactions: tids.map((tid) => ({ tid, tstatus: 'Completed', rerunStatus: 'Successful', rerunID: tid })) });
    const r = await taskctl(fake, ['openhim', 'task', 'watch', t._id, '--json']);
    expect(r.code).toBe(0);
    expect(r.events<Event>()).toEqual([expect.objectContaining({ event: 'end', done: 1500, succeeded: 1500, total: 1500 })]);
    expect(apiRequests(fake).map((q) => `${q.query.get('filterPage')}/${q.query.get('filterLimit')}`)).toEqual(['0/1000', '1/1000']);
  });

  it('unknown id → exit 5 on 4.0.5 (the 500 "reading \'transactions\'"); bad id or interval → exit 2, nothing sent', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    const r = await taskctl(fake, ['openhim', 'task', 'watch', UNKNOWN]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`task ${UNKNOWN} not found`);
    const before = fake.requests.length;
    expect((await taskctl(fake, ['openhim', 'task', 'watch', 'xyz'])).code).toBe(2);
    expect((await taskctl(fake, ['openhim', 'task', 'watch', UNKNOWN, '--interval', '0'])).code).toBe(2);
    expect(fake.requests.length).toBe(before);
  });
});

describe('openhim task create --wait', () => {
  it('prints the id, then watches the new task to the end', async () => {
    const fake = await fakeOpenhim();
    const tx = [fake.addTransaction(), fake.addTransaction()];
    const r = await taskctl(fake, ['openhim', 'task', 'create', '--tids', tx.join(','), '--wait', '--interval', '10'], { sleep: tickingSleep(fake) });
    expect(r.code).toBe(0);
    const [id] = r.stdout.split('\n');
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(fake.tasks.get(id)!.status).toBe('Completed');
    expect(r.stdout).toContain('Rerun\t2/2 (100%)\n');
    const json = await taskctl(fake, ['openhim', 'task', 'create', '--tids', tx[0], '--wait', '--json'], { sleep: tickingSleep(fake) });
    expect(json.code).toBe(0);
    const events = json.events<Event & { id: string; message: string }>();
    expect(events[0]).toEqual({ event: 'created', id: events[0].id, message: `User ops@example.org created task with id ${events[0].id}` });
    expect(events.at(-1)).toMatchObject({ event: 'end', outcome: 'succeeded' });
  });
});

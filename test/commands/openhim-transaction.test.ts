import { describe, expect, it } from 'vitest';
import { apiRequests, fakeOpenhim, filtersOf, taskctl } from './openhim-harness.js';
import type { FakeOpenhim } from '../servers/openhim.js';

const CHANNEL = '6b0513a686b2e93ee5443ff0';
const OTHER = '6b0513a686b2e93ee5443ff1';
const HOUR = 3_600_000;

function seed(fake: FakeOpenhim, n: number, opts: { status?: string; channelID?: string; ageMs?: number; canRerun?: boolean } = {}): string[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) =>
    fake.addTransaction({ status: opts.status ?? 'Failed', channelID: opts.channelID ?? CHANNEL, timestamp: now - (opts.ageMs ?? 0) - i * 1000, canRerun: opts.canRerun, path: `/demo/${i}` }),
  );
}

describe('openhim transaction list', () => {
  it('sends the filters inside `filters` (request.timestamp double-encoded) and prints a table, newest first', async () => {
    const fake = await fakeOpenhim();
    const failed = seed(fake, 2);
    seed(fake, 2, { status: 'Successful' });
    seed(fake, 1, { channelID: OTHER });
    seed(fake, 1, { ageMs: 5 * HOUR });
    const r = await taskctl(fake, ['openhim', 'transaction', 'list', '--status', 'failed', '--channel', CHANNEL, '--since', '2h']);
    expect(r.code).toBe(0);
    const q = apiRequests(fake)[0];
    expect([...q.query.keys()]).toEqual(['filterLimit', 'filterPage', 'filters']);
    const f = filtersOf(q) as Record<string, unknown>;
    expect(f.status).toBe('Failed');
    expect(f.channelID).toBe(CHANNEL);
    expect(Object.keys(JSON.parse(f['request.timestamp'] as string))).toEqual(['$gte']);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('id\ttimestamp\tstatus\tmethod\tpath\tchannel\treruns');
    expect(lines.slice(1).map((l) => l.split('\t')[0])).toEqual(failed);
    expect(lines[1]).toMatch(new RegExp(`^${failed[0]}\t\\S+Z\tFailed\tGET\t/demo/0\t${CHANNEL}\t0$`));
  });

  it('--json prints the server\'s items; --limit/--page/--all page through', async () => {
    const fake = await fakeOpenhim();
    const ids = seed(fake, 5);
    const r = await taskctl(fake, ['openhim', 'transaction', 'list', '--limit', '2', '--page', '2', '--json']);
    expect(r.json<{ _id: string }[]>().map((t) => t._id)).toEqual(ids.slice(2, 4));
    expect(apiRequests(fake)[0].url).toBe('/transactions?filterLimit=2&filterPage=1&filters=%7B%7D');
    const all = await taskctl(fake, ['openhim', 'transaction', 'list', '--all', '--json']);
    expect(all.json<unknown[]>()).toHaveLength(5);
  });

  it('--count uses the server-side count ({count} on 7.1+)', async () => {
    const fake = await fakeOpenhim();
    seed(fake, 3);
    seed(fake, 2, { status: 'Successful' });
    const r = await taskctl(fake, ['openhim', 'transaction', 'list', '--count', '--status', 'Failed']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('3\n');
    const q = apiRequests(fake)[0];
    expect(q.query.get('filterRepresentation')).toBe('bulkrerun');
    expect(filtersOf(q)).toEqual({ status: 'Failed' });
    const json = await taskctl(fake, ['openhim', 'transaction', 'list', '--count', '--json']);
    expect(json.json()).toEqual({ count: 5 });
  });

  it('--count on 4.0.5, which answers an array there, counts the ids', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    seed(fake, 4);
    seed(fake, 3, { status: 'Successful' });
    const r = await taskctl(fake, ['openhim', 'transaction', 'list', '--count', '--status', 'Failed', '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ count: 4 });
  });

  it('bad input exits 2 and sends nothing', async () => {
    const fake = await fakeOpenhim();
    for (const args of [['--status', 'Broken'], ['--channel', 'demo'], ['--since', 'last week'], ['--count', '--limit', '5'], ['--limit', '0']]) {
      const r = await taskctl(fake, ['openhim', 'transaction', 'list', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^taskctl: /);
    }
    expect(fake.requests).toHaveLength(0);
  });
});

describe('openhim transaction rerun', () => {
  it('counts, asks, then creates tasks of at most 50 ids with POST /tasks and prints every task id; never /bulkrerun', async () => {
    const fake = await fakeOpenhim();
    const ids = seed(fake, 120);
    seed(fake, 5, { status: 'Successful' });
    const r = await taskctl(fake, ['openhim', 'transaction', 'rerun', '--status', 'Failed', '--batch-size', '4', '--paused', '--yes']);
    expect(r.code).toBe(0);
    const taskIds = r.stdout.trimEnd().split('\n');
    expect(taskIds).toHaveLength(3);
    expect(r.stderr).toContain('120 transactions match');
    expect(r.stderr).toContain('created 3 rerun tasks for 120 transactions (Paused: start them with `taskctl openhim task resume`)');
    const posts = apiRequests(fake).filter((q) => q.method === 'POST');
    expect(posts.map((p) => p.path)).toEqual(['/tasks', '/tasks', '/tasks']);
    const bodies = posts.map((p) => JSON.parse(p.body) as { tids: string[]; batchSize: number; paused: boolean });
    expect(bodies.map((b) => b.tids.length)).toEqual([50, 50, 20]);
    expect(bodies.flatMap((b) => b.tids).sort()).toEqual([...ids].sort());
    expect(bodies.every((b) => b.batchSize === 4 && b.paused === true)).toBe(true);
    for (const id of taskIds) expect(fake.tasks.get(id)!.status).toBe('Paused');
    expect(fake.bulkReruns).toHaveLength(0);
    expect(fake.requests.some((q) => q.path === '/bulkrerun')).toBe(false);
  });

  it('--json prints {count, transactions, tasks:[{id, message, transactions}]}; canRerun:false is left out with a warning', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    const ok = seed(fake, 2);
    const [stuck] = seed(fake, 1, { canRerun: false, ageMs: 10_000 });
    const r = await taskctl(fake, ['openhim', 'transaction', 'rerun', '--channel', CHANNEL, '--yes', '--json']);
    expect(r.code).toBe(0);
    const out = r.json<{ count: number; transactions: number; tasks: { id: string; message: string; transactions: number }[] }>();
    expect(out.count).toBe(3);
    expect(out.transactions).toBe(2);
    expect(out.tasks).toHaveLength(1);
    expect(out.tasks[0].message).toBe(`User ops@example.org created task with id ${out.tasks[0].id}`);
    expect(fake.tasks.get(out.tasks[0].id)!.transactions.map((t) => t.tid)).toEqual(ok);
    expect(r.stderr).toContain(`1 matching transaction has canRerun: false and is left out (the server cannot rerun it): ${stuck}`);
  });

  it('pages are pinned to the newest match, so transactions arriving meanwhile do not shift them', async () => {
    const fake = await fakeOpenhim();
    seed(fake, 3);
    const r = await taskctl(fake, ['openhim', 'transaction', 'rerun', '--status', 'Failed', '--since', '1d', '--yes']);
    expect(r.code).toBe(0);
    const lists = apiRequests(fake).filter((q) => q.path === '/transactions' && !q.query.get('filterRepresentation'));
    const bounds = JSON.parse((filtersOf(lists.at(-1)!) as Record<string, string>)['request.timestamp']) as Record<string, string>;
    expect(Object.keys(bounds)).toEqual(['$gte', '$lte']);
    expect(bounds.$lte).toBe([...fake.transactions.values()][0].request.timestamp);
  });

  it('refuses to run without a filter unless --all; --all reruns everything', async () => {
    const fake = await fakeOpenhim();
    seed(fake, 2);
    const refused = await taskctl(fake, ['openhim', 'transaction', 'rerun', '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to rerun every transaction: no filter given');
    expect(fake.requests).toHaveLength(0);
    const all = await taskctl(fake, ['openhim', 'transaction', 'rerun', '--all', '--yes']);
    expect(all.code).toBe(0);
    expect(all.stdout.trim()).toMatch(/^[0-9a-f]{24}$/);
    expect(filtersOf(apiRequests(fake)[0])).toEqual({});
  });

  it('without a terminal and without --yes: exits 2 before any request (not even the count), creates nothing', async () => {
    const fake = await fakeOpenhim();
    seed(fake, 2);
    const r = await taskctl(fake, ['openhim', 'transaction', 'rerun', '--status', 'Failed']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Rerun the matching transactions: confirmation needed');
    expect(fake.requests).toHaveLength(0);
    expect(fake.tasks.size).toBe(0);
  });

  it('nothing matches: exit 0, no task', async () => {
    const fake = await fakeOpenhim();
    const r = await taskctl(fake, ['openhim', 'transaction', 'rerun', '--status', 'Failed', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('no transactions match; nothing to rerun\n');
    expect(fake.tasks.size).toBe(0);
  });

  it('a failure after some tasks were created reports them and exits 7', async () => {
    const fake = await fakeOpenhim();
    seed(fake, 60);
    // the second POST /tasks fails (as the server does for a channel disabled in the meantime)
    let posts = 0;
    fake.intercept = (req) =>
      req.method === 'POST' && ++posts === 2
        ? { status: 400, body: 'Cannot queue task as there are transactions with disabled or deleted channels', headers: { 'content-type': 'text/plain; charset=utf-8' } }
        : undefined;
    const r = await taskctl(fake, ['openhim', 'transaction', 'rerun', '--status', 'Failed', '--yes']);
    expect(r.code).toBe(7);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{24}$/);
    expect(r.stderr).toContain('created 1 task, then failed: create task: OpenHIM answered 400 Bad Request: Cannot queue task as there are transactions with disabled or deleted channels; 10 transactions were not rerun');
    expect(fake.tasks.size).toBe(1);
  });

  it('bad input exits 2 and sends nothing', async () => {
    const fake = await fakeOpenhim();
    for (const args of [['--status', 'Nope', '--yes'], ['--channel', 'x', '--yes'], ['--status', 'Failed', '--batch-size', '0', '--yes'], ['--until', 'tomorrow', '--yes']]) {
      const r = await taskctl(fake, ['openhim', 'transaction', 'rerun', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect(fake.requests).toHaveLength(0);
  });
});

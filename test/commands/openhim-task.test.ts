import { describe, expect, it } from 'vitest';
import { apiRequests, fakeOpenhim, filtersOf, taskctl, writeFile, UNKNOWN } from './openhim-harness.js';

const TX = ['6b0513a986b2e93ee5444081', '6b0513a986b2e93ee544406e', '6b0513a886b2e93ee5444061'];

describe('openhim task create', () => {
  it('sends POST /tasks {tids, batchSize, paused} from --tids and --tids-file, drops repeats with a warning, prints the new id', async () => {
    const fake = await fakeOpenhim();
    const file = writeFile('ids.txt', `# failed yesterday\n${TX[1]}\n\n${TX[2].toUpperCase()}  # upper case is the same id\n${TX[0]}\n`);
    const r = await taskctl(fake, ['openhim', 'task', 'create', '--tids', `${TX[0]},${TX[1]}`, '--tids-file', file, '--batch-size', '2', '--paused']);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(r.stderr).toContain(`ignoring repeated transaction ids: ${TX[1]}, ${TX[0]}`);
    expect(r.stderr).toContain(`created task ${id}: 3 transactions, batch size 2, Paused`);
    const posts = apiRequests(fake).filter((q) => q.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0].body)).toEqual({ tids: [TX[0], TX[1], TX[2]], batchSize: 2, paused: true });
    expect(fake.tasks.get(id)).toMatchObject({ status: 'Paused', batchSize: 2, totalTransactions: 3 });
  });

  it('--file gives the documented body; --batch-size and --paused override it; --json prints {id, message}', async () => {
    const fake = await fakeOpenhim();
    const file = writeFile('task.json', JSON.stringify({ tids: TX, batchSize: 8, paused: false }));
    const r = await taskctl(fake, ['openhim', 'task', 'create', '--file', file, '--batch-size', '3', '--paused', '--json']);
    expect(r.code).toBe(0);
    const out = r.json<{ id: string; message: string }>();
    expect(out.message).toBe(`User ops@example.org created task with id ${out.id}`);
    expect(Object.keys(out)).toEqual(['id', 'message']);
    expect(JSON.parse(apiRequests(fake)[0].body)).toEqual({ tids: TX, batchSize: 3, paused: true });
  });

  it('reads a JSON array of ids from --tids-file - (stdin)', async () => {
    const fake = await fakeOpenhim();
    const r = await taskctl(fake, ['openhim', 'task', 'create', '--tids-file', '-'], { input: JSON.stringify(TX) });
    expect(r.code).toBe(0);
    expect(JSON.parse(apiRequests(fake)[0].body)).toEqual({ tids: TX });
  });

  it('bad input exits 2 naming the problem, and sends nothing', async () => {
    const fake = await fakeOpenhim();
    const cases: [string[], RegExp, string?][] = [
      [['--tids', `${TX[0]},nope`], /invalid transaction id in --tids: "nope" \(expected a 24-character hex ObjectId\)/],
      [['--tids', TX[0], '--batch-size', '0'], /expected a positive whole number for --batch-size, got "0"/],
      [['--tids', TX[0], '--batch-size', '1.5'], /expected a whole number for --batch-size/],
      [[], /no transaction ids \(give --tids, --tids-file or --file/],
      [['--tids-file', writeFile('empty.txt', '# nothing\n\n')], /no transaction ids in --tids-file/],
      [['--file', writeFile('bad.json', '{\n  "tids": [\n    "6b0513a986b2e93ee5444081",\n  ]\n}')], /bad\.json:4:3: invalid JSON: trailing comma before \]/],
      [['--file', writeFile('t.json', JSON.stringify({ tids: [TX[0]], batchSize: 'x' }))], /batchSize: expected a positive whole number, received string "x"/],
      [['--file', writeFile('t.json', JSON.stringify({ tids: [TX[0]], pausd: true }))], /unknown field "pausd"/],
      [['--file', writeFile('t.json', JSON.stringify({ tids: [] }))], /tids: expected at least one transaction id/],
      [['--tids', TX[0], '--paused', '--wait'], /--wait would wait forever for a task created --paused/],
      [['--file', '-', '--tids-file', '-'], /cannot both read standard input/],
    ];
    for (const [args, message] of cases) {
      const r = await taskctl(fake, ['openhim', 'task', 'create', ...args], { input: '' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('a 201 without the expected text (the Basic-auth trap) is an error, never a parsed id', async () => {
    // a server that answers every request 201 "User Authenticated Successfully"
    const http = await import('node:http');
    const srv = http.createServer((_q, s) => s.writeHead(201, { 'content-type': 'text/plain' }).end('User Authenticated Successfully'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
      const r = await taskctl({ url }, ['openhim', 'task', 'create', '--tids', TX[0]]);
      expect(r.code).toBe(5);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/does not exist on this OpenHIM/);
    } finally {
      srv.close();
    }
  });

  it('--dry-run prints the POST and sends nothing', async () => {
    const fake = await fakeOpenhim();
    const r = await taskctl(fake, ['openhim', 'task', 'create', '--tids', TX[0], '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`POST ${fake.url}/tasks`);
    expect(r.stdout).toContain('"tids": [');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('openhim task update', () => {
  it('reads the task, then sends PUT /tasks/:id with the validated body', async () => {
    const fake = await fakeOpenhim();
    const t = fake.createTask({ tids: TX, status: 'Paused' });
    const r = await taskctl(fake, ['openhim', 'task', 'update', t._id, '--status', 'queued', '--batch-size', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`updated task ${t._id}: status Queued, batch size 4\n`);
    const reqs = apiRequests(fake);
    // existence check, then (resuming a Paused task) its items, to warn if 7.1+ would rerun some again
    expect(reqs.map((q) => `${q.method} ${q.url}`)).toEqual([
      `GET /tasks/${t._id}?filterLimit=0&filterPage=0&filters=%7B%7D`,
      `GET /tasks/${t._id}?filterLimit=1000&filterPage=0&filters=%7B%7D`,
      `PUT /tasks/${t._id}`,
    ]);
    expect(JSON.parse(reqs[2].body)).toEqual({ status: 'Queued', batchSize: 4 });
    expect(r.stderr).toBe('');
    expect(fake.tasks.get(t._id)).toMatchObject({ status: 'Queued', batchSize: 4 });
  });

  it('--file with flags overriding; --json prints {id, message, …fields}', async () => {
    const fake = await fakeOpenhim();
    const t = fake.createTask({ tids: TX });
    const file = writeFile('upd.json', JSON.stringify({ _id: t._id, status: 'Paused', batchSize: 2 }));
    const r = await taskctl(fake, ['openhim', 'task', 'update', t._id, '--file', file, '--batch-size', '5', '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ id: t._id, message: 'The Task was successfully updated', status: 'Paused', batchSize: 5 });
    expect(JSON.parse(apiRequests(fake)[1].body)).toEqual({ status: 'Paused', batchSize: 5 });
  });

  it('an unknown id is not found (exit 5) on 4.0.5, where PUT would answer 200, and no PUT is sent', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    const r = await taskctl(fake, ['openhim', 'task', 'update', UNKNOWN, '--status', 'Paused']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`task ${UNKNOWN} not found`);
    expect(apiRequests(fake).filter((q) => q.method === 'PUT')).toHaveLength(0);
  });

  it('warns that cancelling a Processing task does not stop it', async () => {
    const fake = await fakeOpenhim();
    const t = fake.createTask({ tids: TX, status: 'Processing' });
    const r = await taskctl(fake, ['openhim', 'task', 'update', t._id, '--status', 'Cancelled']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/cancelling a task that is Processing does not stop it on OpenHIM 7\.1\+/);
  });

  it('bad input exits 2 and sends nothing', async () => {
    const fake = await fakeOpenhim();
    const id = '6b0513aa86b2e93ee54440c4';
    const cases: [string[], RegExp][] = [
      [[id, '--status', 'Completed'], /--status "Completed": expected one of Queued, Paused, Cancelled/],
      [[id, '--status', 'Bogus'], /--status "Bogus"/],
      [[id], /nothing to update \(give --status, --batch-size or --file\)/],
      [['not-an-id', '--status', 'Paused'], /invalid task id "not-an-id"/],
      [[id, '--batch-size', '-1'], /expected a positive whole number for --batch-size/],
      [[id, '--file', writeFile('u.json', '{"status":"Bogus"}')], /status: expected one of Queued, Paused, Cancelled, received string "Bogus"/],
      [[id, '--file', writeFile('u.json', '{"remainingTransactions":0}')], /unknown field "remainingTransactions"/],
      [[id, '--file', writeFile('u.json', '{"_id":"6b0513aa86b2e93ee54440c5","status":"Paused"}')], /_id 6b0513aa86b2e93ee54440c5 is not the task being updated/],
      [[id, '--file', writeFile('u.json', '[1]')], /expected a JSON object, received an array/],
    ];
    for (const [args, message] of cases) {
      const r = await taskctl(fake, ['openhim', 'task', 'update', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(fake.requests).toHaveLength(0);
  });
});

describe('openhim task get', () => {
  it('shows progress from rerunStatus while a 7.1+ run keeps remainingTransactions and tstatus frozen', async () => {
    const fake = await fakeOpenhim();
    const tx = [0, 1, 2, 3].map(() => fake.addTransaction());
    fake.setOutcome(tx[1], 'Failed');
    const t = fake.createTask({ tids: tx });
    await fake.processor.tick();
    await fake.processor.tick(); // two of four rerun; the claim goes on
    expect(fake.tasks.get(t._id)).toMatchObject({ status: 'Processing', remainingTransactions: 4 });
    const r = await taskctl(fake, ['openhim', 'task', 'get', t._id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Status\tProcessing\n');
    expect(r.stdout).toContain('Progress\t2/4 (50%): 1 successful, 1 failed\n');
    expect(r.stdout).toContain('User\troot@openhim.org\n');
    expect(r.stdout).toMatch(/Execution time\t\d+s so far\n/);
    expect(r.stdout).toContain('tid\ttstatus\trerun status\trerun id\terror\n');
    expect(r.stdout).toMatch(new RegExp(`${tx[1]}\tQueued\tFailed\t[0-9a-f]{24}\t\n`));
    expect(r.stdout).toContain(`${tx[3]}\tQueued\t\t\t\n`);
    const q = apiRequests(fake)[0];
    expect(q.url).toBe(`/tasks/${t._id}?filterLimit=50&filterPage=0&filters=%7B%7D`);
  });

  it('--rerun-status/--tstatus/--limit/--page filter the table; the summary still counts every item', async () => {
    const fake = await fakeOpenhim({ flavor: '4.0.5' });
    const tx = [0, 1, 2, 3, 4].map(() => fake.addTransaction());
    fake.setOutcome(tx[0], 'Failed');
    fake.setOutcome(tx[2], 'Failed');
    fake.setOutcome(tx[4], 'Failed');
    const t = fake.createTask({ tids: tx, batchSize: 5 });
    await fake.processor.runUntilIdle();
    const r = await taskctl(fake, ['openhim', 'task', 'get', t._id, '--rerun-status', 'failed', '--tstatus', 'completed', '--limit', '2', '--page', '2']);
    expect(r.code).toBe(0);
    const first = apiRequests(fake)[0];
    expect(first.query.get('filterLimit')).toBe('2');
    expect(first.query.get('filterPage')).toBe('1');
    expect(filtersOf(first)).toEqual({ tstatus: 'Completed', rerunStatus: 'Failed' });
    expect(r.stdout).toContain('Progress\t5/5 (100%): 2 successful, 3 failed\n');
    expect(r.stdout).toContain(`${tx[4]}\tCompleted\tFailed`);
    expect(r.stdout).not.toContain(`${tx[0]}\t`);
    expect(r.stderr).toContain('showing 3–3 of 3 transactions');
  });

  it('--json prints the server\'s task object unchanged', async () => {
    const fake = await fakeOpenhim();
    const t = fake.createTask({ tids: TX, status: 'Paused' });
    const r = await taskctl(fake, ['openhim', 'task', 'get', t._id, '--json']);
    expect(r.code).toBe(0);
    const body = r.json<Record<string, unknown>>();
    expect(Object.keys(body)).toEqual(['status', 'transactions', 'user', 'remainingTransactions', 'totalTransactions', 'batchSize', '_id', 'created', '__v', 'totalFilteredTransactions']);
    expect((body.transactions as unknown[]).length).toBe(3);
  });

  it('an unknown id is exit 5 on every flavor; a malformed one is exit 2 with nothing sent', async () => {
    for (const flavor of ['master', 'tag85', '4.0.5'] as const) {
      const fake = await fakeOpenhim({ flavor });
      const r = await taskctl(fake, ['openhim', 'task', 'get', UNKNOWN]);
      expect(r.code, flavor).toBe(5);
      expect(r.stderr, flavor).toMatch(new RegExp(`task ${UNKNOWN}:? not found`));
      const bad = await taskctl(fake, ['openhim', 'task', 'get', 'not-an-id']);
      expect(bad.code).toBe(2);
      const bad2 = await taskctl(fake, ['openhim', 'task', 'get', UNKNOWN, '--rerun-status', 'ok']);
      expect(bad2.code).toBe(2);
      expect(apiRequests(fake)).toHaveLength(1);
    }
  });
});

describe('openhim task list', () => {
  it('sends filterPage, filterLimit and filters with created double-encoded; prints a table', async () => {
    const fake = await fakeOpenhim();
    const old = fake.createTask({ tids: TX, status: 'Paused', created: Date.now() - 3 * 86_400_000 });
    const recent = fake.createTask({ tids: TX, status: 'Paused', created: Date.now() - 3_600_000 });
    fake.createTask({ tids: TX, status: 'Completed', created: Date.now() - 60_000, completedDate: new Date(Date.now() - 18_000).toISOString() });
    const r = await taskctl(fake, ['openhim', 'task', 'list', '--status', 'paused', '--since', '2d', '--until', 'now', '--user', 'root@openhim.org']);
    expect(r.code).toBe(0);
    const q = apiRequests(fake)[0];
    expect([...q.query.keys()]).toEqual(['filterLimit', 'filterPage', 'filters']);
    expect(q.query.get('filterLimit')).toBe('50');
    expect(q.query.get('filterPage')).toBe('0');
    const f = filtersOf(q) as Record<string, unknown>;
    expect(f.status).toBe('Paused');
    expect(f.user).toBe('root@openhim.org');
    expect(typeof f.created).toBe('string');
    expect(Object.keys(JSON.parse(f.created as string))).toEqual(['$gte', '$lte']);
    expect(r.stdout.split('\n')[0]).toBe('id\tstatus\ttransactions\tbatch\tuser\tcreated\texecution time');
    expect(r.stdout).toContain(`${recent._id}\tPaused\t3\t1\troot@openhim.org\t`);
    expect(r.stdout).not.toContain(old._id);
  });

  it('--json prints the server\'s array; execution time only for completed tasks', async () => {
    const fake = await fakeOpenhim();
    const created = Date.now() - 60_000;
    const done = fake.createTask({ tids: TX, status: 'Completed', created, completedDate: new Date(created + 42_000).toISOString() });
    const r = await taskctl(fake, ['openhim', 'task', 'list', '--json']);
    expect(r.json<unknown[]>()).toEqual([JSON.parse(JSON.stringify({ ...done, transactions: undefined }))]);
    const t = await taskctl(fake, ['openhim', 'task', 'list']);
    expect(t.stdout).toMatch(/\tCompleted\t3\t1\troot@openhim\.org\t[^\t]+\t42s\n/);
  });

  it('--all follows pages of 500 until a short page; --limit/--page pick one page', async () => {
    const fake = await fakeOpenhim();
    for (let i = 0; i < 501; i++) fake.createTask({ tids: [TX[0]], created: Date.now() - i * 1000 });
    const all = await taskctl(fake, ['openhim', 'task', 'list', '--all', '--json']);
    expect(all.json<unknown[]>()).toHaveLength(501);
    expect(apiRequests(fake).map((q) => `${q.query.get('filterPage')}/${q.query.get('filterLimit')}`)).toEqual(['0/500', '1/500']);
    const page = await taskctl(fake, ['openhim', 'task', 'list', '--limit', '10', '--page', '3', '--json']);
    expect(page.json<unknown[]>()).toHaveLength(10);
    expect(apiRequests(fake).at(-1)!.url).toBe('/tasks?filterLimit=10&filterPage=2&filters=%7B%7D');
  });

  it('bad input exits 2 and sends nothing', async () => {
    const fake = await fakeOpenhim();
    for (const args of [['--status', 'Running'], ['--since', 'yesterday'], ['--since', '1h', '--until', '2h'], ['--limit', '0'], ['--all', '--page', '2']]) {
      const r = await taskctl(fake, ['openhim', 'task', 'list', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^taskctl: /);
    }
    expect(fake.requests).toHaveLength(0);
  });
});

/** `taskctl openhim transaction …` through the built binary against the fake OpenHIM. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import type { FakeOpenhim } from '../servers/openhim.js';
import { fake, openhimCli } from './openhim-e2e.js';

const CHANNEL = '6b0513a686b2e93ee5443ff0';
const cli = openhimCli('transaction');

describe('e2e: openhim transaction list', () => {
  it('table and --json; --count on 7.1+ ({count}) and 4.0.5 (array) alike', async () => {
    for (const flavor of ['master', '4.0.5'] as const) {
      const srv = await fake({ flavor });
      const failed = [srv.addTransaction({ status: 'Failed', path: '/a' }), srv.addTransaction({ status: 'Failed', path: '/b', timestamp: Date.now() - 1000 })];
      srv.addTransaction({ status: 'Successful' });
      const r = await cli(srv, ['list', '--status', 'Failed']);
      expect(r.code, flavor).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe('id\ttimestamp\tstatus\tmethod\tpath\tchannel\treruns');
      expect(r.stdout.trimEnd().split('\n').slice(1).map((l) => l.split('\t')[0])).toEqual(failed);
      expect(r.stderr).toBe('');
      const j = await cli(srv, ['list', '--channel', CHANNEL, '--json']);
      expect(j.json<{ _id: string }[]>()).toHaveLength(3);
      const c = await cli(srv, ['list', '--count', '--status', 'Failed']);
      expect(c.stdout, flavor).toBe('2\n');
      const cj = await cli(srv, ['list', '--count', '--json']);
      expect(cj.json(), flavor).toEqual({ count: 3 });
    }
  });

  it('bad input: exit 2, nothing sent', async () => {
    const srv = await fake();
    const r = await cli(srv, ['list', '--channel', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('taskctl: --channel "nope": expected a 24-character hex ObjectId (nothing was sent)\n');
    expect(srv.requests).toHaveLength(0);
  });
});

describe('e2e: openhim transaction rerun', () => {
  it('prints every created task id (chunks of 50); --json document; never /bulkrerun', async () => {
    const srv = await fake();
    const now = Date.now();
    for (let i = 0; i < 75; i++) srv.addTransaction({ status: 'Failed', timestamp: now - i });
    const r = await cli(srv, ['rerun', '--status', 'Failed', '--batch-size', '5', '--yes']);
    expect(r.code).toBe(0);
    const ids = r.stdout.trimEnd().split('\n');
    expect(ids).toHaveLength(2);
    expect(ids.map((id) => srv.tasks.get(id)!.totalTransactions)).toEqual([50, 25]);
    expect(r.stderr).toBe('75 transactions match\ncreated 2 rerun tasks for 75 transactions\n');
    expect(srv.bulkReruns).toHaveLength(0);

    const srv2 = await fake({ flavor: '4.0.5' });
    srv2.addTransaction({ status: 'Failed' });
    const j = await cli(srv2, ['rerun', '--status', 'Failed', '--paused', '--yes', '--json'], { env: { OPENHIM_AUTH: 'token' } });
    expect(j.code).toBe(0);
    const out = j.json<{ count: number; transactions: number; tasks: { id: string }[] }>();
    expect(out).toMatchObject({ count: 1, transactions: 1 });
    expect(srv2.tasks.get(out.tasks[0].id)!.status).toBe('Paused');
  });

  it('refuses without a filter (exit 2, nothing sent), and without --yes when there is no terminal', async () => {
    const srv = await fake();
    srv.addTransaction({ status: 'Failed' });
    const r = await cli(srv, ['rerun', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('taskctl: refusing to rerun every transaction: no filter given (give --status, --channel, --since or --until; or --all to really rerun everything)\n');
    expect(srv.requests).toHaveLength(0);
    // no terminal and no --yes: refused before ANY request, not even the count
    const ask = await cli(srv, ['rerun', '--status', 'Failed']);
    expect(ask.code).toBe(2);
    expect(ask.stdout).toBe('');
    expect(ask.stderr).toBe('taskctl: Rerun the matching transactions: confirmation needed (pass --yes to confirm without a terminal)\n');
    expect(srv.requests).toHaveLength(0);
    expect(srv.tasks.size).toBe(0);
  });

  it('--dry-run shows the requests it would start with and creates nothing', async () => {
    const srv = await fake();
    srv.addTransaction({ status: 'Failed' });
    const r = await cli(srv, ['rerun', '--status', 'Failed', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/transactions\?filterLimit=10000&filterPage=0&filterRepresentation=bulkrerun&filters=/);
    expect(r.stdout).toContain('authorization: Basic ***');
    expect(srv.requests).toHaveLength(0);
  });

  it('--help ends with examples', async () => {
    for (const verb of ['list', 'rerun']) {
      const r = await runCli(['openhim', 'transaction', verb, '--help']);
      expect(r.stdout).toMatch(/\nExamples:\n(  \$ taskctl openhim .+\n)+\nGlobal options .*: taskctl help global-options\n$/);
    }
  });
});

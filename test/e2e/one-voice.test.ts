/**
 * One voice across trees, through the binary: did-you-mean for a mistyped payload field and --columns checked
 * against the command's table, both before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { CANARY, runCli, sandboxDir } from '../helpers/cli.js';
import { startOpenhim, type FakeOpenhim } from '../servers/openhim.js';
import { startClose, type FakeClose } from '../servers/close.js';

describe('payload fields', () => {
  it('a mistyped field in --file names the field it meant, exits 2 and sends nothing', async () => {
    const file = path.join(sandboxDir(), 'task-typo.json');
    fs.writeFileSync(file, JSON.stringify({ tids: ['6b0513a986b2e93ee5444081'], batchsize: 2 }));
    // port 9 (discard) on loopback: any request would fail with exit 6, so exit 2 proves nothing was sent
    const r = await runCli(['openhim', 'task', 'create', '--file', file], {
      env: { OPENHIM_URL: 'http://127.0.0.1:9', OPENHIM_USERNAME: 'a@example.org', OPENHIM_PASSWORD: CANARY.openhimPassword },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`taskctl: --file ${file}: unknown field "batchsize" (did you mean batchSize?) (nothing was sent)\n`);
  });
});

describe('--columns is checked before anything is sent', () => {
  let openhim: FakeOpenhim;
  let close: FakeClose;
  const USER = 'columns@example.org';
  beforeAll(async () => {
    openhim = await startOpenhim({ lifetimeMs: 60_000, users: [{ email: USER, password: CANARY.openhimPassword, groups: ['admin'] }] });
    close = await startClose({ apiKeys: [CANARY.closeApiKey], lifetimeMs: 60_000 });
  });
  afterAll(async () => {
    await openhim?.close();
    await close?.close();
  });
  const openhimEnv = () => ({ OPENHIM_URL: openhim.url, OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: CANARY.openhimPassword });

  it('an unknown column: exit 2 naming it and listing the valid ones; the server saw no request', async () => {
    const before = openhim.requests.length;
    const r = await runCli(['openhim', 'transaction', 'list', '--columns', 'id,stauts'], { env: openhimEnv() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'taskctl: --columns: no column "stauts" in `taskctl openhim transaction list` (did you mean status?) (columns: id, timestamp, status, method, path, channel, reruns; nothing was sent)\n',
    );
    expect(openhim.requests.length).toBe(before);
  });

  it('a command without a table refuses --columns before it sends (a change is never made and then the output refused)', async () => {
    const before = openhim.requests.length;
    const r = await runCli(['openhim', 'task', 'pause', '6b0513aa86b2e93ee54440c4', '--columns', 'id'], { env: openhimEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('taskctl: --columns: `taskctl openhim task pause` prints no table to pick columns from (nothing was sent)\n');
    expect(openhim.requests.length).toBe(before);
  });

  it('with Close --fields the columns are those fields; the valid ones print', async () => {
    const bad = await runCli(['close', 'task', 'list', '--fields', 'id,text', '--columns', 'date'], { env: { CLOSE_URL: close.url, CLOSE_API_KEY: CANARY.closeApiKey } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('(columns: id, text; nothing was sent)');
    expect(close.requests).toHaveLength(0);
    const tid = openhim.addTransaction({ status: 'Failed' });
    const good = await runCli(['openhim', 'transaction', 'list', '--columns', 'STATUS,id'], { env: openhimEnv() });
    expect(good.code).toBe(0);
    expect(good.stdout).toBe(`status\tid\nFailed\t${tid}\n`);
  });
});

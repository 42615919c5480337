/**
 * One voice across trees, through the binary: did-you-mean for a mistyped payload field and --columns checked
 * against the command's table, both before anything is sent; errors naming where a value came from (env var,
 * profile file, ${VAR}); status and profile test with the same human labels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { CANARY, runCli, sandboxDir, writeConfig } from '../helpers/cli.js';
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

describe('errors name where a value came from', () => {
  let openhim: FakeOpenhim;
  const USER = 'sources@example.org';
  beforeAll(async () => {
    openhim = await startOpenhim({ lifetimeMs: 60_000, users: [{ email: USER, password: CANARY.openhimPassword, groups: ['admin'] }] });
  });
  afterAll(async () => {
    await openhim?.close();
  });
  // port 9 (discard) on loopback: nothing listens, the connection is refused
  const DEAD = 'http://127.0.0.1:9';
  const profileFile = (url: string) => writeConfig(`profiles:\n  prod:\n    provider: openhim\n    url: ${url}\n    username: ${USER}\n    password: \${MY_PW}\n`, 'config.yaml');

  it('a refused connection says "check OPENHIM_URL" when the URL came from it, the profile and file when from there', async () => {
    const env = await runCli(['openhim', 'task', 'list'], { env: { OPENHIM_URL: DEAD, OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: CANARY.openhimPassword } });
    expect(env.code).toBe(6);
    expect(env.stderr).toBe('taskctl: could not connect to 127.0.0.1:9: connection refused (check OPENHIM_URL and that the server is running)\n');
    const file = profileFile(DEAD);
    const prof = await runCli(['--config', file, 'openhim', 'task', 'list'], { env: { MY_PW: CANARY.openhimPassword } });
    expect(prof.code).toBe(6);
    expect(prof.stderr).toBe(`taskctl: could not connect to 127.0.0.1:9: connection refused (check "url" of profile "prod" in ${file} and that the server is running)\n`);
  });

  it('refused credentials name the env var or the profile field (and the ${VAR} it names) each came from', async () => {
    const file = profileFile(openhim.url);
    const r = await runCli(['--config', file, 'openhim', 'task', 'list'], { env: { MY_PW: 'wrong-password', OPENHIM_USERNAME: USER } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`(check OPENHIM_USERNAME and MY_PW (named by "password" of profile "prod" in ${file}); or choose a mode`);
    const both = await runCli(['--config', file, 'openhim', 'task', 'list'], { env: { MY_PW: 'wrong-password' } });
    expect(both.stderr).toContain(`(check "username" of profile "prod" in ${file} and MY_PW (named by "password"`);
  });

  it('an unreadable CA file names where it came from: --ca, TASKCTL_CA or the profile\'s "ca"; nothing is sent', async () => {
    const missing = path.join(sandboxDir(), 'no-such-ca.pem');
    const file = writeConfig(`profiles:\n  prod:\n    provider: openhim\n    url: ${openhim.url}\n    username: ${USER}\n    password: \${MY_PW}\n    ca: ${missing}\n`, 'config.yaml');
    const before = openhim.requests.length;
    const env = { MY_PW: CANARY.openhimPassword };
    const fromProfile = await runCli(['--config', file, 'openhim', 'task', 'list'], { env });
    expect(fromProfile.code).toBe(3);
    expect(fromProfile.stderr).toBe(`taskctl: cannot read CA file ${missing}: ENOENT (check "ca" of profile "prod" in ${file})\n`);
    const fromEnv = await runCli(['--config', file, 'openhim', 'task', 'list'], { env: { ...env, TASKCTL_CA: missing } });
    expect(fromEnv.code).toBe(3);
    expect(fromEnv.stderr).toBe(`taskctl: cannot read CA file ${missing}: ENOENT (check TASKCTL_CA)\n`);
    const fromFlag = await runCli(['--config', file, '--ca', missing, 'openhim', 'task', 'list'], { env: { ...env, TASKCTL_CA: '/elsewhere.pem' } });
    expect(fromFlag.code).toBe(3);
    expect(fromFlag.stderr).toBe(`taskctl: cannot read CA file ${missing}: ENOENT (check --ca)\n`);
    expect(openhim.requests.length).toBe(before);
  });

  it('a bad value from an env var names the variable, like TASKCTL_* do, even over a profile; nothing is sent', async () => {
    const file = profileFile(openhim.url);
    const before = openhim.requests.length;
    const r = await runCli(['--config', file, 'openhim', 'task', 'list'], { env: { MY_PW: CANARY.openhimPassword, OPENHIM_AUTH: 'bogus' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('taskctl: OPENHIM_AUTH="bogus": expected one of basic|token|session|auto (fix or unset the variable; nothing was sent)\n');
    const lt = await runCli(['--config', file, 'openhim', 'task', 'list'], { env: { MY_PW: CANARY.openhimPassword, TASKCTL_LOCAL_TIME: 'yes' } });
    expect(lt.code).toBe(2);
    expect(lt.stderr).toBe('taskctl: TASKCTL_LOCAL_TIME="yes": expected 1 (local times) or 0 (fix or unset the variable; nothing was sent)\n');
    expect(openhim.requests.length).toBe(before);
  });

  it('status speaks with human labels and units, as profile test does; the JSON keys stay camelCase', async () => {
    const env = { OPENHIM_URL: openhim.url, OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: CANARY.openhimPassword };
    const r = await runCli(['openhim', 'status'], { env });
    expect(r.code).toBe(0);
    const labels = r.stdout.trimEnd().split('\n').map((l) => l.split('\t')[0]);
    expect(labels).toEqual(['URL', 'Version', 'Server timezone', 'Clock offset', 'Uptime', 'Auth']);
    expect(r.stdout).toMatch(/\nClock offset\t-?\d+ ms\nUptime\t\d+ s\n/);
    const t = await runCli(['profile', 'test'], { env });
    expect(t.stdout.trimEnd().split('\n').map((l) => l.split('\t')[0])).toEqual(['Profile', 'Provider', ...labels]);
    expect(t.stdout).toMatch(/\nClock offset\t-?\d+ ms\nUptime\t\d+ s\n/);
    const j = await runCli(['openhim', 'status', '--json'], { env });
    expect(Object.keys(j.json<object>())).toEqual(['url', 'version', 'serverTimezone', 'clockOffsetMs', 'uptimeSeconds', 'auth']);
  });
});

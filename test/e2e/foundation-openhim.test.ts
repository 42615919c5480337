/**
 * The foundation through the built binary against the fake OpenHIM core: profiles from a file and from
 * the environment, each auth mode, `api` with each input form, --dry-run, --json, the exit codes, and TLS.
 * Every run is scanned for the canary secrets by runCli.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startOpenhim, type FakeOpenhim } from '../servers/openhim.js';
import { CANARY, runCli, sandboxDir, trustConfig, writeConfig } from '../helpers/cli.js';

const USER = 'admin@example.org';
const PW = CANARY.openhimPassword;
const users = [{ email: USER, password: PW, groups: ['admin'] }];

function env(fake: { url: string }, extra: Record<string, string> = {}) {
  return { OPENHIM_URL: fake.url, OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: PW, ...extra };
}

describe('openhim profiles and auth through the binary', () => {
  let master: FakeOpenhim;
  let old: FakeOpenhim;
  beforeAll(async () => {
    master = await startOpenhim({ flavor: 'master', users });
    old = await startOpenhim({ flavor: '4.0.5', users });
  });
  afterAll(async () => {
    await master.close();
    await old.close();
  });

  it('works from environment variables alone, with basic auth by default (auto)', async () => {
    const before = master.requests.length;
    const r = await runCli(['openhim', 'api', 'GET', '/about'], { env: env(master) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ currentCoreVersion: '8.5.0', serverTimezone: 'Africa/Abidjan' });
    const sent = master.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].headers.authorization).toMatch(/^Basic /);
  });

  it('auto falls back to token auth on a 4.0.5 core after one 401, with one /authenticate per process', async () => {
    const before = old.requests.length;
    const r = await runCli(['openhim', 'status', '--json'], { env: env(old) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = r.json<{ version: string; auth: string; clockOffsetMs: number; url: string }>();
    expect(s).toMatchObject({ version: '4.0.5', auth: 'token', url: old.url });
    expect(Math.abs(s.clockOffsetMs)).toBeLessThan(2000);
    const sent = old.requests.slice(before).map((q) => `${q.method} ${q.path}`);
    expect(sent).toEqual(['GET /heartbeat', 'GET /heartbeat', 'GET /about', `GET /authenticate/${encodeURIComponent(USER)}`, 'GET /about']);
  });

  it('token mode corrects auth-ts by the server clock offset (server 60 s ahead)', async () => {
    const skewed = await startOpenhim({ flavor: '4.0.5', users, clockSkewMs: 60_000 });
    try {
      const r = await runCli(['openhim', 'status', '--json'], { env: env(skewed, { OPENHIM_AUTH: 'token' }) });
      expect(r.code).toBe(0);
      expect(r.json<{ clockOffsetMs: number }>().clockOffsetMs).toBeGreaterThan(55_000);
      const about = skewed.requests.filter((q) => q.path === '/about');
      expect(about).toHaveLength(1);
      const ts = Date.parse(String(about[0].headers['auth-ts']));
      expect(ts - about[0].time).toBeGreaterThan(50_000);
      // a fresh salt per request, never the user's salt
      expect(about[0].headers['auth-salt']).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      await skewed.close();
    }
  });

  it('session mode logs in once and sends the cookies', async () => {
    const before = master.requests.length;
    const r = await runCli(['openhim', 'api', 'GET', '/about', '-v'], { env: env(master, { OPENHIM_AUTH: 'session' }) });
    expect(r.code).toBe(0);
    const sent = master.requests.slice(before);
    expect(sent.map((q) => `${q.method} ${q.path}`)).toEqual(['POST /authenticate/local', 'GET /about']);
    expect(String(sent[1].headers.cookie)).toMatch(/^koa\.sess=[^;]+; koa\.sess\.sig=/);
    // the cookie value is a secret: --verbose shows it masked
    const cookieValue = String(sent[1].headers.cookie).split(';')[0].split('=')[1];
    expect(r.stderr).not.toContain(cookieValue);
    expect(r.stderr).toContain('> cookie: koa.sess=***; koa.sess.sig=***');
  });

  it('basic mode against a 4.0.5 core: exit 4 with a hint naming the other modes', async () => {
    const r = await runCli(['openhim', 'api', 'GET', '/about'], { env: env(old, { OPENHIM_AUTH: 'basic' }) });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^taskctl: authentication refused by 127\.0\.0\.1:\d+ \(tried basic\) \(basic needs OpenHIM 5\.1\+.*auth: token/m);
  });

  it('a wrong password in auto mode: exit 4 saying basic then token were tried', async () => {
    const r = await runCli(['openhim', 'status'], { env: env(old, { OPENHIM_PASSWORD: 'wrong-password' }), secrets: ['wrong-password'] });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('(tried basic, then token)');
    expect(r.stdout).toBe('');
  });

  it('a profile from a YAML config file with ${VAR} interpolation', async () => {
    const file = writeConfig(`profiles:\n  core:\n    provider: openhim\n    url: ${master.url}\n    username: ${USER}\n    password: \${CORE_PW}\n    auth: basic\n`);
    const r = await runCli(['--config', file, 'openhim', 'api', 'GET', '/about', '--json', '--query', 'currentCoreVersion'], { env: { CORE_PW: PW } });
    expect(r.code).toBe(0);
    // a string result prints bare, as `jq -r` would
    expect(r.stdout).toBe('8.5.0\n');
  });

  it('an unset ${VAR} is exit 3 naming the variable and the profile', async () => {
    const file = writeConfig(`profiles:\n  core:\n    provider: openhim\n    url: ${master.url}\n    username: ${USER}\n    password: \${NOT_SET_ANYWHERE}\n`);
    const before = master.requests.length;
    const r = await runCli(['--config', file, 'openhim', 'status']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('profile "core" field "password" uses ${NOT_SET_ANYWHERE}, but NOT_SET_ANYWHERE is not set');
    expect(master.requests.length).toBe(before);
  });

  it('the .openhimrc is found from a subdirectory, and env vars override its fields', async () => {
    const file = writeConfig(`profiles:\n  core:\n    provider: openhim\n    url: http://127.0.0.1:9\n    username: ${USER}\n    password: \${CORE_PW}\n`);
    const sub = path.join(path.dirname(file), 'a', 'b');
    fs.mkdirSync(sub, { recursive: true });
    await trustConfig(file);
    const r = await runCli(['openhim', 'api', 'GET', '/heartbeat'], { cwd: sub, env: { CORE_PW: PW, OPENHIM_URL: master.url } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('now');
  });
});

describe('openhim api through the binary', () => {
  let fake: FakeOpenhim;
  let taskId: string;
  beforeAll(async () => {
    fake = await startOpenhim({ flavor: 'master', users });
    taskId = fake.createTask({ status: 'Paused' })._id;
  });
  afterAll(() => fake.close());

  it('PUT with --input file sends the file as JSON and prints the text answer', async () => {
    const file = path.join(sandboxDir(), 'task.json');
    fs.writeFileSync(file, '{"status":"Queued"}');
    const before = fake.requests.length;
    const r = await runCli(['openhim', 'api', 'PUT', `/tasks/${taskId}`, '--input', file], { env: env(fake) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('The Task was successfully updated\n');
    const put = fake.requests.slice(before).find((q) => q.method === 'PUT')!;
    expect(put.headers['content-type']).toBe('application/json');
    expect(JSON.parse(put.body)).toEqual({ status: 'Queued' });
  });

  it('--input - reads the body from stdin; --data sends it inline', async () => {
    const r1 = await runCli(['openhim', 'api', 'PUT', `/tasks/${taskId}`, '--input', '-'], { env: env(fake), input: '{"status":"Paused"}' });
    expect(r1.code).toBe(0);
    expect(fake.tasks.get(taskId)!.status).toBe('Paused');
    const r2 = await runCli(['openhim', 'api', 'PUT', `/tasks/${taskId}`, '--data', '{"status":"Queued"}'], { env: env(fake) });
    expect(r2.code).toBe(0);
    expect(fake.tasks.get(taskId)!.status).toBe('Queued');
  });

  it('-q adds query parameters, -H headers, -i the status line and headers', async () => {
    const before = fake.requests.length;
    const r = await runCli(['openhim', 'api', 'GET', '/tasks', '-q', 'filterPage=0', '-q', 'filterLimit=5', '-q', 'filters={}', '-H', 'X-Trace: abc', '-i'], { env: env(fake) });
    expect(r.code).toBe(0);
    const sent = fake.requests[before];
    expect(sent.query.get('filterLimit')).toBe('5');
    expect(sent.query.get('filters')).toBe('{}');
    expect(sent.headers['x-trace']).toBe('abc');
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\n/);
    expect(r.stdout).toMatch(/\ncontent-type: application\/json/);
    expect(JSON.parse(r.stdout.slice(r.stdout.indexOf('\n\n') + 2))[0]._id).toBe(taskId);
  });

  it('exit code follows the status: 404 → 5 and the server body on stdout', async () => {
    const r = await runCli(['openhim', 'api', 'GET', '/tasks/5f0000000000000000000000', '-q', 'filters={}'], { env: env(fake) });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('We could not find a Task with this ID: 5f0000000000000000000000.\n');
    expect(r.stderr).toContain('taskctl: GET /tasks/5f0000000000000000000000: not found');
  });

  it('a 500 is exit 1; with --json the error is one JSON line on stderr, nothing on stdout', async () => {
    const r = await runCli(['openhim', 'api', 'GET', '/tasks', '--json'], { env: env(fake) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.errorJson()).toMatchObject({ error: { code: 1, status: 500, message: expect.stringContaining('Could not fetch all tasks via the API') } });
  });

  it('warns about the Basic-auth "User Authenticated Successfully" trap on the typo route', async () => {
    const r = await runCli(['openhim', 'api', 'PUT', `/task/${taskId}`, '--data', '{"status":"Paused"}'], { env: env(fake) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('User Authenticated Successfully\n');
    expect(r.stderr).toContain('warning: the server answered "User Authenticated Successfully"');
  });

  it('bad JSON is exit 2 with line and column, and nothing is sent (not even /authenticate)', async () => {
    const file = path.join(sandboxDir(), 'bad.json');
    fs.writeFileSync(file, '{\n  "status": "Paused",\n}\n');
    const before = fake.requests.length;
    const r = await runCli(['openhim', 'api', 'PUT', `/tasks/${taskId}`, '--input', file], { env: env(fake, { OPENHIM_AUTH: 'token' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:3:1: invalid JSON`);
    expect(fake.requests.length).toBe(before);
  });

  it('refuses credentials in -H and an unknown method, before sending', async () => {
    const before = fake.requests.length;
    const r1 = await runCli(['openhim', 'api', 'GET', '/about', '-H', 'Authorization: Basic abc'], { env: env(fake) });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain('credentials are not taken on the command line');
    const r2 = await runCli(['openhim', 'api', 'FETCH', '/about'], { env: env(fake) });
    expect(r2.code).toBe(2);
    const r3 = await runCli(['openhim', 'api', 'GET', 'https://elsewhere.example/about'], { env: env(fake) });
    expect(r3.code).toBe(2);
    expect(fake.requests.length).toBe(before);
  });

  it('--dry-run prints the request with secrets masked and sends nothing, in every auth mode', async () => {
    for (const mode of ['basic', 'token', 'session', 'auto']) {
      const before = fake.requests.length;
      const r = await runCli(['openhim', 'api', 'PUT', `/tasks/${taskId}`, '--data', '{"status":"Paused"}', '--dry-run'], { env: env(fake, { OPENHIM_AUTH: mode }) });
      expect(r.code).toBe(0);
      expect(fake.requests.length).toBe(before);
      expect(r.stdout).toContain(`PUT ${fake.url}/tasks/${taskId}`);
      expect(r.stdout).toContain('"status": "Paused"');
      expect(r.stdout).toMatch(/(authorization: Basic \*\*\*|auth-token: \*\*\*|cookie: koa\.sess=\*\*\*)/);
    }
  });

  it('--dry-run --json prints one JSON document of the requests', async () => {
    const r = await runCli(['openhim', 'status', '--dry-run', '--json'], { env: env(fake) });
    expect(r.code).toBe(0);
    const doc = r.json<{ dryRun: boolean; requests: { method: string; url: string; headers: Record<string, string> }[] }>();
    expect(doc.dryRun).toBe(true);
    expect(doc.requests.map((q) => `${q.method} ${new URL(q.url).pathname}`)).toEqual(['GET /heartbeat', 'GET /about']);
    expect(doc.requests[1].headers.authorization).toBe('Basic ***');
  });

  it('--verbose logs request and response lines to stderr with the Authorization value masked', async () => {
    const r = await runCli(['openhim', 'api', 'GET', '/about', '--verbose'], { env: env(fake) });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`> GET ${fake.url}/about`);
    expect(r.stderr).toContain('> authorization: Basic ***');
    expect(r.stderr).toMatch(/< 200 OK \(\d+ ms\)/);
    expect(r.stderr).not.toContain(Buffer.from(`${USER}:${PW}`).toString('base64'));
  });
});

describe('exit codes for configuration, usage and network failures', () => {
  it('no config and no env: exit 3 with a hint', async () => {
    const r = await runCli(['openhim', 'status']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('taskctl: no config file and no openhim environment variables (run `taskctl profile add');
  });

  it('a profile of another provider: exit 3', async () => {
    const file = writeConfig('profiles:\n  crm:\n    provider: close\n    apiKey: ${CLOSE_KEY}\n');
    const r = await runCli(['--config', file, '-p', 'crm', 'openhim', 'status']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('profile "crm" is a close profile, not openhim');
  });

  it('a missing password: exit 3 naming the field and the variable', async () => {
    const r = await runCli(['openhim', 'status'], { env: { OPENHIM_URL: 'http://127.0.0.1:9', OPENHIM_USERNAME: USER } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('has no password (set OPENHIM_PASSWORD');
  });

  it('unknown flags and commands: exit 2, one line that suggests the right word', async () => {
    expect((await runCli(['openhim', 'status', '--nope'])).code).toBe(2);
    expect((await runCli(['openhim', 'frobnicate'])).code).toBe(2);
    const typo = await runCli(['openhim', 'tsk', 'list']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("taskctl: unknown command 'tsk' (did you mean task?)\n");
    const bare = await runCli(['openhim']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: taskctl openhim');
    expect(bare.stdout).toBe('');
    expect((await runCli(['--timeout', 'soon', 'openhim', 'status'])).code).toBe(2);
  });

  it('connection refused: exit 6', async () => {
    const r = await runCli(['openhim', 'status', '--retries', '0'], { env: { OPENHIM_URL: 'http://127.0.0.1:9', OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: PW } });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('could not connect to 127.0.0.1:9: connection refused');
  });

  it('a server slower than --timeout: exit 6 naming the timeout', async () => {
    const slow = await startOpenhim({ users, latencyMs: 1500 });
    try {
      const r = await runCli(['openhim', 'api', 'GET', '/about', '--timeout', '200', '--retries', '0'], { env: env(slow) });
      expect(r.code).toBe(6);
      expect(r.stderr).toContain('timed out');
    } finally {
      await slow.close();
    }
  });
});

describe('TLS with a self-signed certificate', () => {
  let tlsFake: FakeOpenhim;
  let certFile: string;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(sandboxDir(), 'tls-'));
    certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    tlsFake = await startOpenhim({ users, tls: { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }, hostname: 'localhost' });
  });
  afterAll(() => tlsFake.close());

  it('fails by default with exit 6 and says how to fix it', async () => {
    const r = await runCli(['openhim', 'status'], { env: env(tlsFake) });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('TLS: the certificate of');
    expect(r.stderr).toContain('--ca <file>');
  });

  it('works with --ca when the host name matches the certificate', async () => {
    const r = await runCli(['openhim', 'status', '--ca', certFile, '--json'], { env: env(tlsFake) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json<{ version: string }>().version).toBe('8.5.0');
  });

  it('with --ca but the IP address: exit 6 explaining the host-name mismatch', async () => {
    const r = await runCli(['openhim', 'status', '--ca', certFile], { env: env(tlsFake, { OPENHIM_URL: tlsFake.url.replace('localhost', '127.0.0.1') }) });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('is not valid for the host name "127.0.0.1"');
  });

  it('works with --insecure and warns on stderr', async () => {
    const r = await runCli(['openhim', 'status', '--insecure'], { env: env(tlsFake) });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: TLS certificate verification is off (--insecure)');
  });

  it('a ca: path in the profile is relative to the config file', async () => {
    const file = writeConfig(`profiles:\n  core:\n    provider: openhim\n    url: ${tlsFake.url}\n    username: ${USER}\n    password: \${PW}\n    ca: ./cert.pem\n`);
    fs.copyFileSync(certFile, path.join(path.dirname(file), 'cert.pem'));
    const r = await runCli(['--config', file, 'openhim', 'status'], { env: { PW }, cwd: '/' });
    expect(r.code).toBe(0);
  });
});

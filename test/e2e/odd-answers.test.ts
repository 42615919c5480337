/**
 * Odd answers real servers give, through the built binary: a heartbeat of `null`, a truncated JSON body
 * under `api --json`, a server that echoes request headers (the per-request OpenHIM auth-token must not be
 * printed), GET /tasks without its required query, the clock offset without connection set-up, and a
 * download into a path whose parent is a file.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY, ROOT, errorJson, runCli, sandboxDir } from '../helpers/cli.js';
import { jsonReply, startServer, textReply, type FakeServer } from '../servers/base.js';
import { startSpaaza, type FakeSpaaza } from '../servers/spaaza.js';

const USER = 'odd@example.org';
const BASIC = `Basic ${Buffer.from(`${USER}:${CANARY.openhimPassword}`).toString('base64')}`;
/** escapes, number forms, empty containers, non-ASCII, a BOM and odd white space, as servers send them */
const ODD_JSON = `\ufeff[ {"_id":"a\\u0041\\/b","n":[1.50,-0,1E3,12345678901234567890],"e":{},"l":[],"t":"ü — ☃ 😀\\n"} ,\r\n\tnull,true ]`;
let heartbeat: unknown = { master: 1.5, now: 0 };
let core: FakeServer;

beforeAll(async () => {
  // a minimal OpenHIM core: public /heartbeat and /authenticate, everything else needs Basic or token headers
  core = await startServer(
    (req) => {
      if (req.path === '/heartbeat') return jsonReply(200, heartbeat);
      if (req.path.startsWith('/authenticate/')) return jsonReply(200, { salt: 'odd-salt', ts: new Date().toISOString() });
      const token = req.headers['auth-token'];
      if (req.headers.authorization !== BASIC && !(typeof token === 'string' && /^[0-9a-f]{128}$/.test(token))) return textReply(401, 'Unauthorized');
      if (req.path === '/about') return jsonReply(200, { currentCoreVersion: '8.5.0', serverTimezone: 'UTC' });
      if (req.path === '/echo') return jsonReply(200, { headers: req.headers });
      if (req.path === '/big') return jsonReply(200, Array.from({ length: 30_000 }, (_, i) => ({ _id: i.toString(16).padStart(24, '0'), status: 'Completed' })));
      if (req.path === '/big-chunked') return { status: 200, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: `[${'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",'.repeat(40_000)}"end"]` };
      if (req.path === '/odd-json') return { status: 200, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: ODD_JSON };
      if (req.path === '/truncated') return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '[{"_id":"5f00000000000000000000a1","status":"Comp' };
      if (req.path === '/tasks' && !req.query.has('filters')) return textReply(500, 'Could not fetch all tasks via the API: SyntaxError: "undefined" is not valid JSON');
      return textReply(404, 'Not Found');
    },
    { lifetimeMs: 100_000 },
  );
});
afterAll(async () => core.close());

const env = (auth = 'basic') => ({ OPENHIM_URL: core.url, OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: CANARY.openhimPassword, OPENHIM_AUTH: auth });

/** A plain HTTP server on 127.0.0.1 for answers the fakes cannot give (partial bodies, timing, echoes); stops by itself. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  setTimeout(() => server.close(), 200_000).unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('openhim odd answers', () => {
  it('status: a heartbeat of null is a clear error (exit 1), not a crash', async () => {
    heartbeat = null;
    try {
      const r = await runCli(['openhim', 'status'], { env: env() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/does not look like an OpenHIM core API \(GET \/heartbeat answered null/);
      expect(r.stderr).not.toMatch(/Cannot read properties|unexpected error/);
      expect(r.stdout).toBe('');
    } finally {
      heartbeat = { master: 1.5, now: 0 };
    }
  });

  it('api --json: a truncated JSON body exits 1 and prints nothing on stdout', async () => {
    const r = await runCli(['openhim', 'api', 'GET', '/truncated', '--json'], { env: env() });
    expect(r.code).toBe(1);
    // nothing of the body reaches stdout (which holds at most the JSON error document)
    expect(r.stdout).not.toContain('"status":"Comp');
    if (r.stdout.trim()) JSON.parse(r.stdout);
    expect(errorJson(r).error).toMatchObject({ code: 1, status: 200, message: expect.stringMatching(/is not valid JSON/) });
    // --query reads the answer as a value (not printed from its bytes): the same refusal
    const q = await runCli(['openhim', 'api', 'GET', '/truncated', '--json', '--query', '[0]._id'], { env: env() });
    expect(q.code).toBe(1);
    expect(q.stdout).not.toContain('5f00000000000000000000a1');
    expect(errorJson(q).error).toMatchObject({ code: 1, status: 200, message: expect.stringMatching(/is not valid JSON/) });
  });

  it('api prints a JSON answer from its bytes exactly as JSON.stringify(JSON.parse(body), null, 2) would', async () => {
    const want = `${JSON.stringify(JSON.parse(ODD_JSON.slice(1)), null, 2)}\n`;
    for (const flags of [[], ['--json']]) {
      const r = await runCli(['openhim', 'api', 'GET', '/odd-json', ...flags], { env: env() });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(want);
    }
    // without --json a body that does not parse is shown as it came
    const t = await runCli(['openhim', 'api', 'GET', '/truncated'], { env: env() });
    expect(t.code).toBe(0);
    expect(t.stdout).toBe('[{"_id":"5f00000000000000000000a1","status":"Comp\n');
  });

  it('api: a server that echoes request headers never shows the auth-token (nor Authorization)', async () => {
    const r = await runCli(['openhim', 'api', 'GET', '/echo'], { env: env('token') });
    expect(r.code).toBe(0);
    const echoed = JSON.parse(r.stdout) as { headers: Record<string, string> };
    expect(echoed.headers['auth-token']).toBe('***');
    expect(r.stdout).not.toMatch(/[0-9a-f]{128}/);
    const basic = await runCli(['openhim', 'api', 'GET', '/echo', '--json'], { env: env('basic') });
    expect(basic.code).toBe(0);
    expect(basic.stdout).not.toContain(BASIC.slice(6));
    expect((basic.json() as { headers: Record<string, string> }).headers.authorization).toMatch(/^(Basic )?\*\*\*$/);
  });

  it('api GET /tasks without its query names the parameters the route needs', async () => {
    const r = await runCli(['openhim', 'api', 'GET', '/tasks'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GET /tasks needs the query parameters filterPage, filterLimit and filters');
    const j = await runCli(['openhim', 'api', 'GET', '/tasks', '--json'], { env: env() });
    expect(j.code).toBe(1);
    expect(errorJson(j).error).toMatchObject({ code: 1, status: 500 });
    expect(j.stderr + JSON.stringify(errorJson(j))).toContain("-q 'filters={}'");
  });
});

describe('a server that echoes request headers, for every provider and auth mode', () => {
  /** the credential headers each request carried, as the server received them */
  const sent: Array<Record<string, string>> = [];
  let echo: Awaited<ReturnType<typeof serve>>;
  let url = '';
  const CREDENTIAL = /^(authorization|x-authorization|auth-token|cookie)$/;
  beforeAll(async () => {
    // answers each provider's log-in (Conductor token, OpenHIM salt and session) with fresh values, and
    // every other request with the headers it came with
    echo = await serve((req, res) => {
      const creds = Object.fromEntries(Object.entries(req.headers).filter(([k]) => CREDENTIAL.test(k)).map(([k, v]) => [k, String(v)]));
      if (Object.keys(creds).length) sent.push(creds);
      const json = (status: number, body: unknown, headers: Record<string, string | string[]> = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      const fresh = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
      if (req.url === '/api/token') return json(200, { token: `minted-${fresh()}` });
      if (req.url?.startsWith('/authenticate/local')) return json(200, {}, { 'set-cookie': [`koa.sess=sess-${fresh()}; path=/; httponly`, `koa.sess.sig=sig-${fresh()}; path=/; httponly`] });
      if (req.url?.startsWith('/authenticate/')) return json(200, { salt: `salt-${fresh()}`, ts: new Date().toISOString() });
      return json(200, { headers: req.headers });
    });
    url = echo.url;
  });
  afterAll(async () => echo.close());

  const runs: Array<[string, string[], () => Record<string, string>]> = [
    ['openhim basic', ['openhim', 'api', 'GET', '/echo'], () => ({ ...env('basic'), OPENHIM_URL: url })],
    ['openhim token', ['openhim', 'api', 'GET', '/echo'], () => ({ ...env('token'), OPENHIM_URL: url })],
    ['openhim session', ['openhim', 'api', 'GET', '/echo'], () => ({ ...env('session'), OPENHIM_URL: url })],
    ['conductor', ['conductor', 'api', 'GET', '/api/echo'], () => ({ CONDUCTOR_SERVER_URL: url, CONDUCTOR_AUTH_KEY: 'echo-key', CONDUCTOR_AUTH_SECRET: CANARY.conductorSecret })],
    ['close', ['close', 'api', 'GET', '/echo'], () => ({ CLOSE_URL: url, CLOSE_API_KEY: CANARY.closeApiKey })],
    ['spaaza', ['spaaza', 'api', 'GET', '/echo'], () => ({ SPAAZA_URL: url, SPAAZA_TOKEN_ID: 'echo-token-id', SPAAZA_TOKEN_SECRET: CANARY.spaazaSecret })],
  ];
  it.each(runs)('%s: no credential header value a run sent appears in what it prints, also with --verbose and --json', async (_name, args, envFor) => {
    for (const flags of [[], ['--verbose'], ['--json']]) {
      sent.length = 0;
      const r = await runCli([...args, ...flags], { env: envFor() });
      expect(r.code, r.stderr).toBe(0);
      expect(sent.length).toBeGreaterThan(0);
      // each whole value, the part after its scheme, each cookie's value
      const values = sent.flatMap((h) => Object.entries(h)).flatMap(([k, v]) => (k === 'cookie' ? [v, ...[...v.matchAll(/=([^;]+)/g)].map((m) => m[1])] : [v, v.replace(/^(Basic|Bearer|Token)\s+/i, '')]));
      for (const v of values) {
        expect(r.stdout, `${flags.join(' ')} stdout shows ${v}`).not.toContain(v);
        expect(r.stderr, `${flags.join(' ')} stderr shows ${v}`).not.toContain(v);
      }
      // the echo came back (the server saw the headers) with the credentials masked
      expect(r.stdout).toMatch(/\*\*\*/);
    }
  });
});

describe('answers read into memory are bounded (TASKCTL_MAX_RESPONSE_MIB, default 64)', () => {
  it('a larger answer, with or without content-length, is exit 1 saying what to narrow; nothing on stdout', async () => {
    for (const p of ['/big', '/big-chunked']) {
      const r = await runCli(['openhim', 'api', 'GET', p], { env: { ...env(), TASKCTL_MAX_RESPONSE_MIB: '1' } });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`the answer to GET ${p} is larger than 1 MiB, the most taskctl reads into memory`);
      expect(r.stderr).toMatch(/ask for less: --limit, --page or filters .*raise TASKCTL_MAX_RESPONSE_MIB/);
    }
    const ok = await runCli(['openhim', 'api', 'GET', '/big', '--json', '--query', 'length(@)'], { env: { ...env(), TASKCTL_MAX_RESPONSE_MIB: '4' } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('30000\n');
  });

  it('the default bound is 64 MiB: an answer that declares one byte more is refused before its body is read', async () => {
    // the server declares 64 MiB + 1 and sends one byte: taskctl stops at the header, never waiting for the rest
    const huge = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024 + 1) });
      res.write('[');
    });
    try {
      const r = await runCli(['openhim', 'api', 'GET', '/tasks', '-q', 'filters={}'], { env: { ...env(), OPENHIM_URL: huge.url } });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('the answer to GET /tasks is larger than 64 MiB, the most taskctl reads into memory');
    } finally {
      await huge.close();
    }
  });
});

describe('a 50 MB JSON answer: peak memory under 3x its size (issue 12)', () => {
  let big: Awaited<ReturnType<typeof serve>>;
  let body: Buffer;
  beforeAll(async () => {
    // task-like objects with some non-ASCII text, as `openhim api GET /tasks` answers them
    const items: string[] = [];
    let size = 2;
    for (let i = 0; size < 50e6; i++) {
      const t = JSON.stringify({ _id: i.toString(16).padStart(24, '0'), status: i % 3 ? 'Completed' : 'Processing', remainingTransactions: i % 7, created: new Date(1.7e12 + i * 1000).toISOString(), note: 'ü — a bit of text '.repeat(3) });
      size += t.length + 1;
      items.push(t);
    }
    body = Buffer.from(`[${items.join(',')}]`);
    big = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body));
  });
  afterAll(async () => big.close());

  it('api GET --json prints it whole while the process peaks below 3x the body (it was ~9x)', { timeout: 180_000 }, async () => {
    // the peak resident set size of the taskctl process itself, written when it exits (bench/rss-probe.cjs)
    const rssFile = path.join(fs.mkdtempSync(path.join(sandboxDir(), 'rss-')), 'max-rss-kib');
    const r = await runCli(['openhim', 'api', 'GET', '/tasks', '--json'], {
      env: { ...env(), OPENHIM_URL: big.url, NODE_OPTIONS: `--require ${path.join(ROOT, 'bench', 'rss-probe.cjs')}`, TASKCTL_BENCH_RSS_FILE: rssFile },
      timeoutMs: 150_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('[\n  {\n    "_id": "000000000000000000000000",\n')).toBe(true);
    expect(r.stdout.endsWith('\n  }\n]\n')).toBe(true);
    expect(r.stdout.length).toBeGreaterThan(body.length);
    const peak = Number(fs.readFileSync(rssFile, 'utf8')) * 1024;
    expect(peak / body.length, `peak RSS ${(peak / 1e6).toFixed(1)} MB for a ${(body.length / 1e6).toFixed(1)} MB answer`).toBeLessThan(3);
  });
});

describe('openhim status: the clock offset does not count connection set-up', () => {
  let slow: Awaited<ReturnType<typeof serve>>;
  const SKEW = 5000;
  beforeAll(async () => {
    // the first request on every new connection waits 1.5 s (a slow TCP/TLS set-up); later ones answer at once.
    // Its clock reads a minute further on, so the offset shows which heartbeat was measured whatever the
    // machine's speed: ~SKEW from the warm one, ~SKEW + 60 s from the one that paid for the set-up.
    const seen = new WeakSet<object>();
    slow = await serve((req, res) => {
      const fresh = !seen.has(req.socket);
      seen.add(req.socket);
      const answer = () => {
        if (req.url === '/heartbeat') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ master: 3, now: Date.now() + SKEW + (fresh ? 60_000 : 0) }));
        } else if (req.headers.authorization === BASIC && req.url === '/about') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"currentCoreVersion":"8.5.0"}');
        } else res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
      };
      if (fresh && req.url === '/heartbeat') setTimeout(answer, 1500);
      else answer();
    });
  });
  afterAll(async () => slow.close());

  it('measures on the warm connection: the offset is the server skew, not skew + half the set-up', async () => {
    const r = await runCli(['openhim', 'status', '--json'], { env: { ...env(), OPENHIM_URL: slow.url } });
    expect(r.code).toBe(0);
    const offset = r.json<{ clockOffsetMs: number }>().clockOffsetMs;
    expect(Math.abs(offset - SKEW)).toBeLessThan(30_000);
  });
});

describe('spaaza task download into a path whose parent is a file', () => {
  let fake: FakeSpaaza;
  beforeAll(async () => {
    fake = await startSpaaza({ tokenSecret: CANARY.spaazaSecret, lifetimeMs: 100_000 });
  });
  afterAll(async () => fake.close());

  it('exits 2 naming the path, sends nothing and leaves no temporary file', async () => {
    const dir = fs.mkdtempSync(path.join(sandboxDir(), 'odd-'));
    fs.writeFileSync(path.join(dir, 'plainfile'), 'not a directory');
    const t = fake.addTask({ state: { code: 'DONE' } } as never);
    const before = fake.requests.length;
    const r = await runCli(['spaaza', 'task', 'download', String(t.id), '-o', 'plainfile/out.csv'], {
      cwd: dir,
      env: { SPAAZA_URL: fake.url, SPAAZA_TOKEN_ID: fake.tokenId, SPAAZA_TOKEN_SECRET: CANARY.spaazaSecret },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot write plainfile/out.csv: plainfile is a file, not a directory');
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(fake.requests.length).toBe(before);
    expect(fs.readdirSync(dir)).toEqual(['plainfile']);
  });

  it('-o into a directory (trailing /) that does not exist exits 2 before anything is sent', async () => {
    const dir = fs.mkdtempSync(path.join(sandboxDir(), 'odd-'));
    const t = fake.addTask({ state: { code: 'DONE' } } as never);
    const before = fake.requests.length;
    const r = await runCli(['spaaza', 'task', 'download', String(t.id), '-o', 'exports/', '--force'], {
      cwd: dir,
      env: { SPAAZA_URL: fake.url, SPAAZA_TOKEN_ID: fake.tokenId, SPAAZA_TOKEN_SECRET: CANARY.spaazaSecret },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot write into exports/: the directory does not exist');
    expect(fake.requests.length).toBe(before);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a download streams to disk and is not bounded by TASKCTL_MAX_RESPONSE_MIB', async () => {
    const big = await startSpaaza({ tokenSecret: CANARY.spaazaSecret, lifetimeMs: 60_000, exportBytes: 3 * 1024 * 1024 });
    try {
      const dir = fs.mkdtempSync(path.join(sandboxDir(), 'odd-'));
      const t = big.addTask({ state: { code: 'DONE' } } as never);
      const r = await runCli(['spaaza', 'task', 'download', String(t.id), '-o', 'big.csv'], {
        cwd: dir,
        env: { SPAAZA_URL: big.url, SPAAZA_TOKEN_ID: big.tokenId, SPAAZA_TOKEN_SECRET: CANARY.spaazaSecret, TASKCTL_MAX_RESPONSE_MIB: '1' },
      });
      expect(r.code).toBe(0);
      expect(fs.statSync(path.join(dir, 'big.csv')).size).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    } finally {
      await big.close();
    }
  });
});

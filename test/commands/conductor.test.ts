/**
 * The conductor tree run in-process (test/helpers/inprocess.ts) against the fake server, plus the provider's
 * api.ts and auth.ts with a real Context: request building, terminal rendering, help text, token refresh rules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Context } from '../../src/context.js';
import { normaliseGlobals } from '../../src/runtime.js';
import { conductorCommands } from '../../src/commands/conductor/index.js';
import type { CommandSpec } from '../../src/commands/types.js';
import { conductor, authOf } from '../../src/providers/conductor/client.js';
import * as api from '../../src/providers/conductor/api.js';
import { ConductorOssError } from '../../src/providers/conductor/errors.js';
import { exitCodeFor } from '../../src/errors.js';
import { runInProcess } from '../helpers/inprocess.js';
import { startConductor, type ConductorOptions, type FakeConductor } from '../servers/conductor.js';

const SECRET = 'inproc-conductor-secret-77a1';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-conductor-cmd-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let s: FakeConductor;
let cache: string;
async function start(opts: ConductorOptions = {}) {
  s = await startConductor({ keySecret: SECRET, lifetimeMs: 60_000, ...opts });
  cache = fs.mkdtempSync(path.join(tmp, 'cache-'));
}
beforeEach(async () => start());
afterEach(async () => s.close());

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HOME: tmp, XDG_CONFIG_HOME: path.join(tmp, 'config'), XDG_CACHE_HOME: cache, CONDUCTOR_SERVER_URL: s.url, CONDUCTOR_AUTH_KEY: s.keyId, CONDUCTOR_AUTH_SECRET: SECRET, ...extra };
}

function streams() {
  const out = { stdout: '', stderr: '' };
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  return {
    out,
    streams: {
      stdin,
      stdout: { isTTY: false, columns: 200, write: (c: string) => ((out.stdout += c), true) },
      stderr: { isTTY: false, columns: 200, write: (c: string) => ((out.stderr += c), true) },
    },
  };
}

function run(args: string[], opts: { input?: string; tty?: boolean; env?: Record<string, string> } = {}) {
  return runInProcess(args, { input: opts.input, stdoutTTY: opts.tty, columns: 200, home: tmp, env: env(opts.env), secrets: [SECRET] });
}

function context(extraGlobals: Record<string, unknown> = {}) {
  const { out, streams: st } = streams();
  const ctx = new Context({ globals: normaliseGlobals(extraGlobals), streams: st, env: env(), cwd: tmp, signal: new AbortController().signal, version: 'test', provider: 'conductor' });
  return { ctx, out };
}

const me = () => ({ user: s.callerUser, userType: 'CONDUCTOR_USER' as const });

describe('conductor commands: help', () => {
  function leaves(spec: CommandSpec, at: string[] = []): string[][] {
    const here = [...at, spec.name];
    return spec.subcommands?.length ? spec.subcommands.flatMap((c) => leaves(c, here)) : [here];
  }
  it('every conductor command has --help ending with an example', async () => {
    const all = leaves(conductorCommands);
    expect(all.map((p) => p.join(' '))).toEqual([
      'conductor human complete',
      'conductor human update',
      'conductor human list',
      'conductor human get',
      'conductor human claim',
      'conductor human release',
      'conductor human skip',
      'conductor human reassign',
      'conductor api',
    ]);
    for (const p of all) {
      const r = await run([...p, '--help']);
      expect(r.code).toBe(0);
      const lastLine = r.stdout.trimEnd().split('\n').at(-3)!; // then the pointer to the global options
      expect(lastLine).toMatch(/^ {2}\$ taskctl conductor /);
      expect(r.stdout).toContain(`  $ taskctl ${p.join(' ')}`);
    }
    expect(s.requests).toHaveLength(0);
  });
});

describe('conductor commands: terminal output', () => {
  it('list on a terminal prints an aligned table with upper-case headers', async () => {
    s.addTask({ taskId: 'tty-1', assignee: me(), displayName: 'Approve', input: { amount: 1 } });
    s.addTask({ taskId: 'tty-22', assignee: me(), displayName: 'Review it' });
    const r = await run(['conductor', 'human', 'list'], { tty: true, env: { NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TASK ID {2,}STATE {2,}NAME {2,}DEFINITION {2,}ASSIGNEE {2,}CLAIMANT {2,}WORKFLOW ID {2,}TASK REF {2,}UPDATED {2,}INPUT$/);
    expect(lines[1].indexOf('ASSIGNED')).toBe(lines[0].indexOf('STATE'));
    expect(lines[2].indexOf('ASSIGNED')).toBe(lines[0].indexOf('STATE'));
    expect(lines[1]).toContain('{"amount":1}');
    expect(r.stdout).not.toContain('__humanTask');
  });

  it('get on a terminal prints "Key:" labels', async () => {
    s.addTask({ taskId: 'tty-1', assignee: me() });
    const r = await run(['conductor', 'human', 'get', 'tty-1'], { tty: true, env: { NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Task id: +tty-1$/m);
    expect(r.stdout).toMatch(/^Assignee: +user:user-1$/m);
  });

  it('--query filters the JSON of list', async () => {
    s.addTask({ taskId: 'q1', assignee: me() });
    s.addTask({ taskId: 'q2', assignee: me() });
    const r = await run(['conductor', 'human', 'list', '--query', '[].taskId']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['q1', 'q2']);
  });
});

describe('conductor commands: request building', () => {
  it('complete sends the same JSON body with complete=true to each id, ids from stdin lines with comments', async () => {
    s.addTask({ taskId: 'a', claimant: me() });
    s.addTask({ taskId: 'b', claimant: me() });
    const r = await run(['conductor', 'human', 'complete', '-', '--field', 'n:=3', '--field', 'who=me'], { input: '# approvals\na\n\nb\na\n' });
    expect(r.code).toBe(0);
    const calls = s.requests.filter((q) => q.path.startsWith('/api/human'));
    expect(calls).toHaveLength(2);
    for (const q of calls) {
      expect(q.headers['content-type']).toBe('application/json');
      expect(JSON.parse(q.body)).toEqual({ n: 3, who: 'me' });
      expect(q.query.get('complete')).toBe('true');
    }
    expect(r.stderr).toMatch(/ignoring repeated task id: a/);
  });

  it('ids and --file cannot both read standard input', async () => {
    const r = await run(['conductor', 'human', 'complete', '-', '--file', '-'], { input: 'a\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot both come from standard input/);
    expect(s.requests).toHaveLength(0);
  });

  it('task ids are sent percent-encoded as one path segment', async () => {
    const r = await run(['conductor', 'human', 'release', 'id%with:odd+chars']);
    expect(r.code).toBe(1);
    expect(s.requests.at(-1)!.path).toBe('/api/human/tasks/id%25with%3Aodd%2Bchars/release');
  });

  it('a 429 on a POST is retried after Retry-After, other failures of a POST are not', async () => {
    s.addTask({ taskId: 'a', assignee: me() });
    const { ctx } = context();
    const client = await conductor.connect(ctx);
    await authOf(client)!.prepare(false);
    s.failNext(1, 429, { 'retry-after': '0' });
    const r = await api.claimHumanTask(client, 'a');
    expect(r.status).toBe(200);
    expect(s.requests.filter((q) => q.path === '/api/human/tasks/a/claim')).toHaveLength(2);
  });
});

describe('conductor api.ts', () => {
  it('search parses the result; a malformed answer is an API error, not a crash', async () => {
    s.addTask({ taskId: 'x', assignee: me() });
    const { ctx } = context();
    const client = await conductor.connect(ctx);
    const r = await api.searchHumanTasks(client, { searchType: 'INBOX', start: 0, size: 5 });
    expect(r.data).toMatchObject({ totalHits: 1, hits: 1, results: [{ taskId: 'x' }] });
    s.failNext(1, 200, {}, { results: 'not a list' });
    const err = await api.searchHumanTasks(client, { searchType: 'INBOX', start: 0, size: 5 }).catch((e: unknown) => e);
    expect(exitCodeFor(err)).toBe(1);
    expect((err as Error).message).toMatch(/search human tasks: unexpected answer from 127\.0\.0\.1:\d+ \(200\)/);
  });

  it('a Spring 404 under /api/human becomes ConductorOssError; an OSS without /sync gets a version hint', async () => {
    await s.close();
    await start({ mode: 'oss' });
    const { ctx } = context();
    const client = await conductor.connect(ctx);
    await expect(api.getHumanTask(client, 'x')).rejects.toBeInstanceOf(ConductorOssError);
    s.failNext(1, 404, {}, { timestamp: 't', status: 404, error: 'Not Found', path: '/api/tasks/wf/ref/COMPLETED/sync' });
    const err = await api.updateTaskByRefSync(client, 'wf', 'ref', 'COMPLETED', {}).catch((e: unknown) => e);
    expect(exitCodeFor(err)).toBe(1);
    expect((err as { hint: string }).hint).toMatch(/3\.21\.12/);
  });

  it('under --dry-run each call reports dryRun and sends nothing', async () => {
    const { ctx, out } = context({ dryRun: true });
    const client = await conductor.connect(ctx);
    const r = await api.reassignHumanTask(client, 't', [{ assignee: { user: 'u', userType: 'CONDUCTOR_USER' }, slaMinutes: 0 }]);
    expect(r.dryRun).toBe(true);
    expect(out.stdout).toContain(`POST ${s.url}/api/human/tasks/t/reassign`);
    expect(out.stdout).toContain('x-authorization: ***');
    expect(s.requests).toHaveLength(0);
  });
});

describe('conductor auth.ts', () => {
  it('a 403 without a token error code is not refreshed; EXPIRED_TOKEN is, once for concurrent requests', async () => {
    const { ctx } = context();
    const client = await conductor.connect(ctx);
    const auth = authOf(client)!;
    await auth.prepare(false);
    expect(auth.mints).toBe(1);
    const forbidden = { status: 403, statusText: '', url: s.url, method: 'POST', headers: {}, text: JSON.stringify({ status: 403, message: 'no', instance: 'i', retryable: false }) };
    expect(await auth.refresh(forbidden)).toBe(false);
    const expired = { ...forbidden, status: 401, text: JSON.stringify({ message: 'Token has expired', error: 'EXPIRED_TOKEN', timestamp: 1 }) };
    const results = await Promise.all([auth.refresh(expired), auth.refresh(expired), auth.refresh(expired)]);
    expect(results).toEqual([true, true, true]);
    expect(auth.mints).toBe(2);
    expect(s.tokenRequests()).toBe(2);
    expect(auth.source).toBe('minted');
  });

  it('concurrent first requests share one token exchange', async () => {
    for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) s.addTask({ taskId: id, assignee: me() });
    const r = await run(['conductor', 'human', 'claim', 'c1', 'c2', 'c3', 'c4', 'c5', '--concurrency', '5']);
    expect(r.code).toBe(0);
    expect(s.tokenRequests()).toBe(1);
  });

  it('an expired token with more ids than --concurrency refreshes once and finishes every id', async () => {
    const ids = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'];
    for (const id of ids) s.addTask({ taskId: id, assignee: me() });
    expect((await run(['conductor', 'human', 'list', '--json'])).code).toBe(0);
    s.expireAllTokens();
    const r = await run(['conductor', 'human', 'claim', ...ids, '--concurrency', '2', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary).toEqual({ total: 6, succeeded: 6, failed: 0 });
    expect(s.tokenRequests()).toBe(2);
  });

  it('without a key no header is sent and no exchange happens', async () => {
    await s.close();
    await start({ mode: 'oss' });
    const bare = new Context({
      globals: normaliseGlobals({}),
      streams: streams().streams,
      env: { HOME: tmp, XDG_CACHE_HOME: cache, CONDUCTOR_SERVER_URL: s.url },
      cwd: tmp,
      signal: new AbortController().signal,
      version: 'test',
      provider: 'conductor',
    });
    const client = await conductor.connect(bare);
    expect(authOf(client)!.mode).toBe('none');
    await authOf(client)!.prepare(false);
    await client.request({ method: 'GET', path: '/api/workflow/none' });
    expect(s.requests.map((q) => q.path)).toEqual(['/api/workflow/none']);
    expect(s.requests[0].headers['x-authorization']).toBeUndefined();
  });
});

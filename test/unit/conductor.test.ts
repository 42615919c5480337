import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  NO_EXP_TTL_MS,
  REFRESH_MARGIN_MS,
  TokenCache,
  cacheDir,
  cacheFileFor,
  cacheKeyFor,
  jwtExpiryMs,
  normaliseBaseUrl,
  tokenValidUntil,
} from '../../src/providers/conductor/auth.js';
import { ConductorOssError, conductorErrorFor, isMissingHumanApi, missingRoutePath, parseErrorBody } from '../../src/providers/conductor/errors.js';
import { formatUser, parseUserSpec, validateTaskId, visibleInput } from '../../src/commands/conductor/human/common.js';
import { refForm } from '../../src/commands/conductor/human/form.js';
import { searchFilters } from '../../src/commands/conductor/human/list.js';
import { exitCodeFor } from '../../src/errors.js';
import type { HttpResponse } from '../../src/http/client.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-conductor-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function jwt(payload: Record<string, unknown>): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'HS256' })}.${b(payload)}.c2ln`;
}

function res(status: number, body: unknown, url = 'http://conductor.test:8080/api/human/tasks/x'): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, statusText: '', url, method: 'POST', headers: { 'content-type': 'application/json' }, text };
}

describe('conductor URL normalisation', () => {
  it('accepts the server URL with or without /api and trailing slashes', () => {
    expect(normaliseBaseUrl('https://developer.orkescloud.com')).toBe('https://developer.orkescloud.com');
    expect(normaliseBaseUrl('https://developer.orkescloud.com/api')).toBe('https://developer.orkescloud.com');
    expect(normaliseBaseUrl('https://developer.orkescloud.com/api/')).toBe('https://developer.orkescloud.com');
    expect(normaliseBaseUrl('http://host:8080/conductor/api')).toBe('http://host:8080/conductor');
    expect(normaliseBaseUrl('http://host:8080/apis')).toBe('http://host:8080/apis');
  });
});

describe('conductor JWT lifetime', () => {
  it('reads exp without verifying and reuses the token until 5 minutes before it', () => {
    const exp = 2_000_000_000;
    expect(jwtExpiryMs(jwt({ exp }))).toBe(exp * 1000);
    expect(tokenValidUntil(jwt({ exp }), 0)).toBe(exp * 1000 - REFRESH_MARGIN_MS);
    expect(REFRESH_MARGIN_MS).toBe(300_000);
  });
  it('falls back to 45 minutes from minting when the JWT has no exp or is not a JWT', () => {
    expect(jwtExpiryMs(jwt({ sub: 'k' }))).toBeNull();
    expect(jwtExpiryMs('opaque-token')).toBeNull();
    expect(tokenValidUntil(jwt({ sub: 'k' }), 1_000)).toBe(1_000 + NO_EXP_TTL_MS);
    expect(NO_EXP_TTL_MS).toBe(45 * 60_000);
  });
});

describe('conductor token cache', () => {
  const key = cacheKeyFor('https://developer.orkescloud.com', 'key-abc', 'secret-1');

  it('lives under $XDG_CACHE_HOME/taskctl, else ~/.cache/taskctl', () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/taskctl');
    expect(cacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/taskctl');
  });

  it('has one file per server, key id and key secret, whose name reveals none of them', () => {
    const env = { XDG_CACHE_HOME: tmp };
    const f = cacheFileFor(env, key);
    expect(path.dirname(f)).toBe(path.join(tmp, 'taskctl'));
    expect(path.basename(f)).toMatch(/^conductor-token-[0-9a-f]{24}\.json$/);
    expect(f).not.toContain('key-abc');
    expect(cacheFileFor(env, cacheKeyFor('https://developer.orkescloud.com', 'key-abc', 'secret-2'))).not.toBe(f);
    expect(JSON.stringify(key)).not.toContain('secret-1');
    expect(cacheFileFor(env, { ...key, server: 'https://other.example' })).not.toBe(f);
    expect(cacheFileFor(env, { ...key, keyId: 'key-def' })).not.toBe(f);
  });

  it('writes 0600 and reads back a token until it is due for refresh', async () => {
    let now = 1_000_000;
    const file = path.join(tmp, 'a', 'taskctl', 'conductor-token-x.json');
    const cache = new TokenCache(file, key, () => now, () => {});
    const token = jwt({ exp: Math.floor((now + 3_600_000) / 1000) });
    await cache.write(token, now);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(cache.read()?.token).toBe(token);
    now += 3_600_000 - REFRESH_MARGIN_MS - 1000;
    expect(cache.read()?.token).toBe(token);
    now += 2000;
    expect(cache.read()).toBeNull();
  });

  it('ignores a cache of another key or secret, a corrupt file, and a file others can read', async () => {
    const now = 1_000_000;
    const file = path.join(tmp, 'b', 'conductor-token-y.json');
    const token = jwt({ exp: Math.floor((now + 3_600_000) / 1000) });
    await new TokenCache(file, key, () => now, () => {}).write(token, now);
    expect(new TokenCache(file, { ...key, keyId: 'other' }, () => now, () => {}).read()).toBeNull();
    expect(new TokenCache(file, { ...key, secretHash: cacheKeyFor(key.server, key.keyId, 'rotated').secretHash }, () => now, () => {}).read()).toBeNull();
    const mine = new TokenCache(file, key, () => now, () => {});
    fs.chmodSync(file, 0o644);
    expect(mine.read()).toBeNull();
    fs.chmodSync(file, 0o600);
    expect(mine.read()?.token).toBe(token);
    fs.writeFileSync(file, '{not json', { mode: 0o600 });
    expect(mine.read()).toBeNull();
  });

  it('warns instead of failing when the cache cannot be written', async () => {
    const blocker = path.join(tmp, 'blocker');
    fs.writeFileSync(blocker, 'a file, not a directory');
    const warnings: string[] = [];
    const cache = new TokenCache(path.join(blocker, 'taskctl', 'c.json'), key, () => 0, (m) => warnings.push(m));
    await cache.write(jwt({ exp: 10 }), 0);
    expect(warnings.join('\n')).toMatch(/cannot create the token cache/);
  });

  it('does not use a directory open to others, and never follows a symlink planted at the cache file', async () => {
    const now = 1_000_000;
    const open = path.join(tmp, 'open');
    fs.mkdirSync(open, { mode: 0o777 });
    fs.chmodSync(open, 0o777);
    const warnings: string[] = [];
    const token = jwt({ exp: Math.floor((now + 3_600_000) / 1000) });
    await new TokenCache(path.join(open, 'c.json'), key, () => now, (m) => warnings.push(m)).write(token, now);
    expect(fs.readdirSync(open)).toEqual([]);
    expect(warnings.join('\n')).toMatch(/open to other users \(mode 777\); not using it/);

    const dir = path.join(tmp, 'planted');
    fs.mkdirSync(dir, { mode: 0o700 });
    const victim = path.join(tmp, 'victim.txt');
    fs.writeFileSync(victim, 'untouched');
    const file = path.join(dir, 'c.json');
    fs.symlinkSync(victim, file);
    const cache = new TokenCache(file, key, () => now, () => {});
    expect(cache.read()).toBeNull();
    await cache.write(token, now);
    expect(fs.readFileSync(victim, 'utf8')).toBe('untouched');
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(false);
    expect(cache.read()?.token).toBe(token);
  });
});

describe('conductor error bodies', () => {
  it('reads the three shapes: ErrorResponse with validation errors, auth error, Spring default', () => {
    const v = parseErrorBody(
      res(400, { status: 400, message: 'Validation failed, check below errors for detail.', instance: 'i', retryable: false, validationErrors: [{ path: 'keyId', message: 'must not be blank', invalidValue: null }, { path: 'size', message: 'must be positive', invalidValue: -1 }] }),
    );
    expect(v.kind).toBe('error-response');
    expect(v.message).toBe('Validation failed, check below errors for detail.\n  keyId: must not be blank\n  size: must be positive (received -1)');
    const a = parseErrorBody(res(401, { message: 'Token cannot be null or empty', error: 'INVALID_TOKEN', timestamp: 1 }));
    expect(a).toMatchObject({ kind: 'auth', code: 'INVALID_TOKEN', message: 'Token cannot be null or empty' });
    const s = parseErrorBody(res(404, { timestamp: '2024-01-01T00:00:00.000+00:00', status: 404, error: 'Not Found', path: '/api/human/tasks/search' }));
    expect(s).toMatchObject({ kind: 'spring', path: '/api/human/tasks/search', message: 'Not Found' });
    expect(parseErrorBody(res(502, '<html>bad gateway</html>'))).toMatchObject({ kind: 'text', message: '<html>bad gateway</html>' });
    expect(parseErrorBody(res(500, ''))).toMatchObject({ kind: 'empty' });
  });

  it('maps statuses to exit codes with the server message and a hint', () => {
    const expired = conductorErrorFor(res(401, { message: 'Token has expired', error: 'EXPIRED_TOKEN', timestamp: 1 }), 'claim t1');
    expect(exitCodeFor(expired)).toBe(4);
    expect(expired.message).toBe('claim t1: conductor.test:8080: the token has expired');
    expect(expired.hint).toMatch(/CONDUCTOR_AUTH_KEY/);
    const forbidden = conductorErrorFor(res(403, { status: 403, message: 'User user-1 is not a cluster admin', instance: 'i', retryable: false }), 'search');
    expect(exitCodeFor(forbidden)).toBe(4);
    expect(forbidden.message).toBe('search: permission refused by conductor.test:8080');
    expect(forbidden.serverMessage).toBe('User user-1 is not a cluster admin');
    const nf = conductorErrorFor(res(404, { status: 404, message: 'No human task found', instance: 'i', retryable: false }), 'complete approve of workflow w');
    expect(exitCodeFor(nf)).toBe(5);
    expect(nf.serverMessage).toBe('No human task found');
    const bad = conductorErrorFor(res(400, { status: 400, message: 'Task t is already claimed', instance: 'i', retryable: false }), 'claim t');
    expect(exitCodeFor(bad)).toBe(1);
    expect(bad.message).toBe('claim t: refused by conductor.test:8080 (400 Bad Request)');
    const boom = conductorErrorFor(res(500, { status: 500, message: 'NPE', instance: 'i', retryable: false }));
    expect(exitCodeFor(boom)).toBe(1);
    expect(boom.serverMessage).toBe('NPE');
  });

  it('reports a Spring 404 under /api/human as Conductor OSS only for human verbs', () => {
    const r = res(404, { timestamp: 't', status: 404, error: 'Not Found', path: '/api/human/tasks/abc' });
    expect(isMissingHumanApi(r)).toBe(true);
    const human = conductorErrorFor(r, 'get', undefined, { humanApi: true });
    expect(human).toBeInstanceOf(ConductorOssError);
    expect(exitCodeFor(human)).toBe(1);
    expect(human.message).toMatch(/is Conductor OSS/);
    const raw = conductorErrorFor(r, 'GET /api/human/tasks/abc');
    expect(exitCodeFor(raw)).toBe(5);
    expect(raw.hint).toMatch(/Conductor OSS/);
    const noApi = conductorErrorFor(res(404, { timestamp: 't', status: 404, error: 'Not Found', path: '/human/tasks' }), 'GET /human/tasks');
    expect(noApi.hint).toMatch(/paths start with \/api/);
    expect(isMissingHumanApi(res(404, { status: 404, message: 'Human task not found: x', instance: 'i', retryable: false }))).toBe(false);
  });

  it('reads current OSS\'s "No static resource" ErrorResponse (404 or 500) as a missing route, and nothing else', () => {
    const noStatic = (status: number, path: string) => res(status, { status, message: `No static resource ${path}.`, instance: 'oss-1', retryable: false });
    for (const status of [404, 500]) {
      expect(missingRoutePath(noStatic(status, 'api/human/tasks/update/taskRef'))).toBe('/api/human/tasks/update/taskRef');
      expect(isMissingHumanApi(noStatic(status, 'api/human/tasks/search'))).toBe(true);
      const err = conductorErrorFor(noStatic(status, 'api/human/tasks/t1'), 'get t1', undefined, { humanApi: true });
      expect(err).toBeInstanceOf(ConductorOssError);
      expect(err.status).toBe(status);
    }
    expect(missingRoutePath(noStatic(500, 'api/token'))).toBe('/api/token');
    expect(isMissingHumanApi(noStatic(500, 'api/token'))).toBe(false);
    // another status, another message, or Spring's shape with a status other than 404: not a missing route
    expect(missingRoutePath(noStatic(400, 'api/human/tasks/x'))).toBeUndefined();
    expect(missingRoutePath(res(500, { status: 500, message: 'NullPointerException', instance: 'i', retryable: false }))).toBeUndefined();
    expect(missingRoutePath(res(500, { timestamp: 't', status: 500, error: 'Internal Server Error', path: '/api/human/tasks/x' }))).toBeUndefined();
    expect(conductorErrorFor(noStatic(500, 'api/workflowz'), 'GET /api/workflowz').hint).toMatch(/has no route \/api\/workflowz/);
  });
});

describe('conductor human input rules', () => {
  it('parses user:ID and group:ID, and a bare ID only where allowed', () => {
    expect(parseUserSpec('user:jane@example.com', '--to')).toEqual({ user: 'jane@example.com', userType: 'CONDUCTOR_USER' });
    expect(parseUserSpec('Group:approvers', '--to')).toEqual({ user: 'approvers', userType: 'CONDUCTOR_GROUP' });
    expect(parseUserSpec('jane', '--assignee', { bare: true })).toEqual({ user: 'jane', userType: 'CONDUCTOR_USER' });
    expect(() => parseUserSpec('jane', '--to')).toThrow(/--to "jane": expected user:ID or group:ID/);
    expect(() => parseUserSpec('team:x', '--to')).toThrow(/expected user:ID or group:ID/);
    expect(() => parseUserSpec('user:', '--to')).toThrow(/the user id is empty/);
  });

  it('formats users the way they are typed', () => {
    expect(formatUser({ user: 'a', userType: 'CONDUCTOR_USER' })).toBe('user:a');
    expect(formatUser({ user: 'g', userType: 'CONDUCTOR_GROUP' })).toBe('group:g');
    expect(formatUser({ user: 'x', userType: 'EXTERNAL_USER' })).toBe('external-user:x');
    expect(formatUser(undefined)).toBe('');
  });

  it('hides the internal __humanTask* keys of a task input', () => {
    expect(visibleInput({ amount: 5, __humanTaskDefinition: {}, __humanTaskProcessContext: {} })).toEqual({ amount: 5 });
  });

  it('refuses task ids that cannot be one path segment', () => {
    expect(validateTaskId('9c1e4b2a-7d3f-4a51-b8e6-0f2d9a7c1e55')).toBeNull();
    expect(validateTaskId('a/b')).toMatch(/"\/"/);
    expect(validateTaskId('a b')).toMatch(/spaces/);
  });

  it('checks the two forms of complete/update', () => {
    expect(refForm(['t1'], {})).toBeNull();
    expect(refForm([], { workflowId: ' wf ', taskRef: 'approve', iteration: ['0', '2'] })).toEqual({ workflowId: 'wf', taskRefName: 'approve', iteration: [0, 2] });
    expect(() => refForm([], {})).toThrow(/which task\?/);
    expect(() => refForm([], { workflowId: 'wf' })).toThrow(/--workflow-id needs --task-ref/);
    expect(() => refForm([], { taskRef: 'r' })).toThrow(/--task-ref needs --workflow-id/);
    expect(() => refForm([], { workflowId: ' ', taskRef: 'r' })).toThrow(/--workflow-id is empty/);
    expect(() => refForm(['t1'], { workflowId: 'wf', taskRef: 'r' })).toThrow(/not both/);
    expect(() => refForm(['t1'], { iteration: ['1'] })).toThrow(/--iteration only applies/);
    expect(() => refForm([], { workflowId: 'wf', taskRef: 'r', iteration: ['-1'] })).toThrow(/--iteration "-1": expected a whole number/);
  });

  it('builds the search filters, always with a search type', () => {
    expect(searchFilters({})).toEqual({ searchType: 'INBOX' });
    expect(
      searchFilters({ searchType: 'admin', state: ['assigned', 'IN_PROGRESS', 'assigned'], assignee: ['group:ops'], claimant: ['jane'], definition: ['approval'] }),
    ).toEqual({
      searchType: 'ADMIN',
      states: ['ASSIGNED', 'IN_PROGRESS'],
      assignees: [{ user: 'ops', userType: 'CONDUCTOR_GROUP' }],
      claimants: [{ user: 'jane', userType: 'CONDUCTOR_USER' }],
      definitionNames: ['approval'],
    });
    expect(() => searchFilters({ state: ['DONE'] })).toThrow(/--state "DONE": expected one of PENDING/);
    expect(() => searchFilters({ searchType: 'everyone' })).toThrow(/--search-type "everyone": expected INBOX or ADMIN/);
  });
});

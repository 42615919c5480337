/**
 * Close's bulk update request builder and chunking (providers/close/bulk.ts): a bulk request without a
 * non-empty id__in cannot be built, and every chunk's URLs stay under 4 KB.
 */
import { describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/http/client.js';
import { SecretRegistry } from '../../src/http/redact.js';
import { MAX_CHUNK, MAX_URL, bulkQuery, bulkRequest, chunkIds, readBackOverride, readBackRequest } from '../../src/providers/close/bulk.js';

const BASE = 'https://api.close.com';
/** a Close task id as the real ones look: task_ + 43 base62 characters */
const taskId = (i: number) => `task_${String(i).padStart(6, '0')}${'x'.repeat(37)}`;
const client = new HttpClient({
  baseUrl: BASE,
  transport: { insecure: false, connections: 1, timeoutMs: 1000, env: {} },
  retries: 0,
  timeoutMs: 1000,
  verbose: false,
  dryRun: true,
  concurrency: 1,
  secrets: new SecretRegistry(),
  log: () => undefined,
  onDryRun: () => undefined,
  sleep: async () => undefined,
  now: () => 0,
  userAgent: 'test',
});
const urlOf = (spec: { path: string }) => client.buildUrl(spec.path).toString();

describe('Close bulk update: request builder', () => {
  it('refuses to build a bulk PUT or read-back without ids (it would update every task of the organisation)', () => {
    expect(() => bulkRequest([], { is_complete: true })).toThrow(/without ids/);
    expect(() => readBackRequest([], 'is_complete')).toThrow(/without ids/);
    expect(() => readBackOverride([], 'is_complete')).toThrow(/without ids/);
    expect(() => readBackOverride(['task_a', 'task_b&x=1'], 'is_complete')).toThrow(/refusing/);
    expect(() => bulkQuery([])).toThrow(/without ids/);
  });

  it('refuses an empty id, or one that would change the filter (commas, &, =, spaces)', () => {
    for (const bad of ['', 'task_a,', 'task_a&_type=lead', 'task a', 'task_a=b', 'task_é']) {
      expect(() => bulkRequest(['task_ok', bad], { is_complete: true })).toThrow(/refusing/);
    }
  });

  it('refuses a bulk update that changes nothing', () => {
    expect(() => bulkRequest(['task_a'], {})).toThrow(/changes nothing/);
  });

  it('sends id__in with literal commas and _type=all, and the field as the body', () => {
    const spec = bulkRequest(['task_a', 'task_b'], { is_complete: false });
    expect(spec).toEqual({ method: 'PUT', path: '/api/v1/task/?id__in=task_a,task_b&_type=all', json: { is_complete: false }, rateGroup: 'PUT /task/' });
    const url = new URL(urlOf(spec));
    expect(url.searchParams.get('id__in')).toBe('task_a,task_b');
    expect(url.searchParams.get('_type')).toBe('all');
    expect(readBackRequest(['task_a', 'task_b'], 'is_complete').path).toBe('/api/v1/task/?id__in=task_a,task_b&_type=all&_fields=id,is_complete&_limit=2');
  });
});

describe('Close bulk update: a read-back too long for a URL', () => {
  it("goes as Close's form for long filters: POST /task/ with x-http-method-override: GET, the query's parameters in _params, read-only", () => {
    const ids = Array.from({ length: 100 }, (_, i) => taskId(i));
    const spec = readBackOverride(ids, 'is_complete', 100);
    expect(spec).toEqual({
      method: 'POST',
      path: '/api/v1/task/',
      headers: { 'x-http-method-override': 'GET' },
      json: { _params: { id__in: ids.join(','), _type: 'all', _fields: 'id,is_complete', _limit: '100', _skip: '100' } },
      rateGroup: 'GET /task/',
      readOnly: true,
    });
    // the same parameters as the GET would carry in its query
    const asGet = new URL(urlOf(readBackRequest(ids, 'is_complete', 100)));
    expect(Object.fromEntries(asGet.searchParams)).toEqual((spec.json as { _params: object })._params);
    expect(urlOf(spec).length).toBeLessThan(100);
  });
});

describe('Close bulk update: chunks', () => {
  it('keeps every id once, in order, each chunk as full as a URL under 4 KB allows', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => taskId(i));
    const chunks = chunkIds(BASE, ids, 'is_complete');
    expect(chunks.flat()).toEqual(ids);
    for (const [i, c] of chunks.entries()) {
      const longest = urlOf(readBackRequest(c, 'is_complete'));
      expect(longest.length).toBeLessThan(MAX_URL);
      expect(urlOf(bulkRequest(c, { is_complete: true })).length).toBeLessThan(longest.length);
      // one more id would not have fitted
      if (i < chunks.length - 1) expect(urlOf(readBackRequest([...c, chunks[i + 1][0]], 'is_complete')).length).toBeGreaterThanOrEqual(MAX_URL);
    }
    // 48-character ids: 81 to a chunk at https://api.close.com
    expect(chunks[0]).toHaveLength(81);
    expect(chunks).toHaveLength(13);
  });

  it('caps a chunk at one read-back page of ids, however short the ids', () => {
    const ids = Array.from({ length: 250 }, (_, i) => `task_${i}`);
    expect(chunkIds(BASE, ids, 'is_complete').map((c) => c.length)).toEqual([MAX_CHUNK, MAX_CHUNK, 50]);
  });

  it('a base URL with a long path leaves room for fewer ids', () => {
    const ids = Array.from({ length: 200 }, (_, i) => taskId(i));
    const base = `https://proxy.example.com/${'p'.repeat(1000)}`;
    for (const c of chunkIds(base, ids, 'is_complete')) {
      expect(base.length + readBackRequest(c, 'is_complete').path.length).toBeLessThan(MAX_URL);
    }
  });
});

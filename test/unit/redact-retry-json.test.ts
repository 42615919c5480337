/** Redaction, the retry wait rules, and JSON errors with line/column. */
import { describe, expect, it } from 'vitest';
import { redactHeaderValue, redactJson, SecretRegistry } from '../../src/http/redact.js';
import { isRetryable, parseRateLimit, retryDelayMs, MAX_WAIT_MS } from '../../src/http/retry.js';
import { parseJsonLocated, JsonSyntaxError, locate } from '../../src/input/json.js';
import { parseFieldArgs, mergeDeep, setPath } from '../../src/input/payload.js';
import { parseIdList } from '../../src/input/ids.js';

describe('redaction', () => {
  it('masks secret headers but keeps the scheme and cookie names', () => {
    expect(redactHeaderValue('Authorization', 'Basic YWJjOmRlZg==')).toBe('Basic ***');
    expect(redactHeaderValue('authorization', 'Bearer id:secret')).toBe('Bearer ***');
    expect(redactHeaderValue('X-Authorization', 'eyJhbGciOi')).toBe('***');
    expect(redactHeaderValue('auth-token', 'abcdef')).toBe('***');
    expect(redactHeaderValue('set-cookie', 'koa.sess=abc; path=/; httponly')).toBe('koa.sess=***; path=/; httponly');
    expect(redactHeaderValue('cookie', 'koa.sess=abc; koa.sess.sig=def')).toBe('koa.sess=***; koa.sess.sig=***');
    expect(redactHeaderValue('content-type', 'application/json')).toBe('application/json');
  });

  it('masks secret fields anywhere in a JSON body', () => {
    expect(redactJson({ username: 'u', password: 'p', nested: [{ keySecret: 's', keyId: 'k' }] })).toEqual({ username: 'u', password: '***', nested: [{ keySecret: '***', keyId: 'k' }] });
  });

  it('scrubs registered secret values from any text, longest first', () => {
    const r = new SecretRegistry();
    r.add('supersecret');
    r.add('supersecret-and-more');
    r.add('ab'); // too short to scrub safely
    expect(r.scrub('x supersecret-and-more y supersecret ab')).toBe('x *** y *** ab');
  });
});

describe('retry policy', () => {
  it('retries safe methods on 429/502/503/504, POST only on 429', () => {
    for (const s of [429, 502, 503, 504]) expect(isRetryable('GET', s)).toBe(true);
    expect(isRetryable('PUT', 503)).toBe(true);
    expect(isRetryable('POST', 503)).toBe(false);
    expect(isRetryable('POST', 429)).toBe(true);
    expect(isRetryable('GET', 500)).toBe(false);
    expect(isRetryable('GET', undefined, 'ECONNRESET')).toBe(true);
    expect(isRetryable('POST', undefined, 'ECONNRESET')).toBe(false);
  });

  it('waits RateLimit reset (decimal), then Retry-After, then the body rate_reset, then backoff', () => {
    const noJitter = () => 0;
    expect(retryDelayMs({ attempt: 0, headers: { ratelimit: 'limit=20, remaining=0, reset=0.5', 'retry-after': '3' }, body: '', now: 0, random: noJitter })).toBe(500);
    expect(retryDelayMs({ attempt: 0, headers: { 'retry-after': '3' }, body: '', now: 0, random: noJitter })).toBe(3000);
    expect(retryDelayMs({ attempt: 0, headers: {}, body: '{"error":{"rate_reset":0.13}}', now: 0, random: noJitter })).toBeCloseTo(130);
    const backoff = retryDelayMs({ attempt: 3, headers: {}, body: '', now: 0, random: noJitter })!;
    expect(backoff).toBeGreaterThan(0);
    expect(backoff).toBeLessThan(MAX_WAIT_MS);
    expect(retryDelayMs({ attempt: 0, headers: { 'retry-after': '3600' }, body: '', now: 0 })).toBeNull();
  });

  it('parses RateLimit headers with decimals', () => {
    expect(parseRateLimit({ ratelimit: 'limit=100, remaining=50, reset=5' })).toEqual({ limit: 100, remaining: 50, reset: 5 });
    expect(parseRateLimit({ ratelimit: 'limit=100, remaining=0, reset=0.25' })?.reset).toBe(0.25);
    expect(parseRateLimit({})).toBeNull();
  });
});

describe('JSON input', () => {
  it('reports 1-based line and column', () => {
    try {
      parseJsonLocated('{\n  "a": 1,\n  "b" 2\n}', 'task.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(JsonSyntaxError);
      expect((e as JsonSyntaxError).message).toMatch(/^task\.json:3:7: invalid JSON: /);
    }
    expect(() => parseJsonLocated('', 'x')).toThrow(/x:1:1: invalid JSON: empty input/);
    expect(locate('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });

  it('finds the position even where Node 20 gives none ("Unexpected token")', () => {
    const cases: [string, string][] = [
      ['{"a": }', 'x:1:7: invalid JSON: unexpected character "}"'],
      ['{\n  "a": 1,\n}', 'x:3:1: invalid JSON: trailing comma before }'],
      ["{'a':1}", 'x:1:2: invalid JSON: expected a double-quoted property name'],
      ['{"a":1}x', 'x:1:8: invalid JSON: unexpected text after the JSON value'],
      ['[1,2', "x:1:5: invalid JSON: unexpected end of input, expected ',' or ']'"],
      ['{"b":{"c":[true, nul]}}', 'x:1:18: invalid JSON: unexpected character "n"'],
      ['"abc', 'x:1:5: invalid JSON: unterminated string'],
    ];
    for (const [text, message] of cases) expect(() => parseJsonLocated(text, 'x'), text).toThrow(message);
  });

  it('--field name=value and name:=json build nested objects; later values win in merges', () => {
    expect(parseFieldArgs(['a=1', 'b:=1', 'c.d:=true', 'e:={"x":[1]}'])).toEqual({ a: '1', b: 1, c: { d: true }, e: { x: [1] } });
    expect(() => parseFieldArgs(['novalue'])).toThrow('--field "novalue": no "=" in it');
    // a flag's value is no file: no "name:1:2" that reads as part of the field name
    expect(() => parseFieldArgs(['approved:=1:1'])).toThrow('--field "approved" value "1:1": invalid JSON at column 2: unexpected text after the JSON value');
    expect(() => parseJsonLocated('{\n  "a": 1,\n}', '--data')).toThrow('--data: invalid JSON at line 3, column 1: trailing comma before }');
    const o: Record<string, unknown> = { target: { export_index: 'users', export_format: 'csv' } };
    setPath(o, 'target.export_format', 'json');
    expect(o).toEqual({ target: { export_index: 'users', export_format: 'json' } });
    expect(mergeDeep({ a: { b: 1, c: 2 } }, { a: { c: 3 } })).toEqual({ a: { b: 1, c: 3 } });
  });

  it('id lists: lines with comments, or a JSON array', () => {
    expect(parseIdList('a\n\n# comment\nb # trailing\n', 'x')).toEqual(['a', 'b']);
    expect(parseIdList('["a","b"]', 'x')).toEqual(['a', 'b']);
    expect(() => parseIdList('[1,', 'x')).toThrow(/not valid JSON/);
  });
});

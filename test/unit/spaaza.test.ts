/** Spaaza pieces that need no server: auth header and redaction, body rules, error mapping, download helpers. */
import { describe, expect, it } from 'vitest';
import { Context, type GlobalOptions } from '../../src/context.js';
import { SecretRegistry, redactHeaderValue } from '../../src/http/redact.js';
import type { HttpClient, HttpResponse, RequestSpec } from '../../src/http/client.js';
import { exitCodeFor } from '../../src/errors.js';
import { SpaazaAuth, bearerValue } from '../../src/providers/spaaza/auth.js';
import { spaazaErrorFor } from '../../src/providers/spaaza/errors.js';
import { createBodySchema, isIsoDateTime, updateBodySchema } from '../../src/providers/spaaza/schemas.js';
import { validateBody } from '../../src/input/payload.js';
import { applyTarget, parseAt } from '../../src/commands/spaaza/task/body.js';
import { RUN_TIMEOUT_MS, fileNameFromUrl, registerUrlSecrets, runTask } from '../../src/commands/spaaza/task/flow.js';

const SECRET = 'canary-spaaza-secret-c8b6';
const NOW = Date.parse('2026-05-01T10:00:00Z');

function globals(over: Partial<GlobalOptions> = {}): GlobalOptions {
  return { json: false, dryRun: false, verbose: false, timeout: 30_000, retries: 3, concurrency: 8, insecure: false, yes: false, input: true, color: false, ...over };
}

function makeCtx(over: Partial<GlobalOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx = new Context({
    globals: globals(over),
    streams: { stdin: { async *[Symbol.asyncIterator]() {} }, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    env: {},
    cwd: '/tmp',
    signal: new AbortController().signal,
    version: 'test',
    now: () => NOW,
    sleep: async () => undefined,
  });
  return { ctx, out, err };
}

function response(status: number, text: string, method = 'GET', url = 'https://services-test01.spaaza.com/tasks/1'): HttpResponse {
  return { status, statusText: '', url, method, headers: { 'content-type': 'application/json' }, text };
}

describe('spaaza auth', () => {
  it('sends Bearer <tokenId>:<tokenSecret> and prints it as Bearer ***', async () => {
    const secrets = new SecretRegistry();
    const auth = new SpaazaAuth({ tokenId: 'tok-id-1', tokenSecret: SECRET }, secrets);
    const headers: Record<string, string> = {};
    await auth.apply(headers);
    expect(headers.authorization).toBe(`Bearer tok-id-1:${SECRET}`);
    expect(bearerValue({ tokenId: 'a', tokenSecret: 'b' })).toBe('Bearer a:b');
    expect(redactHeaderValue('Authorization', headers.authorization)).toBe('Bearer ***');
    // the id:secret pair is registered whole: neither half survives in scrubbed text
    expect(secrets.scrub(`sent tok-id-1:${SECRET} and ${SECRET}`)).toBe('sent *** and ***');
  });
});

describe('spaaza body rules', () => {
  const target = { action: 'export', export_index: 'wallet-ledger', export_format: 'csv' };
  const trigger = { once: '2026-05-26T12:00:00Z' };

  it('accepts the documented create body, segment trigger included', () => {
    const body = {
      chain: 1764,
      desc: 'Wallet ledger, last 24 h',
      target,
      trigger: { ...trigger, segment: { entity: 'people', index: 'wallet-ledger', join: 'all', chain_id: 1764, rules: [{ field_name: 'timestamp', field_type: 'date', operator: 'relative_less_than', time_factor: 'day', time_amount: 1 }] } },
    };
    expect(validateBody(createBodySchema, body, 'task create')).toEqual(body);
  });

  it('names the field, the expected values and what it received', () => {
    const bad = (b: unknown) => {
      try {
        validateBody(createBodySchema, b, 'task create');
      } catch (e) {
        return { code: exitCodeFor(e), message: (e as Error).message };
      }
      return null;
    };
    let r = bad({ chain: 1764, desc: 'x', target: { ...target, export_index: 'orders' }, trigger });
    expect(r?.code).toBe(2);
    expect(r?.message).toContain('target.export_index: expected one of transactions, users, vouchers, wallet-ledger, products, product-variants, received string "orders"');
    r = bad({ chain: 1764, desc: 'x', target: { ...target, export_format: 'xml' }, trigger });
    expect(r?.message).toContain('target.export_format: expected csv or json, received string "xml"');
    r = bad({ chain: 1764, desc: 'x', target, trigger: { once: '26/05/2026 12:00' } });
    expect(r?.message).toContain('trigger.once: expected an ISO 8601 date-time');
    r = bad({ chain: 1764, desc: 'x', target, trigger: {} });
    expect(r?.message).toContain('trigger: expected at least one of once, segment, segment_id');
    r = bad({ chain: 1764, desc: 'x', target: { action: 'export', export_index: 'users' }, trigger });
    expect(r?.message).toContain('target.export_format: required for an export');
    r = bad({ chain: '1764', desc: 'x', target, trigger });
    expect(r?.message).toContain('chain: expected an integer chain id, received string "1764"');
    r = bad({ chain: 1764, desc: 'x', target, trigger, colour: 'red' });
    expect(r?.message).toContain('unknown field "colour"');
  });

  it('update takes any subset but no chain', () => {
    expect(updateBodySchema.safeParse({ desc: 'renamed' }).success).toBe(true);
    expect(updateBodySchema.safeParse({ chain: 1 }).success).toBe(false);
  });

  it('checks ISO 8601 date-times, calendar included', () => {
    expect(isIsoDateTime('2026-05-26T12:00:00Z')).toBe(true);
    expect(isIsoDateTime('2026-05-26T14:00:00.123+02:00')).toBe(true);
    expect(isIsoDateTime('2026-02-30T00:00:00Z')).toBe(false);
    expect(isIsoDateTime('2026-05-26 12:00:00Z')).toBe(false);
    expect(isIsoDateTime('2026-05-26T25:00:00Z')).toBe(false);
    expect(isIsoDateTime('2026-05-26')).toBe(false);
  });

  it('--at is normalised to UTC seconds, "now" works, and a past or zone-less time exits 2', () => {
    expect(parseAt('2026-05-26T14:00:00+02:00', NOW)).toBe('2026-05-26T12:00:00Z');
    expect(parseAt('now', NOW)).toBe('2026-05-01T10:00:00Z');
    const fail = (v: string) => {
      try {
        parseAt(v, NOW);
      } catch (e) {
        return [exitCodeFor(e), (e as Error).message];
      }
      return null;
    };
    expect(fail('2026-04-30T10:00:00Z')).toEqual([2, '--at 2026-04-30T10:00:00Z is in the past (it is now 2026-05-01T10:00:00Z)']);
    expect(fail('2026-05-26T12:00:00')?.[1]).toContain('needs a time zone');
    expect(fail('tomorrow')?.[1]).toContain('expected an ISO 8601 date-time');
  });

  it('--export-index/--export-format imply action export only when the target has none', () => {
    expect(applyTarget(undefined, { export_format: 'json' })).toEqual({ action: 'export', export_format: 'json' });
    expect(applyTarget({ action: 'other', x: 1 }, { export_index: 'users' })).toEqual({ action: 'other', x: 1, export_index: 'users' });
    expect(applyTarget({ action: 'export', export_index: 'users', export_format: 'csv' }, { export_format: 'json' })).toEqual({ action: 'export', export_index: 'users', export_format: 'json' });
  });
});

describe('spaaza errors', () => {
  const body = '{"result":{"code":2,"status":"error"},"error":{"code":3,"name":"invalid_target_or_trigger","description":"Invalid target or trigger: bad"}}';

  it('maps 401/403 → 4, 404 → 5, 400/422 → 1 and keeps the body as it came', () => {
    const e401 = spaazaErrorFor(response(401, '{"error":"nope"}'), 'task 1');
    expect([exitCodeFor(e401), e401.status, e401.serverMessage]).toEqual([4, 401, '{"error":"nope"}']);
    expect(exitCodeFor(spaazaErrorFor(response(403, ''), 'x'))).toBe(4);
    const e404 = spaazaErrorFor(response(404, 'No task exists'), 'task 1');
    expect([exitCodeFor(e404), e404.message, e404.serverMessage]).toEqual([5, 'task 1: not found (404)', 'No task exists']);
    const e400 = spaazaErrorFor(response(400, body, 'PUT'), 'task 1');
    expect([exitCodeFor(e400), e400.hint, e400.serverMessage]).toEqual([1, 'invalid target or trigger', body]);
    const e422 = spaazaErrorFor(response(422, 'x', 'POST', 'https://h/tasks'), 'create task');
    expect([exitCodeFor(e422), e422.hint]).toEqual([1, 'invalid target or trigger']);
    // a 400 to a request without a target or trigger gets no such hint
    expect(spaazaErrorFor(response(400, 'limit too big', 'GET', 'https://h/tasks?limit=1000')).hint).toBeUndefined();
    expect(exitCodeFor(spaazaErrorFor(response(500, 'boom')))).toBe(1);
  });
});

describe('spaaza downloads', () => {
  it('takes the file name from the pre-signed URL path, never a path', () => {
    expect(fileNameFromUrl('https://b.s3.amazonaws.com/x/Wallet_Export-12345.csv?X-Amz-Signature=abc', 'f.csv')).toBe('Wallet_Export-12345.csv');
    expect(fileNameFromUrl('https://h/files/t/%2E%2E%2Fetc%2Fpasswd', 'f.csv')).toBe('passwd');
    expect(fileNameFromUrl('https://h/', 'spaaza-export-1.csv')).toBe('spaaza-export-1.csv');
    expect(fileNameFromUrl('https://h/..', 'fallback.csv')).toBe('fallback.csv');
  });

  it("registers a pre-signed URL's signature and credential for scrubbing, not its other parameters", () => {
    const secrets = new SecretRegistry();
    const url = 'https://b.s3.amazonaws.com/Users_Export-1.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260501%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Expires=3600&X-Amz-Signature=0123456789abcdef';
    registerUrlSecrets(secrets, url);
    const scrubbed = secrets.scrub(`> GET ${url}`);
    expect(scrubbed).not.toContain('0123456789abcdef');
    expect(scrubbed).not.toContain('AKIAEXAMPLE');
    expect(scrubbed).toContain('X-Amz-Signature=***');
    expect(scrubbed).toContain('X-Amz-Expires=3600');
  });
});

describe('spaaza run', () => {
  function stubClient(seen: RequestSpec[]): HttpClient {
    return {
      request: async (spec: RequestSpec) => {
        seen.push(spec);
        return { status: 200, statusText: 'OK', url: 'https://h/tasks/7/execute', method: spec.method, headers: {}, text: '{"code":"DONE","last_run_date":"2026-05-01T10:00:00Z"}' };
      },
    } as unknown as HttpClient;
  }

  it("sends execute once, with the client's retry rule (POST: 429 only) and a 10-minute timeout unless --timeout was given", async () => {
    const seen: RequestSpec[] = [];
    const { ctx } = makeCtx();
    const r = await runTask(ctx, stubClient(seen), '7', { wait: true, intervalMs: 10 });
    expect(r?.state.code).toBe('DONE');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/tasks/7/execute', timeoutMs: RUN_TIMEOUT_MS });
    expect(seen[0].retry).toBeUndefined();
    expect(RUN_TIMEOUT_MS).toBe(600_000);

    const given: RequestSpec[] = [];
    await runTask(makeCtx({ timeout: 5000, timeoutGiven: true }).ctx, stubClient(given), '7', { wait: true, intervalMs: 10 });
    expect(given[0].timeoutMs).toBe(5000);
  });
});

import { describe, expect, it } from 'vitest';
import { basicAuthHeader, CloseAuth } from '../../src/providers/close/auth.js';
import { apiPath, close, errorLines, normaliseBaseUrl } from '../../src/providers/close/client.js';
import { listQuery, tzOffsetHours } from '../../src/providers/close/api.js';
import { checkCloseId, createBodySchema, isCloseDate, updateBodySchema } from '../../src/providers/close/schemas.js';
import { validateBody } from '../../src/input/payload.js';
import { SecretRegistry } from '../../src/http/redact.js';
import type { HttpResponse } from '../../src/http/client.js';

function res(status: number, body: unknown, url = 'https://api.close.com/api/v1/task/task_x/'): HttpResponse {
  return {
    status,
    statusText: '',
    url,
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    text: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

describe('close auth', () => {
  it('is Basic with the API key as user name and an empty password', async () => {
    expect(basicAuthHeader('api_abc')).toBe(`Basic ${Buffer.from('api_abc:').toString('base64')}`);
    const secrets = new SecretRegistry();
    const headers: Record<string, string> = {};
    await new CloseAuth('api_secret_key', secrets).apply(headers);
    expect(headers.authorization).toBe(basicAuthHeader('api_secret_key'));
    // the key and its base64 form are scrubbed from anything printed
    expect(secrets.scrub(`key api_secret_key header ${headers.authorization}`)).toBe('key *** header Basic ***');
  });
});

describe('close URLs', () => {
  it.each([
    ['https://api.close.com', 'https://api.close.com'],
    ['https://api.close.com/', 'https://api.close.com'],
    ['https://api.close.com/api/v1', 'https://api.close.com'],
    ['https://api.close.com/api/v1/', 'https://api.close.com'],
    ['https://proxy.example.com/close/api/v1', 'https://proxy.example.com/close'],
    ['https://proxy.example.com/close', 'https://proxy.example.com/close'],
  ])('normalises %s to %s', (input, out) => {
    expect(normaliseBaseUrl(input)).toBe(out);
  });

  it('builds /api/v1 paths with a trailing slash and encoded segments', () => {
    expect(apiPath('task')).toBe('/api/v1/task/');
    expect(apiPath('task', 'task_a:b')).toBe('/api/v1/task/task_a%3Ab/');
    // a "/" or a dot segment would address another route: refused, not encoded
    expect(() => apiPath('task', 'task_a/b')).toThrow(/invalid id "task_a\/b"/);
    expect(() => apiPath('task', '..')).toThrow(/invalid id "\.\."/);
  });
});

describe('close dates and ids', () => {
  it.each(['2025-03-31', '2024-02-29', '2025-03-31T09:30', '2025-03-31T09:30:00', '2025-03-31T09:30:00Z', '2025-03-31T09:30:00.123456+02:00', '2025-03-31T23:59:59-0500'])(
    'accepts %s',
    (v) => expect(isCloseDate(v)).toBe(true),
  );
  it.each(['2025-02-29', '2025-13-01', '2025-00-10', '2025-3-31', '31/03/2025', 'tomorrow', '2025-03-31T24:00', '2025-03-31T10:60', '2025-03-31 09:30', '2025-03-31T09:30:00+25:00', ''])(
    'refuses %j',
    (v) => expect(isCloseDate(v)).toBe(false),
  );

  it('checks only the prefix of ids', () => {
    expect(checkCloseId('task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc', 'task')).toBeNull();
    expect(checkCloseId('task_1', 'task')).toBeNull();
    expect(checkCloseId('task_', 'task')).toContain('nothing after');
    expect(checkCloseId('lead_abc', 'task')).toContain('starts with "task_"');
    expect(checkCloseId('task_a/../b', 'task')).toContain('only letters');
  });
});

describe('close request bodies', () => {
  it('update: names the field, the expectation and the value received', () => {
    expect(() => validateBody(updateBodySchema, { date: '2025-02-30' }, 'update')).toThrow(/date: expected a date such as .*, received string "2025-02-30"/);
    expect(() => validateBody(updateBodySchema, { priority: 'low' }, 'update')).toThrow(/priority: .*received string "low"/);
    expect(() => validateBody(updateBodySchema, { assigned_to: 'bob' }, 'update')).toThrow(/assigned_to: expected a Close user id/);
    expect(() => validateBody(updateBodySchema, { isComplete: true }, 'update')).toThrow(/unknown field "isComplete"/);
    expect(validateBody(updateBodySchema, { resolution: null, date: null, is_complete: false }, 'update')).toEqual({ resolution: null, date: null, is_complete: false });
  });

  it('create: lead tasks need text; only lead and outgoing_call can be created', () => {
    expect(() => validateBody(createBodySchema, { _type: 'lead', lead_id: 'lead_a' }, 'task')).toThrow(/text: a lead task needs text/);
    expect(() => validateBody(createBodySchema, { _type: 'voicemail', lead_id: 'lead_a' }, 'task')).toThrow(/_type:/);
    expect(() => validateBody(createBodySchema, { _type: 'outgoing_call', lead_id: 'lead_a', text: 'x' }, 'task')).toThrow(/text: Close accepts text only on lead tasks/);
    expect(validateBody(createBodySchema, { _type: 'outgoing_call', lead_id: 'lead_a' }, 'task')).toEqual({ _type: 'outgoing_call', lead_id: 'lead_a' });
  });
});

describe('close list query', () => {
  it('asks for _type=all unless types are given; several types go in _type__in', () => {
    expect(listQuery({ types: 'all' }, 0, 50)).toMatchObject({ _type: 'all', _skip: 0, _limit: 50 });
    expect(listQuery({ types: ['voicemail'] }, 100, 100)).toMatchObject({ _type: 'voicemail', _skip: 100 });
    const q = listQuery({ types: ['lead', 'voicemail'], is_complete: false, view: 'inbox', fields: ['id', 'text'] }, 0, 10);
    expect(q).toMatchObject({ _type__in: 'lead,voicemail', is_complete: 'false', view: 'inbox', _fields: 'id,text' });
    expect(q._type).toBeUndefined();
  });

  it('sends the local UTC offset in hours as Close expects (X-TZ-Offset)', () => {
    const at = (minutesBehindUtc: number) => ({ getTimezoneOffset: () => minutesBehindUtc }) as Date;
    expect(tzOffsetHours(at(300))).toBe('-5.0');
    expect(tzOffsetHours(at(-330))).toBe('5.5');
    expect(tzOffsetHours(at(0))).toBe('0.0');
    expect(tzOffsetHours()).toMatch(/^-?\d+(\.\d+)?$/);
  });
});

describe('close errors', () => {
  it('a 400 body becomes one line per error and per field', () => {
    expect(errorLines({ errors: ['Bad thing.'], 'field-errors': { lead: 'This field is required.', date: ['Invalid.', 'Too early.'], nested: { a: 'x' } } })).toEqual([
      'Bad thing.',
      'lead: This field is required.',
      'date: Invalid.; Too early.',
      'nested.a: x',
    ]);
    expect(errorLines({ error: 'Plain message' })).toEqual(['Plain message']);
    expect(errorLines({ error: { message: 'API call count exceeded for this period', rate_reset: 1 } })).toEqual(['API call count exceeded for this period']);
    expect(errorLines('not an object')).toEqual([]);
  });

  it('maps statuses to exit codes with Close-specific messages and hints', () => {
    const e400 = close.errorFor(res(400, { errors: [], 'field-errors': { text: 'Text can only be set on tasks of type lead.', date: 'Invalid date.' } }), 'task task_x');
    expect(e400.exitCode).toBe(1);
    expect(e400.message).toBe('task task_x: Close rejected the request (400)');
    expect(e400.serverMessage).toBe('text: Text can only be set on tasks of type lead.\n  date: Invalid date.');
    expect(e400.hint).toBe('Close accepts text only on lead tasks');
    expect(close.errorFor(res(400, { 'field-errors': { _skip: 'Ensure this value is less than or equal to 1000.' } })).hint).toContain('caps _skip');

    const e401 = close.errorFor(res(401, { error: 'The API key is invalid or has been revoked.' }));
    expect(e401.exitCode).toBe(4);
    expect(e401.message).toContain('Close refused the API key');
    expect(close.errorFor(res(403, { error: 'nope' })).exitCode).toBe(4);
    expect(close.errorFor(res(402, { error: 'Plan limit' })).message).toContain('plan limit');

    const e404 = close.errorFor(res(404, { error: 'Empty query: Task matching query does not exist.' }), 'task task_x');
    expect(e404.exitCode).toBe(5);
    expect(e404.message).toBe('task task_x not found');
    expect(e404.hint).toBeUndefined();
    expect(close.errorFor(res(404, { error: 'Not found.' }, 'https://api.close.com/api/v1/task')).hint).toBe('Close API paths end with a slash');

    const e429 = close.errorFor(
      res(429, { error: { message: 'API call count exceeded for this period', rate_endpoint_group: 'PUT /task/{id}/', rate_limit: 240, rate_window: 8, rate_reset: 0.13 } }),
      'task task_x',
    );
    expect(e429.exitCode).toBe(1);
    expect(e429.message).toContain('(endpoint group PUT /task/{id}/, limit 240 per 8 s)');
    expect(e429.hint).toBe('lower --concurrency or raise --retries');

    const e500 = close.errorFor(res(500, '<html>oops</html>'));
    expect(e500.exitCode).toBe(1);
    expect(e500.message).toBe('PUT /api/v1/task/task_x/: Close answered 500');
    expect(e500.serverMessage).toBe('<html>oops</html>');
  });
});

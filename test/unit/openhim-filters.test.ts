import { describe, expect, it } from 'vitest';
import {
  capTimestamp,
  choice,
  isEmptyFilter,
  pageQuery,
  parseTime,
  taskItemFilters,
  taskListFilters,
  timeRange,
  transactionFilters,
} from '../../src/providers/openhim/filters.js';
import { UsageError } from '../../src/errors.js';

const NOW = Date.parse('2024-06-10T12:00:00.000Z');

describe('parseTime', () => {
  it('turns relative times into instants before now', () => {
    expect(parseTime('2h', '--since', NOW).toISOString()).toBe('2024-06-10T10:00:00.000Z');
    expect(parseTime('7d', '--since', NOW).toISOString()).toBe('2024-06-03T12:00:00.000Z');
    expect(parseTime('30m', '--since', NOW).toISOString()).toBe('2024-06-10T11:30:00.000Z');
    expect(parseTime('45s', '--since', NOW).toISOString()).toBe('2024-06-10T11:59:15.000Z');
    expect(parseTime('2w', '--since', NOW).toISOString()).toBe('2024-05-27T12:00:00.000Z');
    expect(parseTime('3H ago', '--since', NOW).toISOString()).toBe('2024-06-10T09:00:00.000Z');
    expect(parseTime('now', '--until', NOW).getTime()).toBe(NOW);
  });

  it('accepts ISO dates and times; a date alone is midnight UTC', () => {
    expect(parseTime('2024-06-01', '--since', NOW).toISOString()).toBe('2024-06-01T00:00:00.000Z');
    expect(parseTime('2024-06-01T10:20:30Z', '--since', NOW).toISOString()).toBe('2024-06-01T10:20:30.000Z');
    expect(parseTime('2024-06-01T10:20:30.5+02:00', '--since', NOW).toISOString()).toBe('2024-06-01T08:20:30.500Z');
  });

  it('rejects anything else with exit 2, naming the flag and the value', () => {
    for (const bad of ['yesterday', '2h30', '-2h', '2024-13-45', '06/01/2024', '']) {
      let err: unknown;
      try {
        parseTime(bad, '--until', NOW);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as UsageError).message).toContain(`--until "${bad}"`);
    }
  });
});

describe('timeRange', () => {
  it('builds $gte/$lte ISO bounds and refuses since after until', () => {
    expect(timeRange({}, NOW)).toBeUndefined();
    expect(timeRange({ since: '1d' }, NOW)).toEqual({ $gte: '2024-06-09T12:00:00.000Z' });
    expect(timeRange({ since: '2024-06-01', until: '2024-06-02' }, NOW)).toEqual({ $gte: '2024-06-01T00:00:00.000Z', $lte: '2024-06-02T00:00:00.000Z' });
    expect(() => timeRange({ since: '1h', until: '2h' }, NOW)).toThrow(/--since .* is after --until/);
  });
});

describe('task list filters', () => {
  it('double-encodes created as the server needs: a JSON string inside the JSON', () => {
    const f = taskListFilters({ since: '2024-06-01T00:00:00Z', until: '2024-06-02T00:00:00Z' }, NOW);
    expect(typeof f.created).toBe('string');
    expect(JSON.stringify(f)).toBe('{"created":"{\\"$gte\\":\\"2024-06-01T00:00:00.000Z\\",\\"$lte\\":\\"2024-06-02T00:00:00.000Z\\"}"}');
    // the query parameter, as the docs' working example
    const q = new URLSearchParams({ filters: pageQuery(0, 10, f).filters }).toString();
    expect(decodeURIComponent(q.replace(/\+/g, ' '))).toBe('filters={"created":"{\\"$gte\\":\\"2024-06-01T00:00:00.000Z\\",\\"$lte\\":\\"2024-06-02T00:00:00.000Z\\"}"}');
  });

  it('canonicalises the status spelling and keeps the user as given', () => {
    expect(taskListFilters({ status: 'paused', user: ' root@openhim.org ' }, NOW)).toEqual({ status: 'Paused', user: 'root@openhim.org' });
    expect(taskListFilters({ status: 'pending async' }, NOW)).toEqual({ status: 'Pending Async' });
    expect(() => taskListFilters({ status: 'Running' }, NOW)).toThrow(/--status "Running": expected one of Queued, Processing, Paused, Cancelled, Completed, "Pending Async"/);
    expect(() => taskListFilters({ user: '  ' }, NOW)).toThrow(UsageError);
  });

  it('an empty filter is {} (filters is always sent: a missing one is a 500)', () => {
    expect(pageQuery(2, 50, {})).toEqual({ filterLimit: 50, filterPage: 2, filters: '{}' });
    expect(isEmptyFilter(taskListFilters({}, NOW))).toBe(true);
  });
});

describe('task item filters', () => {
  it('match tstatus and rerunStatus by their exact server spelling', () => {
    expect(taskItemFilters({ tstatus: 'failed', rerunStatus: 'completed with error(s)' })).toEqual({ tstatus: 'Failed', rerunStatus: 'Completed with error(s)' });
    expect(() => taskItemFilters({ rerunStatus: 'ok' })).toThrow(/--rerun-status "ok"/);
    expect(() => taskItemFilters({ tstatus: 'Successful' })).toThrow(/--tstatus "Successful": expected one of Queued, Processing, Completed, Failed/);
  });
});

describe('transaction filters', () => {
  it('puts channelID inside filters and double-encodes request.timestamp', () => {
    const f = transactionFilters({ status: 'failed', channel: '6B0513A686B2E93EE5443FF0', since: '2h' }, NOW);
    expect(f).toEqual({ status: 'Failed', channelID: '6B0513A686B2E93EE5443FF0', 'request.timestamp': '{"$gte":"2024-06-10T10:00:00.000Z"}' });
    expect(() => transactionFilters({ channel: 'demo' }, NOW)).toThrow(/--channel "demo": expected a 24-character hex ObjectId/);
  });

  it('capTimestamp narrows the upper bound without losing the lower one', () => {
    const f = transactionFilters({ since: '2024-06-01', status: 'Failed' }, NOW);
    const capped = capTimestamp(f, '2024-06-05T00:00:00.000Z');
    expect(JSON.parse(capped['request.timestamp'] as string)).toEqual({ $gte: '2024-06-01T00:00:00.000Z', $lte: '2024-06-05T00:00:00.000Z' });
    expect(capped.status).toBe('Failed');
    // an --until earlier than the cap stays
    const early = capTimestamp(transactionFilters({ until: '2024-06-02' }, NOW), '2024-06-05T00:00:00.000Z');
    expect(JSON.parse(early['request.timestamp'] as string)).toEqual({ $lte: '2024-06-02T00:00:00.000Z' });
    expect(JSON.parse(capTimestamp({}, '2024-06-05T00:00:00.000Z')['request.timestamp'] as string)).toEqual({ $lte: '2024-06-05T00:00:00.000Z' });
  });
});

describe('choice', () => {
  it('returns the canonical spelling, case-insensitively', () => {
    expect(choice(' queued ', ['Queued', 'Paused'] as const, '--status')).toBe('Queued');
    expect(() => choice('Bogus', ['Queued', 'Paused'] as const, '--status')).toThrow('--status "Bogus": expected one of Queued, Paused');
  });
});

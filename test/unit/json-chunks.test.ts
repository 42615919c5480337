import { describe, expect, it } from 'vitest';
import { writeJsonPretty } from '../../src/output/json-chunks.js';
import { parseAt } from '../../src/commands/spaaza/task/body.js';

describe('writeJsonPretty prints exactly JSON.stringify(value, null, 2), in pieces', () => {
  it('matches for arrays, objects, scalars and the values JSON.stringify drops', () => {
    const big = Array.from({ length: 20_000 }, (_, i) => ({ id: i, s: 'x'.repeat(80), nested: { a: [1, { b: null }], e: [] } }));
    const values: unknown[] = [[], {}, null, 'text', 42, [1, undefined, () => 1], { a: undefined, b: 1, 'q"k': { c: [] } }, { toJSON: () => 'j' }, big];
    for (const v of values) {
      const pieces: string[] = [];
      writeJsonPretty(v, (t) => pieces.push(t));
      expect(pieces.join('')).toBe(`${JSON.stringify(v, null, 2)}\n`);
      if (v === big) expect(pieces.length).toBeGreaterThan(1);
    }
  });
});

describe('spaaza --at', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  it('takes now and times from now (+30m, +2h, +1d, +1w), so examples never go stale', () => {
    expect(parseAt('now', now)).toBe('2030-01-01T00:00:00Z');
    expect(parseAt('+30m', now)).toBe('2030-01-01T00:30:00Z');
    expect(parseAt('+2h', now)).toBe('2030-01-01T02:00:00Z');
    expect(parseAt('+1d', now)).toBe('2030-01-02T00:00:00Z');
    expect(parseAt('+1w', now)).toBe('2030-01-08T00:00:00Z');
    expect(() => parseAt('+2x', now)).toThrow(/a time from now such as \+2h/);
    expect(() => parseAt('2029-12-31T00:00:00Z', now)).toThrow(/in the past/);
  });
});

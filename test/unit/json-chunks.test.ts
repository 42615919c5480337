import { describe, expect, it } from 'vitest';
import { reindentJson, writeJsonPretty } from '../../src/output/json-chunks.js';
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

/** `text` as bytes cut into chunks of `size` (an answer arrives in pieces that cut tokens and characters) */
function chunked(text: string, size: number): Buffer[] {
  const b = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

describe('reindentJson prints the bytes of a JSON answer as writeJsonPretty(JSON.parse(text)) would', () => {
  it('matches for every shape, escape, number form and chunking', () => {
    const texts = [
      '[]', '{}', ' [ 1 , 2.50, -0, 1E3, 1e-7, 0.1, 12345678901234567890, 123456789012345 ] ', '"top"', '42', 'null', '[[[[]]]]', '{"":""}',
      '{"a":{"b":[{},[],{"c":null}]},"d":"x\\u0041\\/\\n\\ud800\\u2028","e":true,"f":false,"k\\"ey":"q"}',
      '\ufeff{"k":"ü — ☃ 😀"}', '\r\n\t{ "a" :\n [ 1 ,\t{ } ] }\n',
    ];
    for (const t of texts) {
      const want = `${JSON.stringify(JSON.parse(t.replace(/^\ufeff/, '')), null, 2)}\n`;
      for (const size of [1, 2, 3, 7, 1000]) {
        const pieces: string[] = [];
        reindentJson(chunked(t, size), (x) => pieces.push(x));
        expect(pieces.join(''), `${t} in chunks of ${size}`).toBe(want);
        expect(() => reindentJson(chunked(t, size))).not.toThrow();
      }
    }
  });

  it('writes a large answer in pieces that end between values, a huge string in one piece', () => {
    const big = JSON.stringify({ items: Array.from({ length: 20_000 }, (_, i) => ({ id: i, s: `secret-${i}-${'x'.repeat(80)}` })), huge: 'y'.repeat(3 << 20) });
    const pieces: string[] = [];
    reindentJson(chunked(big, 65_536), (x) => pieces.push(x));
    expect(pieces.join('')).toBe(`${JSON.stringify(JSON.parse(big), null, 2)}\n`);
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.some((p) => p === `"${'y'.repeat(3 << 20)}"`)).toBe(true);
    // no piece cuts a string value (a secret inside one can be scrubbed piece by piece)
    for (const p of pieces) expect((p.match(/(?<!\\)"/g) ?? []).length % 2).toBe(0);
  });

  it('refuses what JSON.parse refuses (small texts: nothing written)', () => {
    const bad = ['', ' ', '[', '[1,]', '{"a" 1}', '{"a":1,}', '[1 2]', '01', '1.', '-', 'tru', 'nul', 'nulls', '"\\x"', '"\\u12G4"', '"a\nb"', '[1]x', '{1:2}', '[}', '{]', '"abc', '[1,2', '.5', '+1', '1e', 'NaN', '[true false]', '[1-2]', '{"a":1}}'];
    for (const t of bad) {
      expect(() => JSON.parse(t), t).toThrow();
      for (const size of [1, 2, 1000]) {
        const written: string[] = [];
        expect(() => reindentJson(chunked(t, size)), t).toThrow(/at byte \d+/);
        expect(() => reindentJson(chunked(t, size), (x) => written.push(x)), t).toThrow(/at byte \d+/);
        expect(written.join(''), t).toBe('');
      }
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

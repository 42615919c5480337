/** Tables at a terminal fit its width; --columns picks columns by header name, an unknown one is exit 2. */
import { describe, expect, it } from 'vitest';
import { Output, plainStyler, type Column } from '../../src/output/render.js';
import { UsageError } from '../../src/errors.js';

type Row = { id: string; note: string; n: number };
const ROWS: Row[] = [{ id: 'a1', note: 'x'.repeat(90), n: 1 }];
const COLS: Column<Row>[] = [
  { header: 'id', get: (r) => r.id },
  { header: 'long note', get: (r) => r.note },
  { header: 'count', get: (r) => r.n },
];
function render(opts: Partial<ConstructorParameters<typeof Output>[0]>): string {
  let out = '';
  new Output({ write: (t) => (out += t), tty: true, styler: plainStyler, json: false, width: 40, ...opts }).table(ROWS, COLS);
  return out;
}

describe('table fitting', () => {
  it('cuts the long cell with … to the terminal width, and --wide does not', () => {
    const lines = render({}).trimEnd().split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(40);
    expect(lines[1]).toMatch(/^a1\s+x+…\s+1$/);
    expect(render({ wide: true })).toContain('x'.repeat(90));
  });

  it('--columns takes header names in any case, spaces as - or _, in the order given', () => {
    expect(render({ columns: ['COUNT', 'long_note'] }).split('\n')[0]).toMatch(/^COUNT\s+LONG NOTE$/);
    expect(() => render({ columns: ['cont'] })).toThrow(UsageError);
    expect(() => render({ columns: ['cont'] })).toThrow('--columns: no column "cont" here (did you mean count?)');
  });

  it('without a terminal nothing is cut or dropped', () => {
    expect(render({ tty: false })).toBe(`id\tlong note\tcount\na1\t${'x'.repeat(90)}\t1\n`);
  });
});

describe('dropping columns', () => {
  it('a lower-priority column dropped on the way comes back when it fits the room left', () => {
    type R = { a: string; b: string; c: string; d: string };
    const cols: Column<R>[] = [
      { header: 'a', get: (r) => r.a, priority: 0 },
      { header: 'b', get: (r) => r.b, priority: 3, whole: true },
      { header: 'c', get: (r) => r.c, priority: 2, whole: true },
      { header: 'd', get: (r) => r.d, priority: 1, whole: true },
    ];
    let out = '';
    // b (5) drops first, still too wide, so c (20) drops too; then a 10 + b 5 + d 10 (+ gaps) = 29 fits in 30
    new Output({ write: (t) => (out += t), tty: true, styler: plainStyler, json: false, width: 30 }).table([{ a: 'x'.repeat(10), b: 'y'.repeat(5), c: 'z'.repeat(20), d: 'w'.repeat(10) }], cols);
    expect(out.split('\n')[0]).toMatch(/^A\s+B\s+D$/);
  });
});

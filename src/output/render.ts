/**
 * Output rules (spec/CLI.md): stdout carries data only. On a terminal: aligned tables and key-value
 * blocks, colour where allowed. Not a terminal: the same table tab-separated, no colour, no truncation.
 * `--json`: exactly one JSON document (the provider's objects, not re-shaped), filtered by `--query`.
 */
import { UsageError } from '../errors.js';

export interface Column<T> {
  header: string;
  get: (row: T) => unknown;
  /** colour a cell on a terminal */
  style?: (text: string, row: T) => string;
}

export interface Styler {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export const plainStyler: Styler = { bold: id, dim: id, green: id, red: id, yellow: id, cyan: id };
function id(s: string): string {
  return s;
}

export interface OutputOptions {
  write: (text: string) => void;
  /** stdout is a terminal: align and colour */
  tty: boolean;
  styler: Styler;
  json: boolean;
  query?: string;
}

type JmesPath = { search(data: unknown, expr: string): unknown; compile(expr: string): unknown };
let jmespathModule: JmesPath | null = null;

/** Loads JMESPath and checks the expression; called before any request is sent. */
export async function prepareQuery(expr: string): Promise<void> {
  const mod = (await import('jmespath')) as unknown as JmesPath & { default?: JmesPath };
  jmespathModule = mod.default ?? mod;
  try {
    jmespathModule.compile(expr);
  } catch (err) {
    throw new UsageError(`invalid --query expression: ${(err as Error).message}`, { hint: 'see https://jmespath.org for the syntax' });
  }
}

export function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

export class Output {
  constructor(private readonly o: OutputOptions) {}

  get json(): boolean {
    return this.o.json;
  }
  get tty(): boolean {
    return this.o.tty;
  }
  get style(): Styler {
    return this.o.styler;
  }

  /** The JSON document, after --query. */
  printJson(value: unknown): void {
    let out = value;
    if (this.o.query) {
      if (!jmespathModule) throw new Error('prepareQuery() was not called');
      out = jmespathModule.search(value, this.o.query);
    }
    this.o.write(`${JSON.stringify(out, null, 2)}\n`);
  }

  /** One NDJSON event (streams such as `watch`); --query applies to each event. */
  printEvent(value: unknown): void {
    let out = value;
    if (this.o.query && jmespathModule) out = jmespathModule.search(value, this.o.query);
    this.o.write(`${JSON.stringify(out)}\n`);
  }

  /** Prints `value` as JSON with --json, else calls `human`. */
  result(value: unknown, human: () => void): void {
    if (this.o.json) this.printJson(value);
    else human();
  }

  line(text = ''): void {
    this.o.write(`${text}\n`);
  }

  table<T>(rows: readonly T[], columns: readonly Column<T>[]): void {
    const cells = rows.map((r) => columns.map((c) => sanitize(cellText(c.get(r)))));
    if (!this.o.tty) {
      this.o.write([columns.map((c) => c.header).join('\t'), ...cells.map((r) => r.join('\t'))].join('\n') + '\n');
      return;
    }
    const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => displayWidth(r[i]))));
    const s = this.o.styler;
    const lines = [columns.map((c, i) => s.bold(pad(c.header.toUpperCase(), widths[i], i === columns.length - 1))).join('  ').trimEnd()];
    rows.forEach((row, ri) => {
      lines.push(
        columns
          .map((c, i) => {
            const text = pad(cells[ri][i], widths[i], i === columns.length - 1);
            return c.style ? c.style(text, row) : text;
          })
          .join('  ')
          .trimEnd(),
      );
    });
    this.o.write(lines.join('\n') + '\n');
  }

  /** A key-value block: "Status:  Completed" on a terminal, "status<TAB>Completed" otherwise. */
  keyValues(pairs: readonly (readonly [string, unknown])[]): void {
    const shown = pairs.filter(([, v]) => v !== undefined);
    if (!this.o.tty) {
      this.o.write(shown.map(([k, v]) => `${k}\t${sanitize(cellText(v))}`).join('\n') + '\n');
      return;
    }
    const w = Math.max(...shown.map(([k]) => k.length)) + 1;
    this.o.write(shown.map(([k, v]) => `${this.o.styler.bold(`${k}:`.padEnd(w))}  ${cellText(v)}`).join('\n') + '\n');
  }
}

/** tabs and newlines inside a cell would break the columns */
function sanitize(s: string): string {
  return s.replace(/[\t\r\n]+/g, ' ');
}

function displayWidth(s: string): number {
  return s.length;
}

function pad(s: string, width: number, last: boolean): string {
  return last ? s : s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

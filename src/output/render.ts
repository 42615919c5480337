/**
 * Output rules (spec/CLI.md): stdout carries data only. On a terminal: aligned tables and key-value
 * blocks, colour where allowed. Not a terminal: the same table tab-separated, no colour, no truncation.
 * `--json`: exactly one JSON document (the provider's objects, not re-shaped), filtered by `--query`.
 */
import { UsageError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { writeJsonPretty } from './json-chunks.js';

export interface Column<T> {
  header: string;
  get: (row: T) => unknown;
  /** colour a cell on a terminal */
  style?: (text: string, row: T) => string;
  /**
   * How much the column matters when a terminal is too narrow: 0 is never dropped, higher numbers
   * drop first (default: its position, so the rightmost goes first).
   */
  priority?: number;
  /** cells are ISO 8601 times: shown in the local zone at a terminal with --local-time (never cut) */
  time?: boolean;
  /** never cut (ids): the column drops rather than shows half a value; priority 0 columns are whole too */
  whole?: boolean;
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
  /** the terminal's width (tables fit it at a terminal) */
  width?: number;
  /** --wide: every column, no cut cells */
  wide?: boolean;
  /** --columns: only these, in this order */
  columns?: readonly string[];
  /** --local-time / TASKCTL_LOCAL_TIME=1 */
  localTime?: boolean;
  /** a warning on stderr */
  warn?: (message: string) => void;
  /**
   * true when the command already changed something on a server: a --query that fails on its result then
   * prints the result unfiltered (with a warning) rather than lose the record of what was done
   */
  changedSomething?: () => boolean;
}

export interface PrintOptions {
  /** the per-id report of a command over many ids: never lost to a failing --query */
  report?: boolean;
}

const GAP = 2;
/** columns drop until each remaining one can have at least this much (or its natural width) */
const COMFORT = 16;
/** a column is never cut narrower than this (or its header) */
const MIN_CUT = 6;

/** "execution time", "Execution-Time" and "execution_time" name the same column */
export const columnKey = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '-');

/**
 * `--columns` against the columns a command's table has (called before any request is sent): an unknown
 * name is a usage error naming it and listing the valid ones; `command` names a command without a table.
 */
export function checkColumns(names: readonly string[], valid: readonly string[] | undefined, command: string): void {
  if (!valid) throw new UsageError(`--columns: \`${command}\` prints no table to pick columns from`, { hint: 'nothing was sent' });
  const keys = valid.map(columnKey);
  for (const name of names) {
    if (!keys.includes(columnKey(name))) {
      throw new UsageError(`--columns: no column "${name}" in \`${command}\`${didYouMean(columnKey(name), keys)}`, { hint: `columns: ${keys.join(', ')}; nothing was sent` });
    }
  }
}

/** a whole ISO 8601 time with its zone: "2024-06-01T10:00:00.000Z", "2024-06-01T12:00:00+02:00" */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** "2024-06-01T10:00:00.000Z" → "2024-06-01 12:00:00 +02:00" in the local zone; anything else unchanged */
export function localTime(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return text;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  const p = (n: number) => String(Math.abs(n)).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${off < 0 ? '-' : '+'}${p(Math.trunc(off / 60))}:${p(off % 60)}`;
}

/** `text` cut to `width` display columns with a trailing … */
export function cut(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  return `${[...text].slice(0, Math.max(0, width - 1)).join('')}…`;
}

/**
 * Which columns to show and how wide, for a terminal of `width` columns: the lowest-priority columns
 * drop first (never those of priority 0, nor ones named by --columns), then the widest cells are cut.
 */
export function fitColumns(
  headers: readonly string[],
  natural: readonly number[],
  priorities: readonly number[],
  whole: readonly boolean[],
  width: number,
  keep: (i: number) => boolean,
): { shown: number[]; widths: number[] } {
  const shown = headers.map((_, i) => i);
  const widths = [...natural];
  const total = (w: (i: number) => number) => shown.reduce((sum, i) => sum + w(i), 0) + GAP * Math.max(0, shown.length - 1);
  const comfortable = (i: number) => (whole[i] ? natural[i] : Math.min(natural[i], Math.max(COMFORT, headers[i].length)));
  while (total(comfortable) > width) {
    const droppable = shown.filter((i) => priorities[i] > 0 && !keep(i));
    if (!droppable.length) break;
    const drop = droppable.reduce((a, b) => (priorities[b] >= priorities[a] ? b : a));
    shown.splice(shown.indexOf(drop), 1);
  }
  // a dropped column that fits in the room left comes back (most important first), in its own place
  const dropped = headers.map((_, i) => i).filter((i) => !shown.includes(i)).sort((a, b) => priorities[a] - priorities[b]);
  for (const i of dropped) {
    const trial = [...shown, i].sort((a, b) => a - b);
    const need = trial.reduce((sum, j) => sum + comfortable(j), 0) + GAP * (trial.length - 1);
    if (need <= width) shown.splice(0, shown.length, ...trial);
  }
  // still too wide: take one column at a time off the widest cut-able column (whole ones only as a last resort)
  while (total((i) => widths[i]) > width) {
    const cuttable = (i: number) => widths[i] > Math.max(MIN_CUT, headers[i].length);
    const candidates = shown.filter((i) => cuttable(i) && !whole[i]);
    const widest = (candidates.length ? candidates : shown.filter(cuttable)).sort((a, b) => widths[b] - widths[a])[0];
    if (widest === undefined) break;
    widths[widest]--;
  }
  return { shown, widths };
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
  /** the columns the command declared (CommandSpec.columns): every table it prints must have exactly these */
  private declared?: readonly string[];
  constructor(private readonly o: OutputOptions) {}

  /** The command's declared columns; a table that differs is a bug in the declaration (caught by the tests). */
  declareColumns(columns: readonly string[] | undefined): void {
    this.declared = columns;
  }

  get json(): boolean {
    return this.o.json;
  }
  get tty(): boolean {
    return this.o.tty;
  }
  get style(): Styler {
    return this.o.styler;
  }

  /**
   * The JSON document, after --query. A --query result that is a string prints bare (like `gh --jq` and
   * `jq -r`), so `id=$(taskctl … --query id)` captures the id itself; anything else prints as JSON.
   */
  printJson(value: unknown, opts: PrintOptions = {}): void {
    const out = this.applyQuery(value, opts);
    if (out.bare) this.o.write(`${out.value as string}\n`);
    else writeJsonPretty(out.value, (t) => this.o.write(t));
  }

  /** One NDJSON event (streams such as `watch`); --query applies to each event. */
  printEvent(value: unknown): void {
    // an event stream reports progress as it happens: a failing --query never swallows an event
    const out = this.applyQuery(value, { report: true });
    this.o.write(out.bare ? `${out.value as string}\n` : `${JSON.stringify(out.value)}\n`);
  }

  /**
   * Runs --query on a result. An expression that parsed (prepareQuery) can still fail on the data it gets
   * (`abs(results)`): a report, or the result of a command that changed something, is then printed
   * unfiltered with a warning and the command keeps its exit code; any other result is a usage error (exit 2).
   */
  private applyQuery(value: unknown, opts: PrintOptions): { value: unknown; bare: boolean } {
    if (!this.o.query) return { value, bare: false };
    if (!jmespathModule) throw new Error('prepareQuery() was not called');
    let out: unknown;
    try {
      out = jmespathModule.search(value, this.o.query);
    } catch (err) {
      const why = `--query ${JSON.stringify(this.o.query)} failed on this result: ${(err as Error).message}`;
      if (opts.report || this.o.changedSomething?.()) {
        this.o.warn?.(`${why}; printing the result unfiltered`);
        return { value, bare: false };
      }
      throw new UsageError(why, { hint: 'the expression parses but does not fit this data (see the result with --json)' });
    }
    return { value: out, bare: typeof out === 'string' };
  }

  /** Prints `value` as JSON with --json, else calls `human`. */
  result(value: unknown, human: () => void, opts: PrintOptions = {}): void {
    if (this.o.json) this.printJson(value, opts);
    else human();
  }

  line(text = ''): void {
    this.o.write(`${text}\n`);
  }

  table<T>(rows: readonly T[], all: readonly Column<T>[]): void {
    if (this.declared) {
      const got = all.map((c) => columnKey(c.header)).join(',');
      if (got !== this.declared.map(columnKey).join(',')) throw new Error(`internal: the table's columns (${got}) are not the declared ones (${this.declared.join(',')})`);
    }
    const columns = this.pickColumns(all);
    const local = this.o.tty && this.o.localTime;
    const cells = rows.map((r) => columns.map((c) => {
      const text = sanitize(cellText(c.get(r)));
      return local && c.time ? localTime(text) : text;
    }));
    if (!this.o.tty) {
      this.o.write([columns.map((c) => c.header).join('\t'), ...cells.map((r) => r.join('\t'))].join('\n') + '\n');
      return;
    }
    const natural = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => displayWidth(r[i]))));
    const { shown, widths } =
      this.o.wide || !this.o.width
        ? { shown: columns.map((_, i) => i), widths: natural }
        : fitColumns(
            columns.map((c) => c.header),
            natural,
            columns.map((c, i) => c.priority ?? i),
            columns.map((c, i) => Boolean(c.whole || c.time || (c.priority ?? i) === 0)),
            this.o.width,
            () => Boolean(this.o.columns?.length),
          );
    const s = this.o.styler;
    const last = shown[shown.length - 1];
    const lines = [shown.map((i) => s.bold(pad(cut(columns[i].header.toUpperCase(), widths[i]), widths[i], i === last))).join('  ').trimEnd()];
    rows.forEach((row, ri) => {
      lines.push(
        shown
          .map((i) => {
            const c = columns[i];
            const text = pad(cut(cells[ri][i], widths[i]), widths[i], i === last);
            return c.style ? c.style(text, row) : text;
          })
          .join('  ')
          .trimEnd(),
      );
    });
    this.o.write(lines.join('\n') + '\n');
  }

  /** --columns: the named columns in that order; an unknown name is a usage error listing the known ones. */
  private pickColumns<T>(all: readonly Column<T>[]): readonly Column<T>[] {
    if (!this.o.columns?.length) return all;
    return this.o.columns.map((name) => {
      const c = all.find((col) => columnKey(col.header) === columnKey(name));
      if (!c) throw new UsageError(`--columns: no column "${name}" here${didYouMean(name, all.map((col) => columnKey(col.header)))}`, { hint: `columns: ${all.map((col) => columnKey(col.header)).join(', ')}` });
      return c;
    });
  }

  /** A key-value block: "Status:  Completed" on a terminal, "status<TAB>Completed" otherwise. */
  keyValues(pairs: readonly (readonly [string, unknown])[]): void {
    const shown = pairs.filter(([, v]) => v !== undefined);
    if (!this.o.tty) {
      this.o.write(shown.map(([k, v]) => `${k}\t${sanitize(cellText(v))}`).join('\n') + '\n');
      return;
    }
    const w = Math.max(...shown.map(([k]) => k.length)) + 1;
    // --local-time: a value that is a whole ISO 8601 time is shown in the local zone, as in tables
    const text = (v: unknown) => {
      const t = cellText(v);
      return this.o.localTime && ISO_TIME.test(t) ? localTime(t) : t;
    };
    this.o.write(shown.map(([k, v]) => `${this.o.styler.bold(`${k}:`.padEnd(w))}  ${text(v)}`).join('\n') + '\n');
  }
}

/**
 * A JSON key as a human label: "clockOffsetMs" → "Clock offset", "uptimeSeconds" → "Uptime", "url" → "URL",
 * "userId" → "User ID". The unit goes with the value (factPairs), not the label.
 */
export function humanLabel(key: string): string {
  const words = key
    .replace(/(Ms|Seconds)$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_-]+/)
    .map((w) => (['url', 'id', 'tls', 'jwt', 'api'].includes(w) ? w.toUpperCase() : w));
  const text = words.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/**
 * Facts of a JSON result as the key-value block people read (`status`, `profile test`): human labels, the
 * unit with the value ("12 ms", "3600 s"), null as "unknown". The JSON keeps its camelCase keys and numbers.
 */
export function factPairs(facts: object): [string, unknown][] {
  return Object.entries(facts).map(([k, v]) => {
    if (v === null) return [humanLabel(k), 'unknown'];
    if (typeof v === 'number' && k.endsWith('Ms')) return [humanLabel(k), `${v} ms`];
    if (typeof v === 'number' && k.endsWith('Seconds')) return [humanLabel(k), `${Math.round(v)} s`];
    return [humanLabel(k), v];
  });
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

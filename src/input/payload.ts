/**
 * Request bodies from flags and files (spec/CLI.md "Payloads"): `--file <path|->` (JSON), `--data <json>`,
 * `--field name=value` / `name:=<json>`, and flags that override single fields of the file
 * (`--export-format csv` changes only `target.export_format`). Validation errors name the field, the
 * expected type and the value received, and exit 2 before anything is sent.
 */
import fs from 'node:fs';
import * as z from 'zod/mini';
import type { Context } from '../context.js';
import { didYouMean } from '../suggest.js';
import { UsageError } from '../errors.js';
import { parseJsonInput } from './json.js';

/** Reads and parses a JSON file (`-` = stdin) with file:line:column on errors. */
export async function readJsonFile(ctx: Context, file: string, flag = '--file'): Promise<unknown> {
  if (file === '-') {
    if (ctx.stdinIsTTY) throw new UsageError(`${flag} - reads JSON from standard input, but it is a terminal`, { hint: 'pipe the JSON in, or give a file' });
    return parseJsonInput(await ctx.readStdin(), '<stdin>');
  }
  let text: string;
  try {
    text = fs.readFileSync(ctx.resolvePath(file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err))}`);
  }
  return parseJsonInput(text, file);
}

/** Parses a JSON flag value (`--data`, `--target`), naming the flag on errors. */
export function parseJsonFlag(value: string, flag: string): unknown {
  return parseJsonInput(value, flag);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function requireObject(v: unknown, source: string): Record<string, unknown> {
  if (!isPlainObject(v)) {
    throw new UsageError(`${source}: expected a JSON object, received ${describeValue(v)}`, { hint: 'nothing was sent' });
  }
  return v;
}

/** `--field name=value` (string) and `--field name:=<json>` (typed); dotted names build nested objects. */
export function parseFieldArgs(fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const typed = /^([^=:]+):=(.*)$/s.exec(f);
    const plain = /^([^=:]+)=(.*)$/s.exec(f);
    if (typed) {
      // the field name quoted and the value shown, so the JSON's position never reads as part of the name
      const name = typed[1].trim();
      const value = typed[2];
      setPath(out, name, parseJsonInput(value, `--field "${name}" value ${shorten(JSON.stringify(value), 40)}`, `after := comes JSON (true, 12, "text", {…}); a plain string is ${name}=…; nothing was sent`));
    } else if (plain) setPath(out, plain[1].trim(), plain[2]);
    else throw new UsageError(`--field ${JSON.stringify(f)}: no "=" in it`, { hint: 'write name=value (a string) or name:=<json> (typed, e.g. approved:=true); nothing was sent' });
  }
  return out;
}

/** Sets `a.b.c` inside an object, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.').filter(Boolean);
  if (keys.length === 0) throw new UsageError(`empty field name`);
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (!isPlainObject(o[k])) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

/** Deep merge: objects merge key by key, anything else replaces. Later sources win. */
export function mergeDeep(...sources: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const src of sources) {
    for (const [k, v] of Object.entries(src)) {
      out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeDeep(out[k] as Record<string, unknown>, v) : v;
    }
  }
  return out;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${shorten(JSON.stringify(v))})`;
  if (typeof v === 'object') return `an object (${shorten(JSON.stringify(v))})`;
  return `${typeof v} ${shorten(JSON.stringify(v))}`;
}

function shorten(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** The field names an object schema knows at `path` (through optional/nullable wrappers), for "did you mean". */
function knownKeys(schema: unknown, path: readonly PropertyKey[]): string[] {
  type Def = { shape?: Record<string, unknown>; innerType?: unknown };
  const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } } | undefined)?._zod?.def;
  const unwrap = (s: unknown): unknown => {
    for (let i = 0; i < 5 && defOf(s)?.innerType; i++) s = defOf(s)!.innerType;
    return s;
  };
  let s = unwrap(schema);
  for (const k of path) s = unwrap(defOf(s)?.shape?.[String(k)]);
  return Object.keys(defOf(s)?.shape ?? {});
}

/**
 * Validates a body with a zod schema; a violation is exit 2 naming each field, what was expected and
 * what was received. `source` prefixes the message ("--file task.json", "request body").
 */
export function validateBody<T>(schema: z.core.$ZodType<T>, body: unknown, source: string): T {
  // the functional form accepts a schema of either zod build (classic or mini)
  const r = z.safeParse(schema, body);
  if (r.success) return r.data;
  const lines = r.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(body)';
    let received: unknown = body;
    for (const k of issue.path) received = isPlainObject(received) || Array.isArray(received) ? (received as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined;
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${[...issue.path.map(String), k].join('.')}"${didYouMean(k, known)}`).join(', ')}`;
    }
    return `${field}: ${issue.message}, received ${describeValue(received)}`;
  });
  throw new UsageError(`${source}: ${lines.join('; ')}`, { hint: 'nothing was sent' });
}

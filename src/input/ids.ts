/**
 * Ids for commands written `<id…>`: arguments, or `-` alone to read them from stdin (one per line,
 * blank lines and `#` comments ignored, or a JSON array of strings). Every id is checked before any
 * request; duplicates are dropped with a warning so each id is reported exactly once. `-` with nothing
 * on stdin is a no-op (NoIds: exit 0, an empty report).
 */
import type { Context } from '../context.js';
import { NoIds, UsageError } from '../errors.js';

/** Parses a list of ids from text: a JSON array of strings, or lines. */
export function parseIdList(text: string, source: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new UsageError(`${source}: looks like a JSON array but is not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== 'string' && typeof x !== 'number')) {
      throw new UsageError(`${source}: expected a JSON array of ids (strings)`);
    }
    return parsed.map((x) => String(x).trim()).filter(Boolean);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

export interface IdOptions {
  /** returns an error message for an invalid id, or null */
  validate?: (id: string) => string | null;
  /** "task id" etc., for messages */
  noun?: string;
}

/** Validates and de-duplicates ids (keeping the first occurrence's position). */
export function checkIds(ctx: Context, ids: string[], opts: IdOptions = {}): string[] {
  const noun = opts.noun ?? 'id';
  if (ids.length === 0) throw new UsageError(`no ${noun} given`, { hint: 'pass one or more ids, or - to read them from standard input' });
  if (opts.validate) {
    const bad = ids.map((id) => [id, opts.validate!(id)] as const).filter(([, e]) => e !== null);
    if (bad.length) {
      const shown = bad.slice(0, 5).map(([id, e]) => `"${id}" (${e})`).join(', ');
      throw new UsageError(`invalid ${noun}${bad.length > 1 ? 's' : ''}: ${shown}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''}`, { hint: 'nothing was sent' });
    }
  }
  const seen = new Set<string>();
  const out: string[] = [];
  const dups = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) dups.add(id);
    else {
      seen.add(id);
      out.push(id);
    }
  }
  if (dups.size) ctx.warn(`ignoring repeated ${noun}${dups.size > 1 ? 's' : ''}: ${[...dups].slice(0, 5).join(', ')}${dups.size > 5 ? ', …' : ''}`);
  return out;
}

/** The ids a `<id…>` command was given: its arguments, or stdin for `-`. */
export async function readIds(ctx: Context, args: unknown, opts: IdOptions = {}): Promise<string[]> {
  const list = (Array.isArray(args) ? args : [args]).filter((a) => a !== undefined).map(String);
  let ids: string[];
  if (list.length === 1 && list[0] === '-') {
    if (ctx.stdinIsTTY) throw new UsageError('"-" reads ids from standard input, but it is a terminal', { hint: 'pipe the ids in, e.g. `... --query "[]._id" | taskctl ... -`' });
    ids = parseIdList(await ctx.readStdin(), '<stdin>');
    // an empty pipe (nothing matched upstream) is the normal case of a nightly job, not an error
    if (ids.length === 0) throw new NoIds(`no ${opts.noun ?? 'id'}s on standard input; nothing was sent`);
  } else {
    if (list.includes('-')) throw new UsageError('"-" (read ids from standard input) must be the only id argument');
    ids = list.map((s) => s.trim());
    // an empty argument (e.g. an unset "$ID") is an error, not silently one id fewer
    const empty = ids.indexOf('');
    if (empty !== -1) throw new UsageError(`invalid ${opts.noun ?? 'id'} "" (argument ${empty + 1}): it is empty`, { hint: 'nothing was sent' });
  }
  return checkIds(ctx, ids, opts);
}

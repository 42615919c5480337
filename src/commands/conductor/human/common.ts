/**
 * What the `conductor human` verbs share: task id rules, `user:ID` / `group:ID` parsing, the form body
 * from --data / --file / --field, the multi-id runner with the Conductor OSS short-circuit, and display helpers.
 */
import type { Context } from '../../../context.js';
import { ExitWith, UsageError } from '../../../errors.js';
import { readIds } from '../../../input/ids.js';
import { segmentProblem } from '../../../http/segment.js';
import { mergeDeep, parseFieldArgs, parseJsonFlag, readJsonFile, requireObject } from '../../../input/payload.js';
import { runMany, type ItemOutcome } from '../../../runner/many.js';
import { ConductorOssError } from '../../../providers/conductor/errors.js';
import type { HumanTaskUser } from '../../../providers/conductor/schemas.js';

/** Human task ids are Conductor task ids (UUIDs on Orkes); refuse what cannot be one path segment. */
export function validateTaskId(id: string): string | null {
  const segment = segmentProblem(id);
  if (segment) return segment;
  if (/\s/.test(id)) return 'a task id has no spaces';
  if (/[/?#]/.test(id)) return 'a task id has no "/", "?" or "#"';
  return null;
}

export function taskIds(ctx: Context, args: unknown): Promise<string[]> {
  return readIds(ctx, args, { validate: validateTaskId, noun: 'task id' });
}

const USER_KINDS: Record<string, HumanTaskUser['userType']> = { user: 'CONDUCTOR_USER', group: 'CONDUCTOR_GROUP' };

/**
 * `user:ID` → CONDUCTOR_USER, `group:ID` → CONDUCTOR_GROUP; with `bare`, a plain `ID` is a user.
 */
export function parseUserSpec(value: string, flag: string, opts: { bare?: boolean } = {}): { user: string; userType: 'CONDUCTOR_USER' | 'CONDUCTOR_GROUP' } {
  const v = value.trim();
  const m = /^([A-Za-z]+):(.*)$/s.exec(v);
  const expected = opts.bare ? 'ID, user:ID or group:ID' : 'user:ID or group:ID';
  if (m && USER_KINDS[m[1].toLowerCase()]) {
    const id = m[2].trim();
    if (!id) throw new UsageError(`${flag} "${value}": the ${m[1].toLowerCase()} id is empty`, { hint: `expected ${expected}, e.g. user:jane@example.com or group:approvers` });
    return { user: id, userType: USER_KINDS[m[1].toLowerCase()] as 'CONDUCTOR_USER' | 'CONDUCTOR_GROUP' };
  }
  if (opts.bare && v && !m) return { user: v, userType: 'CONDUCTOR_USER' };
  throw new UsageError(`${flag} "${value}": expected ${expected}`, { hint: 'e.g. user:jane@example.com or group:approvers; nothing was sent' });
}

export function formatUser(u: { user?: string | null; userType?: string | null } | null | undefined): string {
  if (!u || !u.user) return '';
  switch (u.userType) {
    case 'CONDUCTOR_USER':
      return `user:${u.user}`;
    case 'CONDUCTOR_GROUP':
      return `group:${u.user}`;
    case 'EXTERNAL_USER':
      return `external-user:${u.user}`;
    case 'EXTERNAL_GROUP':
      return `external-group:${u.user}`;
    default:
      return u.user;
  }
}

/** The task's input without the internal `__humanTask*` keys (kept in --json). */
export function visibleInput(input: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input ?? {})) if (!k.startsWith('__')) out[k] = v;
  return out;
}

export function formatTime(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function compactJson(v: Record<string, unknown>): string {
  return Object.keys(v).length ? JSON.stringify(v) : '';
}

/**
 * The update/complete body: `--data <json>`, then `--file <path|->`, then each `--field name=value` /
 * `name:=<json>`, merged in that order (later wins, objects merge key by key). Must be a JSON object.
 */
export async function readFormBody(ctx: Context, opts: Record<string, unknown>): Promise<{ body: Record<string, unknown>; given: boolean }> {
  const parts: Record<string, unknown>[] = [];
  if (opts.data !== undefined) parts.push(requireObject(parseJsonFlag(String(opts.data), '--data'), '--data'));
  if (opts.file !== undefined) {
    const file = String(opts.file);
    parts.push(requireObject(await readJsonFile(ctx, file), `--file ${file === '-' ? '<stdin>' : file}`));
  }
  const fields = (opts.field as string[] | undefined) ?? [];
  if (fields.length) parts.push(parseFieldArgs(fields));
  return { body: mergeDeep(...parts), given: opts.data !== undefined || opts.file !== undefined || fields.length > 0 };
}

/**
 * runMany for a human verb over task ids. On Conductor OSS the first id's Spring 404 tells us /api/human
 * does not exist: the remaining ids are not sent, and stderr says why.
 */
export async function runOnTasks(
  ctx: Context,
  ids: readonly string[],
  work: (id: string) => Promise<ItemOutcome>,
  opts: { verb: string },
): Promise<number> {
  let oss: ConductorOssError | null = null;
  try {
    return await runMany(
      ctx,
      ids,
      async (id) => {
        if (oss) throw oss;
        try {
          return await work(id);
        } catch (err) {
          if (err instanceof ConductorOssError) oss = err;
          throw err;
        }
      },
      { verb: opts.verb, noun: 'task id' },
    );
  } catch (err) {
    const found = oss as ConductorOssError | null;
    if (found && err instanceof ExitWith) {
      ctx.writeErr(`${ctx.errStyle.red('taskctl:')} ${found.message} (${found.hint})\n`);
    }
    throw err;
  }
}

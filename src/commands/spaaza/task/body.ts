/**
 * The body of `task create` / `task update` from `--file` and flags (spec/CLI.md "Payloads"): flags
 * override fields of the file; `--target` / `--trigger` replace the whole object, `--export-index`,
 * `--export-format` and `--at` set one field inside it. Every flag is checked before anything is sent.
 */
import type { Context } from '../../../context.js';
import { UsageError } from '../../../errors.js';
import { describeValue, isPlainObject, parseJsonFlag, readJsonFile, requireObject } from '../../../input/payload.js';
import { EXPORT_FORMATS, EXPORT_INDEXES, READ_ONLY_FIELDS, isIsoDateTime, isoUtc } from '../../../providers/spaaza/schemas.js';

export interface AssembledBody {
  /** the file's fields with whole-object flags applied */
  body: Record<string, unknown>;
  /** single target fields from --export-index / --export-format */
  targetPatch: Record<string, unknown>;
  /** single trigger fields from --at */
  triggerPatch: Record<string, unknown>;
}

const NOTHING_SENT = { hint: 'nothing was sent' };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--at`: an ISO 8601 date-time with a zone (normalised to UTC, as Spaaza's examples write it), `now`, or a
 * time from now (`+30m`, `+2h`, `+1d`, `+1w`), so a scheduled example stays valid whatever the date.
 */
export function parseAt(value: string, now: number): string {
  const v = value.trim();
  if (/^now$/i.test(v)) return isoUtc(now);
  const rel = /^\+\s*(\d+)\s*([smhdw])$/i.exec(v);
  if (rel) return isoUtc(now + Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()]);
  if (!isIsoDateTime(v)) {
    const noZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v);
    throw new UsageError(
      noZone
        ? `--at "${value}": the time needs a time zone (Z for UTC, or an offset such as +02:00)`
        : `--at "${value}": expected an ISO 8601 date-time such as 2026-05-26T12:00:00Z, now, or a time from now such as +2h (+30m, +1d, +1w)`,
      NOTHING_SENT,
    );
  }
  const ms = Date.parse(v);
  if (ms < now) {
    throw new UsageError(`--at ${value} is in the past (it is now ${isoUtc(now)})`, {
      hint: 'give a future time, --at now or --at +2h; `taskctl spaaza task run <id>` runs a task at once; nothing was sent',
    });
  }
  return isoUtc(ms);
}

function objectFlag(value: unknown, flag: string): Record<string, unknown> {
  const parsed = parseJsonFlag(String(value), flag);
  if (!isPlainObject(parsed)) throw new UsageError(`${flag}: expected a JSON object, received ${describeValue(parsed)}`, NOTHING_SENT);
  return parsed;
}

function choice(value: unknown, flag: string, allowed: readonly string[]): string {
  const v = String(value);
  if (!allowed.includes(v)) throw new UsageError(`${flag}: expected one of ${allowed.join(', ')}, received "${v}"`, NOTHING_SENT);
  return v;
}

export async function assembleBody(ctx: Context, opts: Record<string, unknown>, mode: 'create' | 'update'): Promise<AssembledBody> {
  // flags first: cheap, and a bad flag must not wait on a file or stdin
  const targetPatch: Record<string, unknown> = {};
  const triggerPatch: Record<string, unknown> = {};
  if (opts.exportIndex !== undefined) targetPatch.export_index = choice(opts.exportIndex, '--export-index', EXPORT_INDEXES);
  if (opts.exportFormat !== undefined) targetPatch.export_format = choice(opts.exportFormat, '--export-format', EXPORT_FORMATS);
  if (opts.at !== undefined) triggerPatch.once = parseAt(String(opts.at), ctx.now());
  const target = opts.target !== undefined ? objectFlag(opts.target, '--target') : undefined;
  const trigger = opts.trigger !== undefined ? objectFlag(opts.trigger, '--trigger') : undefined;
  if (opts.desc !== undefined && String(opts.desc).trim() === '') throw new UsageError('--desc: expected a non-empty description', NOTHING_SENT);

  let body: Record<string, unknown> = {};
  if (opts.file !== undefined) {
    const file = String(opts.file);
    body = { ...requireObject(await readJsonFile(ctx, file), `--file ${file}`) };
    const ignored = [...READ_ONLY_FIELDS, ...(mode === 'update' ? ['chain'] : [])].filter((k) => k in body);
    if (ignored.length) {
      for (const k of ignored) delete body[k];
      ctx.warn(`ignoring field${ignored.length > 1 ? 's' : ''} of --file the server sets itself: ${ignored.join(', ')}`);
    }
  }
  if (opts.desc !== undefined) body.desc = String(opts.desc);
  if (opts.debug !== undefined) body.debug = String(opts.debug);
  if (target) body.target = target;
  if (trigger) body.trigger = trigger;
  return { body, targetPatch, triggerPatch };
}

/** Applies single-field flags to a whole object; `--export-index`/`--export-format` imply action "export". */
export function applyTarget(base: unknown, patch: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...(isPlainObject(base) ? base : {}), ...patch };
  if (merged.action === undefined && (merged.export_index !== undefined || merged.export_format !== undefined)) {
    return { action: 'export', ...merged };
  }
  return merged;
}

export function applyTrigger(base: unknown, patch: Record<string, unknown>): Record<string, unknown> {
  return { ...(isPlainObject(base) ? base : {}), ...patch };
}

export function hasKeys(o: Record<string, unknown>): boolean {
  return Object.keys(o).length > 0;
}

/** A `trigger.once` in the past from a file or --trigger is allowed (it may be deliberate) but worth a word. */
export function warnPastOnce(ctx: Context, trigger: unknown, fromAt: boolean): void {
  if (fromAt || !isPlainObject(trigger) || typeof trigger.once !== 'string') return;
  const ms = Date.parse(trigger.once);
  if (!Number.isNaN(ms) && ms < ctx.now()) ctx.warn(`trigger.once ${trigger.once} is in the past: the task may not run by itself (\`taskctl spaaza task run <id>\` runs it now)`);
}

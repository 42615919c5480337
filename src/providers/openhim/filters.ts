/**
 * The `filters` query parameter of `/tasks`, `/tasks/:id` and `/transactions` (providers/openhim.md §3), and
 * the time flags that feed it. Pure: no I/O, the clock is passed in.
 *
 * `filters` is a JSON string; some keys inside it must themselves be JSON strings because the server calls
 * JSON.parse on them a second time: `created` (tasks), `request.timestamp` and `childIDs` (transactions).
 * Sending an object there gives 500 `SyntaxError: "[object Object]" is not valid JSON`.
 */
import { UsageError } from '../../errors.js';
import { ITEM_TSTATUSES, OBJECT_ID_RE, RERUN_STATUSES, TASK_STATUSES, TRANSACTION_STATUSES } from './schemas.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A time flag: an ISO date or time (`2024-06-01`, `2024-06-01T10:00:00Z`; a date alone is midnight UTC,
 * a time without a zone is local time), a relative time in the past (`45s`, `30m`, `2h`, `7d`, `2w`, also
 * written `2h ago`), or `now`.
 */
export function parseTime(value: string, flag: string, now: number): Date {
  const v = value.trim();
  if (v.toLowerCase() === 'now') return new Date(now);
  const rel = /^(\d+)\s*([smhdw])(?:\s+ago)?$/i.exec(v);
  if (rel) return new Date(now - Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()]);
  if (ISO_RE.test(v)) {
    const t = Date.parse(v.replace(' ', 'T'));
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new UsageError(`${flag} "${value}": expected an ISO date or time (2024-06-01, 2024-06-01T10:00:00Z) or a relative time (30m, 2h, 7d, 2w)`, {
    hint: 'nothing was sent',
  });
}

export interface TimeBounds {
  $gte?: string;
  $lte?: string;
}

/** `--since` / `--until` as a Mongo range (ISO strings); undefined when neither is given. */
export function timeRange(opts: { since?: string; until?: string }, now: number): TimeBounds | undefined {
  const since = opts.since !== undefined ? parseTime(opts.since, '--since', now) : undefined;
  const until = opts.until !== undefined ? parseTime(opts.until, '--until', now) : undefined;
  if (since && until && since.getTime() > until.getTime()) {
    throw new UsageError(`--since (${since.toISOString()}) is after --until (${until.toISOString()})`, { hint: 'nothing was sent' });
  }
  if (!since && !until) return undefined;
  return { ...(since ? { $gte: since.toISOString() } : {}), ...(until ? { $lte: until.toISOString() } : {}) };
}

/** Case-insensitive match of a flag value against the server's spelling; exit 2 naming the choices. */
export function choice<T extends string>(value: string, choices: readonly T[], flag: string): T {
  const v = value.trim().toLowerCase();
  const hit = choices.find((c) => c.toLowerCase() === v);
  if (!hit) {
    throw new UsageError(`${flag} "${value}": expected one of ${choices.map((c) => (c.includes(' ') ? `"${c}"` : c)).join(', ')}`, { hint: 'nothing was sent' });
  }
  return hit;
}

export function objectIdFlag(value: string, flag: string): string {
  const v = value.trim();
  if (!OBJECT_ID_RE.test(v)) throw new UsageError(`${flag} "${value}": expected a 24-character hex ObjectId`, { hint: 'nothing was sent' });
  return v;
}

export type Filters = Record<string, unknown>;

/** `GET /tasks` filters: `status`, `user`, and `created` double-encoded. */
export function taskListFilters(opts: { status?: string; user?: string; since?: string; until?: string }, now: number): Filters {
  const f: Filters = {};
  if (opts.status !== undefined) f.status = choice(opts.status, TASK_STATUSES, '--status');
  if (opts.user !== undefined) {
    const user = opts.user.trim();
    if (!user) throw new UsageError('--user needs an email address', { hint: 'nothing was sent' });
    f.user = user;
  }
  const created = timeRange(opts, now);
  if (created) f.created = JSON.stringify(created);
  return f;
}

/** `GET /tasks/:id` filters on the embedded transactions (exact match). */
export function taskItemFilters(opts: { tstatus?: string; rerunStatus?: string }): Filters {
  const f: Filters = {};
  if (opts.tstatus !== undefined) f.tstatus = choice(opts.tstatus, ITEM_TSTATUSES, '--tstatus');
  if (opts.rerunStatus !== undefined) f.rerunStatus = choice(opts.rerunStatus, RERUN_STATUSES, '--rerun-status');
  return f;
}

export interface TransactionFilterOptions {
  status?: string;
  channel?: string;
  since?: string;
  until?: string;
}

/** `GET /transactions` filters: `status`, `channelID` (inside filters: 8.x ignores the top-level param), `request.timestamp` double-encoded. */
export function transactionFilters(opts: TransactionFilterOptions, now: number): Filters {
  const f: Filters = {};
  if (opts.status !== undefined) f.status = choice(opts.status, TRANSACTION_STATUSES, '--status');
  if (opts.channel !== undefined) f.channelID = objectIdFlag(opts.channel, '--channel');
  const ts = timeRange(opts, now);
  if (ts) f['request.timestamp'] = JSON.stringify(ts);
  return f;
}

/** Narrows a transaction filter to `request.timestamp <= upper` (keeps an existing lower bound and a lower upper bound). */
export function capTimestamp(filters: Filters, upper: string): Filters {
  const raw = filters['request.timestamp'];
  const current: TimeBounds = typeof raw === 'string' ? (JSON.parse(raw) as TimeBounds) : {};
  const lte = current.$lte !== undefined && Date.parse(current.$lte) < Date.parse(upper) ? current.$lte : upper;
  return { ...filters, 'request.timestamp': JSON.stringify({ ...current, $lte: lte }) };
}

export function isEmptyFilter(f: Filters): boolean {
  return Object.keys(f).length === 0;
}

/** The three paging parameters every list and detail request carries (0-based page). */
export function pageQuery(page0: number, limit: number, filters: Filters): { filterLimit: number; filterPage: number; filters: string } {
  return { filterLimit: limit, filterPage: page0, filters: JSON.stringify(filters) };
}

/**
 * Close task shapes (providers/close.md §2–§5): id formats, date values, the bodies taskctl sends
 * (validated before anything is sent) and the parts of responses it reads.
 */
import * as z from 'zod/mini';
import '../../zod-en.js';
import { TASK_TYPES, PRIORITIES, RESOLUTIONS } from './values.js';

/** the value lists live in values.ts (no zod), so the command declarations can offer them to completion */
export { TASK_TYPES, PRIORITIES, RESOLUTIONS };


/** Types `POST /task/` accepts ("Currently only tasks of type lead and outgoing_call can be created"). */
export const CREATABLE_TYPES = ['lead', 'outgoing_call'] as const;

/**
 * Close ids are `<prefix>_` + base62; the length is not documented, so only the prefix (and that the
 * rest is non-empty and URL-safe) is checked. Returns an error message, or null when the id is fine.
 */
export function checkCloseId(id: string, prefix: 'task' | 'lead' | 'user'): string | null {
  if (!id.startsWith(`${prefix}_`)) return `a Close ${prefix} id starts with "${prefix}_"`;
  if (id.length === prefix.length + 1) return `nothing after "${prefix}_"`;
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return 'only letters, digits, "_" and "-" are expected';
  return null;
}

export const checkTaskId = (id: string): string | null => checkCloseId(id, 'task');

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?$/;

function validCalendarDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return m >= 1 && m <= 12 && dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** `2015-01-05`, or an ISO 8601 date-time such as `2015-01-05T09:30:00Z` / `2015-01-05T09:30+02:00`. */
export function isCloseDate(value: string): boolean {
  const d = DATE_RE.exec(value);
  if (d) return validCalendarDate(+d[1], +d[2], +d[3]);
  const t = DATETIME_RE.exec(value);
  if (!t) return false;
  if (!validCalendarDate(+t[1], +t[2], +t[3])) return false;
  if (+t[4] > 23 || +t[5] > 59 || (t[6] !== undefined && +t[6] > 59)) return false;
  if (t[8] !== undefined && (+t[8] > 23 || +t[9] > 59)) return false;
  return true;
}

export const DATE_HINT = 'a date such as 2025-03-31 or an ISO 8601 date-time such as 2025-03-31T09:30:00Z';

const closeDate = z.string().check(z.refine(isCloseDate, { message: `expected ${DATE_HINT}` }));
const idOf = (prefix: 'lead' | 'user') =>
  z.string().check(z.refine((v) => checkCloseId(v, prefix) === null, { message: `expected a Close ${prefix} id (${prefix}_…)` }));
const nullableString = z.nullable(z.string());

/**
 * `PUT /task/{id}/`: every PUT is a partial update. The fields of Close's `UpdateNotification` schema;
 * anything else is refused (a typo such as `is_completed` would otherwise be ignored by the server).
 */
export const updateBodySchema = z.strictObject({
  assigned_to: z.optional(z.nullable(idOf('user'))),
  date: z.optional(z.nullable(closeDate)),
  due_date: z.optional(z.nullable(closeDate)),
  is_complete: z.optional(z.boolean()),
  text: z.optional(z.string()),
  priority: z.optional(z.enum(PRIORITIES)),
  resolution: z.optional(z.nullable(z.enum(RESOLUTIONS))),
  agent_config_id: z.optional(nullableString),
  contact_id: z.optional(nullableString),
  created_by: z.optional(nullableString),
  is_dateless: z.optional(z.boolean()),
  lead_id: z.optional(nullableString),
  organization_id: z.optional(nullableString),
});
export type UpdateBody = z.infer<typeof updateBodySchema>;

/** `POST /task/`: `_type` and `lead_id` required; `text` is what a lead task is about. */
export const createBodySchema = z
  .strictObject({
    _type: z.enum(CREATABLE_TYPES),
    lead_id: idOf('lead'),
    text: z.optional(z.string()),
    date: z.optional(closeDate),
    assigned_to: z.optional(idOf('user')),
    is_complete: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((b, ctx) => {
      if (b._type === 'lead' && (b.text === undefined || b.text.trim() === '')) {
        ctx.addIssue({ code: 'custom', path: ['text'], message: 'a lead task needs text (what is to be done)' });
      }
      if (b._type !== 'lead' && b.text !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['text'], message: 'Close accepts text only on lead tasks' });
      }
    }),
  );
export type CreateBody = z.infer<typeof createBodySchema>;

/** A task as far as taskctl reads it; everything else is kept as the server sent it. */
export type CloseTask = Record<string, unknown> & { id?: string; _type?: string };

export const taskSchema = z.record(z.string(), z.unknown());

/** `GET /task/`: `{"data":[…],"has_more":bool}` (some endpoints add `total_results`). */
export const listResponseSchema = z.looseObject({
  data: z.array(z.record(z.string(), z.unknown())),
  has_more: z.optional(z.boolean()),
  total_results: z.optional(z.number()),
});

/** `GET /me/` */
export const meSchema = z.looseObject({
  id: z.string(),
  email: z.optional(z.string()),
  first_name: z.optional(z.nullable(z.string())),
  last_name: z.optional(z.nullable(z.string())),
  organizations: z.optional(z.array(z.looseObject({ id: z.string(), name: z.optional(z.string()) }))),
});
export type CloseMe = z.infer<typeof meSchema>;

/**
 * Spaaza task request bodies and the parts of responses taskctl reads (providers/spaaza.md §3–§5).
 * The body is validated here before anything is sent: an unknown export index or format, or a trigger
 * time that is not ISO 8601, exits 2 naming the field.
 *
 * Unknown (not documented by Spaaza): actions other than "export", any recurrence field of `trigger`
 * (only `once` is confirmed), the fields of `logs[]` entries and of `result`. Unknown keys inside
 * `target` and `trigger` are therefore passed through untouched rather than rejected.
 */
import * as z from 'zod/mini';
import '../../zod-en.js';
import { EXPORT_INDEXES, EXPORT_FORMATS, TASK_STATES } from './values.js';

/** the value lists live in values.ts (no zod), so the command declarations can offer them to completion */
export { EXPORT_INDEXES, EXPORT_FORMATS, TASK_STATES };

export type TaskStateCode = (typeof TASK_STATES)[number];

/** Task ids are integers (unlike the other providers). */
export const TASK_ID = /^[0-9]+$/;

const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** An ISO 8601 date-time with a time zone (`Z` or an offset) that names a real calendar instant. */
export function isIsoDateTime(s: string): boolean {
  const m = ISO_DATETIME.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  // Date.parse rolls 2026-02-30 over into March; check the day against the month's length
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return false;
  return !Number.isNaN(Date.parse(s));
}

/** An instant as Spaaza's examples write it: UTC, whole seconds, `Z` ("2026-05-26T12:00:00Z"). */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ISO_MESSAGE = 'expected an ISO 8601 date-time with a time zone, e.g. 2026-05-26T12:00:00Z';
const indexEnum = z.enum(EXPORT_INDEXES, { error: `expected one of ${EXPORT_INDEXES.join(', ')}` });
const formatEnum = z.enum(EXPORT_FORMATS, { error: 'expected csv or json' });

export const targetSchema = z
  .looseObject({
    action: z.string({ error: 'expected a string such as "export"' }).check(z.minLength(1, 'expected a non-empty string such as "export"')),
    export_index: z.optional(indexEnum),
    export_format: z.optional(formatEnum),
  }, { error: 'expected an object such as {"action":"export","export_index":"wallet-ledger","export_format":"csv"}' })
  .check(
    z.superRefine((t, ctx) => {
      if (t.action !== 'export') return;
      if (t.export_index === undefined) ctx.addIssue({ code: 'custom', path: ['export_index'], message: `required for an export: one of ${EXPORT_INDEXES.join(', ')}` });
      if (t.export_format === undefined) ctx.addIssue({ code: 'custom', path: ['export_format'], message: 'required for an export: csv or json' });
    }),
  );

const ruleSchema = z.looseObject(
  {
    field_name: z.optional(z.string({ error: 'expected a string' })),
    operator: z.optional(z.string({ error: 'expected a string such as "is" or "relative_less_than"' })),
  },
  { error: 'expected a rule object' },
);

const segmentSchema = z.looseObject(
  {
    entity: z.optional(z.string({ error: 'expected a string such as "people"' })),
    index: z.optional(z.string({ error: 'expected a string (an export index)' })),
    join: z.optional(z.enum(['all', 'any'], { error: 'expected all or any' })),
    chain_id: z.optional(z.number({ error: 'expected an integer' }).check(z.int('expected an integer'))),
    rules: z.optional(z.array(ruleSchema, { error: 'expected an array of rules' })),
  },
  { error: 'expected an object' },
);

export const triggerSchema = z
  .looseObject(
    {
      once: z.optional(z.string({ error: ISO_MESSAGE }).check(z.refine(isIsoDateTime, ISO_MESSAGE))),
      segment_id: z.optional(z.union([z.number().check(z.int()), z.string().check(z.minLength(1))], { error: 'expected a segment id (an integer or a string)' })),
      segment: z.optional(segmentSchema),
    },
    { error: 'expected an object such as {"once":"2026-05-26T12:00:00Z"}' },
  )
  .check(
    z.refine((t) => t.once !== undefined || t.segment !== undefined || t.segment_id !== undefined, {
      message: 'expected at least one of once, segment, segment_id',
    }),
  );

const desc = z.string({ error: 'expected a string' }).check(z.minLength(1, 'expected a non-empty string'));
const debug = z.nullable(z.string({ error: 'expected a string' }));

export const createBodySchema = z.strictObject({
  chain: z.number({ error: 'expected an integer chain id' }).check(z.int('expected an integer chain id'), z.positive('expected a positive chain id')),
  desc,
  target: targetSchema,
  trigger: triggerSchema,
  debug: z.optional(debug),
});
export type CreateBody = z.infer<typeof createBodySchema>;

export const updateBodySchema = z.strictObject({
  desc: z.optional(desc),
  target: z.optional(targetSchema),
  trigger: z.optional(triggerSchema),
  debug: z.optional(debug),
});
export type UpdateBody = z.infer<typeof updateBodySchema>;

/** Fields of a task object the server owns; a body file made from `task get --json` may carry them. */
export const READ_ONLY_FIELDS = ['id', 'state', 'logs', 'version', 'result'] as const;

export interface SpaazaState {
  code: string;
  last_run_date?: string | null;
  last_modified?: string | null;
  created_date?: string | null;
  [extra: string]: unknown;
}

export interface SpaazaTask {
  id: number;
  chain?: number;
  desc?: string;
  state?: SpaazaState;
  trigger?: Record<string, unknown>;
  target?: Record<string, unknown>;
  /** entry fields are undocumented */
  logs?: unknown[];
  debug?: string | null;
  version?: number;
  [extra: string]: unknown;
}

const stateSchema = z.looseObject({ code: z.string() });
/** What taskctl relies on in a task object: an id and, when present, a state with a code. */
export const taskResponseSchema = z.looseObject({
  id: z.union([z.number(), z.string()]),
  state: z.optional(stateSchema),
  target: z.optional(z.record(z.string(), z.unknown())),
  trigger: z.optional(z.record(z.string(), z.unknown())),
});
/** `GET /tasks`: a bare JSON array of tasks. */
export const taskListResponseSchema = z.array(taskResponseSchema);
export const stateResponseSchema = stateSchema;
export const downloadUrlSchema = z.looseObject({ url: z.string().check(z.regex(/^https?:\/\//i)) });

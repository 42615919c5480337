/**
 * OpenHIM tasks and transactions: the request bodies taskctl sends (validated before sending, exit 2 on a
 * violation) and the parts of responses it reads (providers/openhim.md §4.2, §4.5, §4.6, §6).
 * Response schemas are loose: unknown keys are allowed and the raw object is what `--json` prints.
 */
import '../../zod-en.js';
import * as z from 'zod/mini';
import { TASK_STATUSES, SETTABLE_STATUSES, ITEM_TSTATUSES, RERUN_STATUSES } from './values.js';

/** the value lists live in values.ts (no zod), so the command declarations can offer them to completion */
export { TASK_STATUSES, SETTABLE_STATUSES, ITEM_TSTATUSES, RERUN_STATUSES };

export const OBJECT_ID_RE = /^[0-9a-f]{24}$/i;
export const OBJECT_ID_MESSAGE = 'expected a 24-character hex ObjectId';

/** `readIds` validator: null when `id` is a MongoDB ObjectId */
export function objectIdProblem(id: string): string | null {
  return OBJECT_ID_RE.test(id) ? null : OBJECT_ID_MESSAGE;
}

export type SettableStatus = (typeof SETTABLE_STATUSES)[number];
/** a transaction's `status` */
export const TRANSACTION_STATUSES = RERUN_STATUSES;

const objectId = z.string({ error: 'expected a string' }).check(z.regex(OBJECT_ID_RE, OBJECT_ID_MESSAGE));
const positiveInt = z.int({ error: 'expected a positive whole number' }).check(z.positive({ error: 'expected a positive whole number' }));

/** `POST /tasks` */
export const createTaskBody = z.strictObject({
  tids: z.array(objectId, { error: 'expected an array of transaction ids' }).check(z.minLength(1, 'expected at least one transaction id')),
  batchSize: z.optional(positiveInt),
  paused: z.optional(z.boolean({ error: 'expected true or false' })),
});
export type CreateTaskBody = z.infer<typeof createTaskBody>;

/** `PUT /tasks/:id` as taskctl sends it (`_id` is accepted in a file, as the console sends it, and dropped) */
export const updateTaskBody = z
  .strictObject({
    _id: z.optional(objectId),
    status: z.optional(z.enum(SETTABLE_STATUSES, { error: `expected one of ${SETTABLE_STATUSES.join(', ')}` })),
    batchSize: z.optional(positiveInt),
  })
  .check(z.refine((b) => b.status !== undefined || b.batchSize !== undefined, { message: 'nothing to update: give status and/or batchSize' }));
export type UpdateTaskBody = z.infer<typeof updateTaskBody>;

export const taskItemSchema = z.looseObject({
  tid: z.string(),
  tstatus: z.optional(z.string()),
  _id: z.optional(z.string()),
  error: z.optional(z.string()),
  rerunID: z.optional(z.string()),
  rerunStatus: z.optional(z.string()),
});
export type TaskItem = z.infer<typeof taskItemSchema>;

/** a `GET /tasks` list item (no `transactions`) */
export const taskSummarySchema = z.looseObject({
  _id: z.string(),
  status: z.string(),
  user: z.optional(z.string()),
  remainingTransactions: z.optional(z.number()),
  totalTransactions: z.optional(z.number()),
  batchSize: z.optional(z.number()),
  created: z.optional(z.string()),
  completedDate: z.optional(z.string()),
});
export type TaskSummary = z.infer<typeof taskSummarySchema>;

/** `GET /tasks/:id`: the task with one page of `transactions` and the filtered count */
export const taskDetailSchema = z.extend(taskSummarySchema, {
  transactions: z.array(taskItemSchema),
  totalFilteredTransactions: z.optional(z.number()),
});
export type TaskDetail = z.infer<typeof taskDetailSchema>;

export const transactionSchema = z.looseObject({
  _id: z.string(),
  status: z.optional(z.string()),
  channelID: z.optional(z.string()),
  clientID: z.optional(z.string()),
  canRerun: z.optional(z.boolean()),
  wasRerun: z.optional(z.boolean()),
  childIDs: z.optional(z.array(z.string())),
  request: z.optional(
    z.looseObject({
      method: z.optional(z.string()),
      path: z.optional(z.string()),
      timestamp: z.optional(z.string()),
    }),
  ),
});
export type Transaction = z.infer<typeof transactionSchema>;

/** `filterRepresentation=bulkrerun`: `{count}` on 7.1+, an array of `{_id, channelID, canRerun, childIDs}` before */
export const bulkCountSchema = z.union([z.looseObject({ count: z.number() }), z.array(z.looseObject({ _id: z.string() }))]);

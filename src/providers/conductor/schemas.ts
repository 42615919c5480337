/**
 * Orkes Conductor shapes (providers/conductor.md §4): the request bodies taskctl builds and the parts of
 * responses it reads. Response schemas are loose: unknown fields pass through untouched, so `--json`
 * prints the server's objects as they came.
 */
import * as z from 'zod/mini';
import '../../zod-en.js';
import { HUMAN_TASK_STATES, SEARCH_TYPES } from './values.js';

/** the value lists live in values.ts (no zod), so the command declarations can offer them to completion */
export { HUMAN_TASK_STATES, SEARCH_TYPES };

export type HumanTaskState = (typeof HUMAN_TASK_STATES)[number];

export const USER_TYPES = ['EXTERNAL_USER', 'EXTERNAL_GROUP', 'CONDUCTOR_USER', 'CONDUCTOR_GROUP'] as const;
export type HumanTaskUserType = (typeof USER_TYPES)[number];

export type SearchType = (typeof SEARCH_TYPES)[number];

/** `{"user":"…","userType":"CONDUCTOR_USER"}` */
export const humanTaskUser = z.looseObject({
  user: z.string(),
  userType: z.optional(z.string()),
});
export type HumanTaskUser = { user: string; userType?: string };

export const humanTaskEntry = z.looseObject({
  taskId: z.string(),
  state: z.optional(z.string()),
  definitionName: z.nullish(z.string()),
  displayName: z.nullish(z.string()),
  taskRefName: z.nullish(z.string()),
  workflowId: z.nullish(z.string()),
  workflowName: z.nullish(z.string()),
  assignee: z.nullish(humanTaskUser),
  claimant: z.nullish(humanTaskUser),
  input: z.nullish(z.record(z.string(), z.unknown())),
  output: z.nullish(z.record(z.string(), z.unknown())),
  createdOn: z.nullish(z.number()),
  updatedOn: z.nullish(z.number()),
});
export type HumanTaskEntry = z.infer<typeof humanTaskEntry>;

export const humanTaskSearchResult = z.looseObject({
  totalHits: z.nullish(z.number()),
  hits: z.nullish(z.number()),
  start: z.nullish(z.number()),
  pageSizeLimit: z.nullish(z.number()),
  results: z.nullish(z.array(humanTaskEntry)),
});
export type HumanTaskSearchResult = z.infer<typeof humanTaskSearchResult>;

/** HumanTaskSearch: `searchType` is always sent (the SDK's default search omits it; the docs mark it required) */
export const humanTaskSearch = z.strictObject({
  searchType: z.enum(SEARCH_TYPES),
  start: z.number().check(z.int(), z.nonnegative()),
  size: z.number().check(z.int(), z.positive()),
  states: z.optional(z.array(z.enum(HUMAN_TASK_STATES))),
  assignees: z.optional(z.array(z.strictObject({ user: z.string().check(z.minLength(1)), userType: z.enum(USER_TYPES) }))),
  claimants: z.optional(z.array(z.strictObject({ user: z.string().check(z.minLength(1)), userType: z.enum(USER_TYPES) }))),
  definitionNames: z.optional(z.array(z.string().check(z.minLength(1)))),
});
export type HumanTaskSearch = z.infer<typeof humanTaskSearch>;

/** reassign body: a JSON array, highest priority first; slaMinutes 0 = never expires */
export const reassignBody = z.array(
  z.strictObject({
    assignee: z.strictObject({ user: z.string().check(z.minLength(1)), userType: z.enum(['CONDUCTOR_USER', 'CONDUCTOR_GROUP']) }),
    slaMinutes: z.number().check(z.int(), z.nonnegative()),
  }),
).check(z.minLength(1));
export type ReassignBody = z.infer<typeof reassignBody>;



/** `GET /api/token/userInfo` (the parts `profile test` shows) */
export const userInfo = z.looseObject({ id: z.nullish(z.string()), name: z.nullish(z.string()) });

/** Conductor `Task` inside a Workflow (OSS /sync answer) */
export const conductorTask = z.looseObject({
  taskId: z.nullish(z.string()),
  taskType: z.nullish(z.string()),
  status: z.nullish(z.string()),
  referenceTaskName: z.nullish(z.string()),
  updateTime: z.nullish(z.number()),
  iteration: z.nullish(z.number()),
});
export const workflow = z.looseObject({
  workflowId: z.nullish(z.string()),
  status: z.nullish(z.string()),
  tasks: z.nullish(z.array(conductorTask)),
});
export type Workflow = z.infer<typeof workflow>;

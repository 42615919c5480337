/**
 * Orkes Conductor shapes (providers/conductor.md §4): the request bodies taskctl builds and the parts of
 * responses it reads. Response schemas are loose: unknown fields pass through untouched, so `--json`
 * prints the server's objects as they came.
 */
import { z } from 'zod';

export const HUMAN_TASK_STATES = ['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'COMPLETED', 'TIMED_OUT', 'DELETED'] as const;
export type HumanTaskState = (typeof HUMAN_TASK_STATES)[number];

export const USER_TYPES = ['EXTERNAL_USER', 'EXTERNAL_GROUP', 'CONDUCTOR_USER', 'CONDUCTOR_GROUP'] as const;
export type HumanTaskUserType = (typeof USER_TYPES)[number];

export const SEARCH_TYPES = ['INBOX', 'ADMIN'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

/** `{"user":"…","userType":"CONDUCTOR_USER"}` */
export const humanTaskUser = z.looseObject({
  user: z.string(),
  userType: z.string().optional(),
});
export type HumanTaskUser = { user: string; userType?: string };

export const humanTaskEntry = z.looseObject({
  taskId: z.string(),
  state: z.string().optional(),
  definitionName: z.string().nullish(),
  displayName: z.string().nullish(),
  taskRefName: z.string().nullish(),
  workflowId: z.string().nullish(),
  workflowName: z.string().nullish(),
  assignee: humanTaskUser.nullish(),
  claimant: humanTaskUser.nullish(),
  input: z.record(z.string(), z.unknown()).nullish(),
  output: z.record(z.string(), z.unknown()).nullish(),
  createdOn: z.number().nullish(),
  updatedOn: z.number().nullish(),
});
export type HumanTaskEntry = z.infer<typeof humanTaskEntry>;

export const humanTaskSearchResult = z.looseObject({
  totalHits: z.number().nullish(),
  hits: z.number().nullish(),
  start: z.number().nullish(),
  pageSizeLimit: z.number().nullish(),
  results: z.array(humanTaskEntry).nullish(),
});
export type HumanTaskSearchResult = z.infer<typeof humanTaskSearchResult>;

/** HumanTaskSearch: `searchType` is always sent (the SDK's default search omits it; the docs mark it required) */
export const humanTaskSearch = z.strictObject({
  searchType: z.enum(SEARCH_TYPES),
  start: z.number().int().nonnegative(),
  size: z.number().int().positive(),
  states: z.array(z.enum(HUMAN_TASK_STATES)).optional(),
  assignees: z.array(z.strictObject({ user: z.string().min(1), userType: z.enum(USER_TYPES) })).optional(),
  claimants: z.array(z.strictObject({ user: z.string().min(1), userType: z.enum(USER_TYPES) })).optional(),
  definitionNames: z.array(z.string().min(1)).optional(),
});
export type HumanTaskSearch = z.infer<typeof humanTaskSearch>;

/** reassign body: a JSON array, highest priority first; slaMinutes 0 = never expires */
export const reassignBody = z
  .array(
    z.strictObject({
      assignee: z.strictObject({ user: z.string().min(1), userType: z.enum(['CONDUCTOR_USER', 'CONDUCTOR_GROUP']) }),
      slaMinutes: z.number().int().nonnegative(),
    }),
  )
  .min(1);
export type ReassignBody = z.infer<typeof reassignBody>;

/** update/complete body: the form's output fields, a JSON object */
export const formBody = z.record(z.string(), z.unknown());

/** `POST /api/token` answer */
export const tokenResponse = z.looseObject({ token: z.string().min(1) });

/** `GET /api/token/userInfo` (the parts `profile test` shows) */
export const userInfo = z.looseObject({ id: z.string().nullish(), name: z.string().nullish() });

/** Conductor `Task` inside a Workflow (OSS /sync answer) */
export const conductorTask = z.looseObject({
  taskId: z.string().nullish(),
  taskType: z.string().nullish(),
  status: z.string().nullish(),
  referenceTaskName: z.string().nullish(),
  updateTime: z.number().nullish(),
  iteration: z.number().nullish(),
});
export const workflow = z.looseObject({
  workflowId: z.string().nullish(),
  status: z.string().nullish(),
  tasks: z.array(conductorTask).nullish(),
});
export type Workflow = z.infer<typeof workflow>;

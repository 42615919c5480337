/** The `taskctl conductor` tree (declarations only; handlers load on use). */
import type { CommandSpec, OptionSpec } from '../types.js';
import { apiSpec } from '../shared/api-spec.js';
import { HUMAN_TASK_STATES, SEARCH_TYPES } from '../../providers/conductor/values.js';

const FORM_OPTIONS: OptionSpec[] = [
  { flags: '--workflow-id <id>', description: 'find the task by workflow id (with --task-ref) instead of task ids' },
  { flags: '--task-ref <ref>', description: "the task's reference name in the workflow (with --workflow-id)" },
  { flags: '--iteration <n>', description: 'loop iteration of the task, repeatable for nested loops (default: the latest; Orkes only)', parse: 'collect' },
  { flags: '--data <json>', description: 'form fields as a JSON object' },
  { flags: '--file <path>', description: 'form fields from a JSON file (- reads standard input)' },
  { flags: '--field <name=value>', description: 'one form field: name=value (string) or name:=<json> (typed); dotted names nest; repeatable', parse: 'collect' },
];

const FORM_DESCRIPTION = (verb: string, what: string) =>
  `${what}\n\n` +
  'Two forms:\n' +
  `  ${verb} <taskId…>\n` +
  `      POST /api/human/tasks/{taskId}/update?complete=${verb === 'complete'}\n` +
  `  ${verb} --workflow-id <id> --task-ref <ref> [--iteration <n>…]\n` +
  `      POST /api/human/tasks/update/taskRef?workflowId&taskRefName&complete=${verb === 'complete'}\n\n` +
  "The body is the form's fields: --data, then --file, then each --field,\n" +
  'merged in that order (later wins; objects merge key by key). It must be a\n' +
  'JSON object, and is checked before anything is sent. Several task ids get\n' +
  'the same body; exit 7 when some of them failed.\n\n' +
  'Conductor OSS has no /api/human. There the --workflow-id/--task-ref form uses\n' +
  `POST /api/tasks/{workflowId}/{taskRef}/${verb === 'complete' ? 'COMPLETED' : 'IN_PROGRESS'}/sync (the first pending\n` +
  'task with that reference; --iteration is refused); the task-id form exits 1.';

export const conductorCommands: CommandSpec = {
  name: 'conductor',
  summary: 'Orkes Conductor human tasks (Conductor OSS where it can), raw API',
  provider: 'conductor',
  subcommands: [
    {
      name: 'human',
      summary: 'find, claim, hand over, update and complete human tasks',
      subcommands: [
        {
          name: 'complete',
          summary: "save a human task's form fields and complete it",
          description: FORM_DESCRIPTION('complete', "Save a human task's form fields and complete it."),
          args: ['[taskId...]'],
          argDescriptions: { taskId: 'human task id(s); - reads them from standard input' },
          options: FORM_OPTIONS,
          examples: [
            'taskctl conductor human complete --workflow-id "$WF" --task-ref approve --field approved:=true --field comment="looks good"',
            'taskctl conductor human complete 9c1e4b2a-7d3f-4a51-b8e6-0f2d9a7c1e55 --data \'{"approved":true}\'',
            'taskctl conductor human complete --workflow-id "$WF" --task-ref review --iteration 2 --file form.json',
            "taskctl conductor human list --state IN_PROGRESS --query '[].taskId' | taskctl conductor human complete - --field approved:=false",
          ],
          load: () => import('./human/complete.js'),
        },
        {
          name: 'update',
          summary: "save a human task's form fields without completing it",
          description: FORM_DESCRIPTION('update', "Save a human task's form fields without completing it (a draft).\nAt least one of --data, --file or --field is needed."),
          args: ['[taskId...]'],
          argDescriptions: { taskId: 'human task id(s); - reads them from standard input' },
          options: FORM_OPTIONS,
          examples: [
            'taskctl conductor human update 9c1e4b2a-7d3f-4a51-b8e6-0f2d9a7c1e55 --field comment="waiting for legal"',
            'taskctl conductor human update --workflow-id "$WF" --task-ref review --file draft.json --field reviewer.name=Jane',
          ],
          load: () => import('./human/update.js'),
        },
        {
          name: 'list',
          summary: 'search human tasks (your inbox by default)',
          description:
            'Search human tasks: POST /api/human/tasks/search.\n' +
            '--search-type INBOX (the default) lists tasks assigned to or claimed by you;\n' +
            'ADMIN lists every task (cluster admins only). --state, --assignee, --claimant\n' +
            'and --definition are repeatable. A user is ID (a user), user:ID or group:ID.\n' +
            'The table hides the internal __humanTask* input keys; --json prints the\n' +
            "server's objects, across pages with --all.",
          aliases: ['ls'],
          options: [
            { flags: '--state <state>', description: 'PENDING, ASSIGNED, IN_PROGRESS, COMPLETED, TIMED_OUT or DELETED (repeatable, or comma-separated)', parse: 'csv', values: HUMAN_TASK_STATES },
            { flags: '--assignee <user>', description: 'assigned to this user: ID, user:ID or group:ID (repeatable)', parse: 'collect' },
            { flags: '--claimant <user>', description: 'claimed by this user: ID or user:ID (repeatable)', parse: 'collect' },
            { flags: '--definition <name>', description: 'human task definition name (repeatable)', parse: 'collect' },
            { flags: '--search-type <type>', description: 'INBOX (tasks for you) or ADMIN (all tasks)', defaultDescription: 'INBOX', values: SEARCH_TYPES },
            { flags: '--limit <n>', description: 'at most this many tasks', parse: 'positiveInt', defaultDescription: '50' },
            { flags: '--page <n>', description: 'page number (1-based) of --limit tasks', parse: 'positiveInt' },
            { flags: '--all', description: 'every matching task (follows start/size paging; --limit ignored)' },
          ],
          examples: [
            'taskctl conductor human list',
            'taskctl conductor human list --search-type ADMIN --state ASSIGNED,IN_PROGRESS --definition approval --all',
            "taskctl conductor human list --assignee group:approvers --json --query '[].{id:taskId,wf:workflowId}'",
          ],
          columns: ['task id', 'state', 'name', 'definition', 'assignee', 'claimant', 'workflow id', 'task ref', 'updated', 'input'],
          load: () => import('./human/list.js'),
        },
        {
          name: 'get',
          summary: 'show one human task',
          args: ['<taskId>'],
          options: [{ flags: '--with-template', description: "include the form template in the task's definition" }],
          examples: ['taskctl conductor human get 9c1e4b2a-7d3f-4a51-b8e6-0f2d9a7c1e55', 'taskctl conductor human get 9c1e4b2a-7d3f-4a51-b8e6-0f2d9a7c1e55 --json --query input'],
          load: () => import('./human/get.js'),
        },
        {
          name: 'claim',
          summary: 'claim human task(s) for yourself',
          description:
            'Claim human tasks: POST /api/human/tasks/{taskId}/claim for each id; the\n' +
            'state becomes IN_PROGRESS. --override takes a task already claimed by\n' +
            'someone else (overrideAssignment=true).',
          args: ['<taskId...>'],
          argDescriptions: { taskId: 'human task id(s); - reads them from standard input' },
          options: [{ flags: '--override', description: 'claim even if the task is claimed by someone else' }],
          examples: ['taskctl conductor human claim 9c1e4b2a-7d3f-4a51-b8e6-0f2d9a7c1e55', "taskctl conductor human list --state ASSIGNED --query '[].taskId' | taskctl conductor human claim -"],
          load: () => import('./human/claim.js'),
        },
        {
          name: 'release',
          summary: 'give claimed human task(s) back to their assignees',
          args: ['<taskId...>'],
          argDescriptions: { taskId: 'human task id(s); - reads them from standard input' },
          examples: ['taskctl conductor human release 9c1e4b2a-7d3f-4a51-b8e6-0f2d9a7c1e55 0b7d3c1e-2f4a-4e6b-9c8d-1a2b3c4d5e6f'],
          load: () => import('./human/release.js'),
        },
        {
          name: 'skip',
          summary: 'skip human task(s): move each to the next assignee of its chain',
          args: ['<taskId...>'],
          argDescriptions: { taskId: 'human task id(s); - reads them from standard input' },
          options: [{ flags: '--reason <text>', description: 'why the task is skipped (sent as ?reason=)' }],
          examples: ['taskctl conductor human skip 9c1e4b2a-7d3f-4a51-b8e6-0f2d9a7c1e55 --reason "on leave this week"'],
          load: () => import('./human/skip.js'),
        },
        {
          name: 'reassign',
          summary: 'hand an unclaimed human task to another user or group',
          description:
            'Reassign an unclaimed human task: POST /api/human/tasks/{taskId}/reassign.\n' +
            '--to user:ID or group:ID (a Conductor user or group); repeat it to give an\n' +
            'assignment chain, highest priority first. --sla sets the minutes each\n' +
            'assignee has before the next one gets the task (0, the default: no limit).',
          args: ['<taskId>'],
          options: [
            { flags: '--to <user:ID|group:ID>', description: 'new assignee (repeatable: a chain, highest priority first)', parse: 'collect' },
            { flags: '--sla <minutes>', description: 'minutes each assignee has before the next one gets it (0 = never expires)', parse: 'nonNegativeInt', defaultDescription: '0' },
          ],
          examples: [
            'taskctl conductor human reassign 9c1e4b2a-7d3f-4a51-b8e6-0f2d9a7c1e55 --to user:jane@example.com',
            'taskctl conductor human reassign 9c1e4b2a-7d3f-4a51-b8e6-0f2d9a7c1e55 --to group:approvers --to user:boss@example.com --sla 60',
          ],
          load: () => import('./human/reassign.js'),
        },
      ],
    },
    apiSpec('conductor', [
      'taskctl conductor api GET /api/token/userInfo',
      "taskctl conductor api POST /api/human/tasks/search --data '{\"searchType\":\"INBOX\",\"start\":0,\"size\":15}'",
      'taskctl conductor api GET /api/workflow/3f2a6c1e-wf -q includeTasks=true -i',
    ]),
  ],
};

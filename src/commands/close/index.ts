/** The `taskctl close` tree (declarations only; handlers load on use). */
import type { CommandSpec, OptionSpec } from '../types.js';
import { apiSpec } from '../shared/api-spec.js';
import { TASK_TYPES } from '../../providers/close/values.js';

const DATE = 'YYYY-MM-DD or an ISO 8601 date-time (2025-03-31T09:30:00Z)';
const MANY_IDS = 'one or more task ids (task_…), or - to read them from standard input';

const fieldsOption: OptionSpec = { flags: '--fields <a,b>', description: 'return only these fields of each task (sent as _fields)', parse: 'csv' };

const taskCommands: CommandSpec = {
  name: 'task',
  summary: 'Close CRM tasks: list, get, create, update, complete, reopen, delete',
  examples: ['taskctl close task list --view inbox', 'taskctl close task complete task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc'],
  subcommands: [
    {
      name: 'list',
      summary: 'list tasks of every type (GET /api/v1/task/ with _type=all)',
      description:
        'List tasks. Close returns only lead tasks when no type is given, so taskctl asks for every type (_type=all) unless --type names some. --all pages through everything with _skip/_limit until Close says has_more is false; --json prints the tasks as Close sent them.',
      aliases: ['ls'],
      options: [
        { flags: '--type <type>', description: 'task type, or several separated by commas (lead, missed_call, voicemail, …); "all" is every type', parse: 'csv', defaultDescription: 'all', values: [...TASK_TYPES, 'all'] },
        { flags: '--lead <leadId>', description: 'only tasks of this lead (lead_…)' },
        { flags: '--assigned-to <userId>', description: 'only tasks assigned to this user (user_…)' },
        { flags: '--complete', description: 'only completed tasks' },
        { flags: '--incomplete', description: 'only tasks not completed yet' },
        { flags: '--view <view>', description: 'inbox (due by the end of today), future (due later) or archive (completed)', choices: ['inbox', 'future', 'archive'] },
        { flags: '--limit <n>', description: 'at most this many tasks', parse: 'positiveInt', defaultDescription: '50' },
        { flags: '--page <n>', description: 'page number (1-based) of --limit tasks each', parse: 'positiveInt' },
        { flags: '--all', description: 'every matching task, paging internally (--limit is ignored)' },
        fieldsOption,
      ],
      examples: [
        'taskctl close task list',
        'taskctl close task list --view inbox --assigned-to user_8ZtFbCCs1E0aWbYYM1BMCVwGsgUJ4dIP1g5gAnFMHiH',
        'taskctl close task list --type missed_call,voicemail --incomplete --all --json',
        "taskctl close task list --incomplete --all --query '[].id' | taskctl close task complete -",
      ],
      // with --fields the table has exactly those fields
      columns: (opts) => (opts.fields as string[] | undefined) ?? ['id', 'type', 'date', 'done', 'assigned to', 'lead', 'text'],
      load: () => import('./task/list.js'),
    },
    {
      name: 'get',
      summary: 'show one task (GET /api/v1/task/{id}/)',
      args: ['<taskId>'],
      argDescriptions: { taskId: 'the task id (task_…)' },
      options: [fieldsOption],
      examples: ['taskctl close task get task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc', 'taskctl close task get task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc --json --query date'],
      load: () => import('./task/get.js'),
    },
    {
      name: 'create',
      summary: 'create a lead task (POST /api/v1/task/)',
      description:
        'Create a task of type lead (Close creates only lead and outgoing_call tasks; a --file may set "_type": "outgoing_call"). Flags override the fields of --file. The body is checked before it is sent.',
      options: [
        { flags: '--lead <leadId>', description: 'the lead the task belongs to (lead_…); required' },
        { flags: '--text <text>', description: 'what is to be done; required for lead tasks' },
        { flags: '--date <date>', description: `due date: ${DATE}` },
        { flags: '--assigned-to <userId>', description: 'assignee (user_…); Close defaults to you' },
        { flags: '--file <json>', description: 'body from a JSON file (- reads standard input); flags override its fields' },
        fieldsOption,
      ],
      examples: [
        'taskctl close task create --lead lead_QyNaWw4fdSwxl5Mc5daMFf3Y27PpIcH0awPbC9l7uyo --text "Call back about the renewal" --date 2025-04-01',
        'taskctl close task create --lead lead_QyNaWw4fdSwxl5Mc5daMFf3Y27PpIcH0awPbC9l7uyo --text "Send the quote" --json --query id',
      ],
      load: () => import('./task/create.js'),
    },
    {
      name: 'update',
      summary: 'change fields of one task (PUT /api/v1/task/{id}/, a partial update)',
      description:
        'Change some fields of a task; Close updates only the fields sent. Flags override the fields of --file, and the body is checked before it is sent. --text works only on lead tasks (Close refuses it on calls, emails and the other types).',
      args: ['<taskId>'],
      argDescriptions: { taskId: 'the task id (task_…)' },
      options: [
        { flags: '--assigned-to <userId>', description: 'assign the task to this user (user_…)' },
        { flags: '--date <date>', description: `due date: ${DATE}` },
        { flags: '--due-date <date>', description: 'the same as --date, sent as the deprecated due_date field' },
        { flags: '--complete', description: 'mark it done (is_complete: true)' },
        { flags: '--incomplete', description: 'mark it not done (is_complete: false)' },
        { flags: '--text <text>', description: 'the task text (lead tasks only)' },
        { flags: '--priority <level>', description: 'high or medium', choices: ['high', 'medium'] },
        { flags: '--resolution <resolution>', description: 'abandoned or skipped', choices: ['abandoned', 'skipped'] },
        { flags: '--file <json>', description: 'fields from a JSON file (- reads standard input); flags override them' },
        fieldsOption,
      ],
      examples: [
        'taskctl close task update task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc --date 2025-04-01T09:00:00Z --priority high',
        'taskctl close task update task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc --assigned-to user_8ZtFbCCs1E0aWbYYM1BMCVwGsgUJ4dIP1g5gAnFMHiH',
        'taskctl close task update task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc --file changes.json --text "Call after lunch"',
      ],
      load: () => import('./task/update.js'),
    },
    {
      name: 'complete',
      summary: 'mark tasks done (Close\'s bulk update, PUT /api/v1/task/?id__in=…, {"is_complete": true})',
      description:
        'Mark each task done. Several ids go in Close\'s bulk update: PUT /api/v1/task/?id__in=<ids>&_type=all in chunks whose URL stays under 4 KB, then the ids are read back, up to 100 a read, to tell which changed (GET …?id__in=<ids>&_fields=id,is_complete; a read too long for a URL goes as POST /api/v1/task/ with x-http-method-override: GET, Close\'s form for long filters); an id Close does not return is reported as not found. Where the server has no bulk route (404/405), one PUT /api/v1/task/{id}/ per id instead, --concurrency at a time; one id is always one plain PUT. Requests are paced by Close\'s RateLimit header and a rate-limited one is retried after the time Close asks for, so no id is lost. Every id is reported once; exit 7 when some failed.',
      args: ['<taskId...>'],
      argDescriptions: { taskId: MANY_IDS },
      examples: [
        'taskctl close task complete task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc',
        "taskctl close task list --view inbox --query '[].id' | taskctl close task complete -",
        'taskctl close task complete - < ids.txt --json',
      ],
      load: () => import('./task/complete.js'),
    },
    {
      name: 'reopen',
      summary: 'mark tasks not done (Close\'s bulk update, {"is_complete": false})',
      description: 'Mark each task not done, the way `complete` marks them done: the bulk update in chunks with a read-back, or one PUT per id where the bulk route is missing.',
      args: ['<taskId...>'],
      argDescriptions: { taskId: MANY_IDS },
      examples: ['taskctl close task reopen task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc', "taskctl close task list --view archive --query '[].id' | taskctl close task reopen -"],
      load: () => import('./task/reopen.js'),
    },
    {
      name: 'delete',
      summary: 'delete tasks (DELETE /api/v1/task/{id}/ for each id); asks first',
      description: 'Delete each task. Asks for confirmation at a terminal; elsewhere it needs --yes.',
      args: ['<taskId...>'],
      argDescriptions: { taskId: MANY_IDS },
      examples: ['taskctl close task delete task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc', "taskctl close task list --view archive --query '[].id' | taskctl close task delete - --yes"],
      load: () => import('./task/delete.js'),
    },
  ],
};

export const closeCommands: CommandSpec = {
  name: 'close',
  summary: 'Close CRM: tasks, raw API',
  provider: 'close',
  examples: ['taskctl close task list --incomplete', 'taskctl close api GET /api/v1/me/'],
  subcommands: [
    taskCommands,
    apiSpec('close', [
      'taskctl close api GET /api/v1/me/',
      "taskctl close api GET /api/v1/task/ -q _type=all -q view=inbox -q _fields=id,text",
      'taskctl close api PUT /api/v1/task/task_voXiXkRFyMqxQkPxuhKmqDr2JEkx85MgVqWj0lFHYNc/ --data \'{"is_complete":true}\' -i',
    ]),
  ],
};

/** The `taskctl spaaza` tree: Spaaza Services API tasks (exports). Declarations only; handlers load on use. */
import { WAIT_TIMEOUT, type CommandSpec, type OptionSpec } from '../types.js';
import { apiSpec } from '../shared/api-spec.js';
import { EXPORT_FORMATS, EXPORT_INDEXES, TASK_STATES } from '../../providers/spaaza/values.js';

const INDEXES = 'transactions, users, vouchers, wallet-ledger, products, product-variants';

const bodyOptions: OptionSpec[] = [
  { flags: '--desc <text>', description: 'description (desc)' },
  { flags: '--export-index <index>', description: `what to export (target.export_index): ${INDEXES}; implies target.action "export"`, values: EXPORT_INDEXES },
  { flags: '--export-format <format>', description: 'csv (recommended) or json (target.export_format); implies target.action "export"', values: EXPORT_FORMATS },
  { flags: '--target <json>', description: 'the whole target object, e.g. \'{"action":"export","export_index":"users","export_format":"csv"}\'' },
  { flags: '--at <time>', description: 'when to run: an ISO 8601 time with a zone (2026-05-26T12:00:00Z), "now", or a time from now: +30m, +2h, +1d (sets trigger.once; a past time is refused)' },
  { flags: '--trigger <json>', description: 'the whole trigger object: {"once":…}, {"segment_id":…} or {"segment":{…}}' },
  { flags: '--debug <text>', description: 'debug string (debug)' },
  { flags: '-f, --file <path>', description: 'JSON body (- reads standard input); the flags override its fields' },
];

const downloadOptions: OptionSpec[] = [
  { flags: '-o, --output <file>', description: 'where to save the export: a file, a directory, or - for standard output (default: its own name, e.g. Wallet_Export-12345.csv)' },
  { flags: '--force', description: 'overwrite an existing file' },
];

const interval: OptionSpec = { flags: '--interval <ms>', description: 'how often to poll the task, in milliseconds', parse: 'positiveInt', defaultDescription: '2000' };

const BODY_NOTES =
  'target and trigger are validated before anything is sent: an unknown export index or format, a trigger time ' +
  'that is not ISO 8601, or an --at time in the past exits 2. Only trigger.once is documented by Spaaza; a ' +
  'recurrence field, if there is one, is unknown (pass it with --trigger/--file; it is sent as given).';

export const spaazaCommands: CommandSpec = {
  name: 'spaaza',
  summary: 'Spaaza Services API: export tasks (create, run, wait, download), raw API',
  provider: 'spaaza',
  examples: [
    'taskctl spaaza task create --desc "Wallet ledger" --export-index wallet-ledger --export-format csv --at now -o ledger.csv',
    'taskctl spaaza task list --status DONE',
    'taskctl spaaza api GET /tasks -q limit=5',
  ],
  subcommands: [
    {
      name: 'task',
      summary: 'export tasks: create, run, wait for and download exports; list, get, update, delete',
      examples: [
        'taskctl spaaza task create --desc "Wallet ledger" --export-index wallet-ledger --export-format csv --at now -o ledger.csv',
        'taskctl spaaza task run 12345 && taskctl spaaza task download 12345',
      ],
      subcommands: [
        {
          name: 'create',
          summary: 'create an export task (POST /tasks); --run runs it now, -o/--download also fetches the file',
          description:
            'Create a task with POST /tasks. The body needs desc, target and trigger; chain comes from the profile ' +
            '(chain, or SPAAZA_CHAIN) unless the --file body has one, and a create without any chain exits 2. ' +
            'Prints the new task (its id alone with --query id).\n\n' +
            'The short path: --run executes it at once (bypassing trigger.once) and waits until it is DONE (exit 0) ' +
            'or ERROR (exit 1); --download, or -o <file>, then also saves the export file.\n\n' +
            BODY_NOTES,
          options: [
            ...bodyOptions,
            { flags: '--run', description: 'run the task as soon as it is created and wait for it to finish' },
            { flags: '--download', description: 'after --run, download the export file (implies --run)' },
            ...downloadOptions.map((o) => (o.flags.startsWith('-o') ? { ...o, description: `${o.description}; implies --download` } : o)),
            interval,
          ],
          examples: [
            'taskctl spaaza task create --desc "Wallet ledger, nightly" --export-index wallet-ledger --export-format csv --at +2h',
            'taskctl spaaza task create --desc "Users now" --export-index users --export-format csv --at now -o users.csv   # create, run, wait, download',
            "id=$(taskctl spaaza task create --file export.json --at now --query id)",
            'taskctl spaaza task get 12345 --json | taskctl spaaza task create --file - --desc "Copy of 12345" --at +1d',
          ],
          load: () => import('./task/create.js'),
        },
        {
          name: 'update',
          summary: "update a task's description, target or trigger (PUT /tasks/{id})",
          description:
            'Update a task with PUT /tasks/{id}. Spaaza replaces target and trigger as whole objects, so a flag that ' +
            'changes one field (--export-format, --export-index, --at) first reads the task and sends the whole merged ' +
            'object. Only tasks that have not started can be meaningfully updated: updating a task that is not READY ' +
            'prints a warning (whether Spaaza refuses such an update, and how, is undocumented).\n\n' +
            BODY_NOTES,
          args: ['<id>'],
          argDescriptions: { id: 'task id (a whole number)' },
          options: bodyOptions,
          examples: [
            'taskctl spaaza task update 12345 --export-format json',
            'taskctl spaaza task update 12345 --desc "Wallet ledger (weekly)" --at +1d',
            'taskctl spaaza task update 12345 --file task.json --debug verbose',
          ],
          load: () => import('./task/update.js'),
        },
        {
          name: 'list',
          summary: 'list tasks (GET /tasks)',
          description:
            'List tasks with GET /tasks. --all pages with limit/offset until a page comes back short. ' +
            "Spaaza's default and maximum page size and its sort order are undocumented.",
          aliases: ['ls'],
          options: [
            { flags: '--status <state>', description: 'READY, INPROGRESS, DONE or ERROR', values: TASK_STATES },
            { flags: '--action <action>', description: 'target action, e.g. export (the only documented one)' },
            { flags: '--campaign-id <id>', description: 'tasks of this campaign' },
            { flags: '--limit <n>', description: 'at most this many tasks', parse: 'positiveInt', defaultDescription: '50' },
            { flags: '--page <n>', description: 'page number (1-based) of --limit tasks each', parse: 'positiveInt' },
            { flags: '--all', description: 'every task (pages internally; --limit is ignored)' },
          ],
          examples: ['taskctl spaaza task list', 'taskctl spaaza task list --status DONE --action export --all', "taskctl spaaza task list --status ERROR --query '[].id'"],
          columns: ['id', 'state', 'action', 'index', 'format', 'trigger', 'last run', 'desc'],
          load: () => import('./task/list.js'),
        },
        {
          name: 'get',
          summary: 'show a task with its logs (GET /tasks/{id})',
          args: ['<id>'],
          argDescriptions: { id: 'task id (a whole number)' },
          options: [{ flags: '--logs <n>', description: 'how many log entries to show (server default 10)', parse: 'nonNegativeInt' }],
          examples: ['taskctl spaaza task get 12345', 'taskctl spaaza task get 12345 --json --query state.code', 'taskctl spaaza task get 12345 --logs 50'],
          // the task's logs
          columns: ['time', 'level', 'log'],
          load: () => import('./task/get.js'),
        },
        {
          name: 'delete',
          summary: 'delete tasks (DELETE /tasks/{id}); they will no longer be executed',
          description: 'Delete one or more tasks. Asks for confirmation at a terminal; without one, pass --yes.',
          aliases: ['rm'],
          args: ['<id...>'],
          argDescriptions: { id: 'task ids, or - to read them from standard input' },
          examples: ['taskctl spaaza task delete 12345', "taskctl spaaza task list --status ERROR --query '[].id' | taskctl spaaza task delete - --yes"],
          load: () => import('./task/delete.js'),
        },
        {
          name: 'run',
          summary: 'run a task now (POST /tasks/{id}/execute) and wait for it to finish',
          description:
            'Run a task at once, bypassing its scheduled trigger.once time, with POST /tasks/{id}/execute. ' +
            'Spaaza appears to answer only when the task has finished (unverified), so this request is never ' +
            'retried and waits up to 10 minutes unless --timeout is given; if it answers earlier, taskctl polls ' +
            'until the task is DONE (exit 0) or ERROR (exit 1). --download or -o then saves the export file.',
          args: ['<id>'],
          argDescriptions: { id: 'task id (a whole number)' },
          options: [
            { flags: '--no-wait', description: 'return as soon as execute answers, even if the task is still running' },
            interval,
            { flags: '--download', description: 'download the export file when the task is DONE' },
            ...downloadOptions.map((o) => (o.flags.startsWith('-o') ? { ...o, description: `${o.description}; implies --download` } : o)),
          ],
          examples: ['taskctl spaaza task run 12345', 'taskctl spaaza task run 12345 -o ledger.csv', 'taskctl spaaza task run 12345 --timeout 1800000   # allow 30 minutes'],
          load: () => import('./task/run.js'),
        },
        {
          name: 'wait',
          summary: 'wait until a task is DONE (exit 0) or ERROR (exit 1)',
          description:
            'Poll GET /tasks/{id} until the task is DONE (exit 0) or ERROR (exit 1). A spinner on a terminal; ' +
            'NDJSON events with --json ({"event":"state"|"done"|"error"|"timeout"|"interrupted",…}). Ctrl-C stops waiting (exit 130) ' +
            'and does not affect the task. Past --wait-timeout it stops with exit 6 and says where the task stood.',
          args: ['<id>'],
          argDescriptions: { id: 'task id (a whole number)' },
          options: [interval, WAIT_TIMEOUT],
          examples: ['taskctl spaaza task wait 12345', 'taskctl spaaza task wait 12345 --interval 10000 --json', 'taskctl spaaza task wait 12345 --wait-timeout 30m'],
          load: () => import('./task/wait.js'),
        },
        {
          name: 'download',
          summary: "download a DONE export's file (GET /tasks/{id}/download_url, then the pre-signed URL)",
          description:
            'Ask for the export\'s pre-signed URL (valid about an hour) and stream the file from it, without the ' +
            "profile's Authorization header. The file gets its own name (e.g. Wallet_Export-12345.csv) unless -o says " +
            'otherwise; an existing file is not overwritten without --force. Prints the saved path.',
          args: ['<id>'],
          argDescriptions: { id: 'task id (a whole number)' },
          options: downloadOptions,
          examples: ['taskctl spaaza task download 12345', 'taskctl spaaza task download 12345 -o exports/ --force', 'taskctl spaaza task download 12345 -o - | gzip > ledger.csv.gz'],
          load: () => import('./task/download.js'),
        },
      ],
    },
    apiSpec('spaaza', [
      'taskctl spaaza api GET /tasks -q status=DONE -q limit=10',
      'taskctl spaaza api PUT /tasks/12345 --data \'{"desc":"renamed"}\'',
      'taskctl spaaza api POST /tasks/12345/execute --timeout 600000',
      'taskctl spaaza api GET /tasks/12345/download_url -i',
    ]),
  ],
};

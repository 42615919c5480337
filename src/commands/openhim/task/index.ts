/** `taskctl openhim task …` declarations (handlers load on use). */
import { WAIT_TIMEOUT, type CommandSpec, type OptionSpec } from '../../types.js';
import { ITEM_TSTATUSES, RERUN_STATUSES, SETTABLE_STATUSES, TASK_STATUSES } from '../../../providers/openhim/values.js';

const ID = '6b0513aa86b2e93ee54440c4';
const ID2 = '6b0513c20e1bad58318d6b03';

/** the table of a task's items (`task get`, and the failed ones after `task watch`) */
export const TASK_ITEM_COLUMNS = ['tid', 'tstatus', 'rerun status', 'rerun id', 'error'] as const;

const interval: OptionSpec = { flags: '--interval <ms>', description: 'time between polls in milliseconds', parse: 'positiveInt', defaultDescription: '2000' };
const limit: OptionSpec = { flags: '--limit <n>', description: 'at most this many items', parse: 'positiveInt', defaultDescription: '50' };
const page: OptionSpec = { flags: '--page <n>', description: 'page number, 1-based', parse: 'positiveInt', defaultDescription: '1' };

const manyIds = { args: ['<taskId...>'], argDescriptions: { taskId: 'task ids (24-hex), or - to read them from standard input' } };

export const taskCommands: CommandSpec = {
  name: 'task',
  summary: 'rerun tasks: create, watch, pause, resume, cancel, list, get, delete',
  subcommands: [
    {
      name: 'create',
      summary: 'create a rerun task for transactions (POST /tasks) and print its id',
      description:
        'Create a rerun task for the given transactions and print the new task id.\n\n' +
        'Transaction ids come from --tids, --tids-file (one per line, # comments, or a JSON array) and/or --file ' +
        '(the documented {tids, batchSize, paused} body); --tids/--tids-file replace the file\'s tids, and ' +
        '--batch-size/--paused override its fields. Every id must be a 24-hex ObjectId; repeated ids are dropped ' +
        'with a warning. Nothing is sent when the input is invalid.',
      options: [
        { flags: '--tids <ids>', description: 'transaction ids, comma-separated (repeatable)', parse: 'csv' },
        { flags: '--tids-file <path|->', description: 'file of transaction ids: one per line, or a JSON array (- = stdin)' },
        { flags: '--file <json|->', description: 'task body {tids, batchSize, paused} (- = stdin)' },
        { flags: '--batch-size <n>', description: 'transactions rerun at the same time (server default 1)', parse: 'positiveInt' },
        { flags: '--paused', description: 'create it Paused (resume later with `task resume`)' },
        { flags: '--wait', description: 'then watch it until it ends (see `task watch`)' },
        interval,
        WAIT_TIMEOUT,
      ],
      examples: [
        'taskctl openhim task create --tids 6b0513a986b2e93ee5444081,6b0513a986b2e93ee544406e',
        'taskctl openhim task create --tids-file failed.txt --batch-size 4 --paused',
        "taskctl openhim transaction list --status Failed --since 2h --query '[]._id' | taskctl openhim task create --tids-file -",
        'taskctl openhim task create --file task.json --wait',
      ],
      columns: (opts) => (opts.wait ? TASK_ITEM_COLUMNS : undefined),
      load: () => import('./create.js'),
    },
    {
      name: 'update',
      summary: 'change a task\'s status or batch size (PUT /tasks/:id)',
      description:
        'Update one task. --status takes only Queued, Paused or Cancelled (the server accepts anything and has no ' +
        'state machine, so taskctl checks). The task must exist: it is read first (GET), because some servers ' +
        'answer 200 for unknown ids. Flags override fields of --file.',
      args: ['<taskId>'],
      options: [
        { flags: '--file <json|->', description: 'body {status?, batchSize?} (- = stdin)' },
        { flags: '--status <s>', description: 'Queued (resume), Paused (pause) or Cancelled (cancel)', values: SETTABLE_STATUSES },
        { flags: '--batch-size <n>', description: 'transactions rerun at the same time', parse: 'positiveInt' },
      ],
      examples: [`taskctl openhim task update ${ID} --batch-size 8`, `taskctl openhim task update ${ID} --status Paused`, `taskctl openhim task update ${ID} --file task.json`],
      load: () => import('./update.js'),
    },
    {
      name: 'pause',
      summary: 'pause tasks (PUT {"status":"Paused"} for each id)',
      description: 'Pause one or more tasks. Unknown ids are reported as not found; Completed and Cancelled tasks are refused.',
      ...manyIds,
      examples: [`taskctl openhim task pause ${ID} ${ID2}`, "taskctl openhim task list --status Queued --query '[]._id' | taskctl openhim task pause -"],
      load: () => import('./pause.js'),
    },
    {
      name: 'resume',
      summary: 'resume paused tasks (PUT {"status":"Queued"} for each id)',
      description:
        'Resume one or more Paused tasks. Warns when a task was paused mid-run on OpenHIM 7.1+: the server then ' +
        'starts again from its first transaction, so transactions already rerun run again.',
      ...manyIds,
      examples: [`taskctl openhim task resume ${ID}`, "taskctl openhim task list --status Paused --query '[]._id' | taskctl openhim task resume -"],
      load: () => import('./resume.js'),
    },
    {
      name: 'cancel',
      summary: 'cancel tasks (PUT {"status":"Cancelled"} for each id; asks first)',
      description:
        'Cancel one or more tasks (asks for confirmation; --yes without a terminal). On OpenHIM 7.1+ a task that is ' +
        'already Processing is NOT stopped by a cancel: the server reruns every transaction and saves it as ' +
        'Completed. Delete it to stop it at the next batch.',
      ...manyIds,
      examples: [`taskctl openhim task cancel ${ID}`, `taskctl openhim task cancel --yes ${ID} ${ID2}`],
      load: () => import('./cancel.js'),
    },
    {
      name: 'get',
      summary: 'show a task: status, progress, user, times and its transactions',
      description:
        'Show one task. Progress counts the transactions that were rerun (rerunStatus), not remainingTransactions, ' +
        'which OpenHIM 7.1+ only updates at the end. Success is judged by rerunStatus (Successful or Completed). ' +
        'With --json: the server\'s task object with the requested page of transactions.',
      args: ['<taskId>'],
      options: [
        { flags: '--tstatus <s>', description: 'only transactions with this tstatus: Queued, Processing, Completed, Failed', values: ITEM_TSTATUSES },
        { flags: '--rerun-status <s>', description: 'only transactions with this rerunStatus: Successful, Completed, "Completed with error(s)", Failed, Processing, "Pending Async"', values: RERUN_STATUSES },
        limit,
        page,
        { flags: '--all', description: 'every transaction of the task (--limit ignored)' },
      ],
      examples: [`taskctl openhim task get ${ID}`, `taskctl openhim task get ${ID} --rerun-status Failed --all`, `taskctl openhim task get ${ID} --json --query status`],
      columns: TASK_ITEM_COLUMNS,
      load: () => import('./get.js'),
    },
    {
      name: 'list',
      summary: 'list tasks, newest first (GET /tasks)',
      options: [
        { flags: '--status <s>', description: 'Queued, Processing, Paused, Cancelled, Completed or "Pending Async"', values: TASK_STATUSES },
        { flags: '--user <email>', description: 'tasks created by this user' },
        { flags: '--since <time>', description: 'created at or after: ISO time (2024-06-01T10:00:00Z) or relative (2h, 7d)' },
        { flags: '--until <time>', description: 'created at or before: ISO time or relative' },
        limit,
        page,
        { flags: '--all', description: 'every matching task, following pages (--limit ignored)' },
      ],
      examples: [
        'taskctl openhim task list',
        'taskctl openhim task list --status Paused --since 7d',
        "taskctl openhim task list --user root@openhim.org --all --query '[]._id'",
      ],
      columns: ['id', 'status', 'transactions', 'batch', 'user', 'created', 'execution time'],
      load: () => import('./list.js'),
    },
    {
      name: 'delete',
      summary: 'delete tasks (DELETE /tasks/:id for each id; asks first)',
      description: 'Delete one or more tasks (asks for confirmation; --yes without a terminal). Deleting a running task stops it after the batch in flight.',
      ...manyIds,
      examples: [`taskctl openhim task delete ${ID}`, "taskctl openhim task list --status Completed --until 30d --all --query '[]._id' | taskctl openhim task delete --yes -"],
      load: () => import('./delete.js'),
    },
    {
      name: 'watch',
      summary: 'follow tasks until they end: progress bar, or NDJSON events with --json',
      description:
        'Poll one or more tasks (ids, or - to read them from standard input) until each ends. Exit 0 when every task ' +
        'completed and every rerun succeeded (rerunStatus Successful or Completed), 7 when some failed, 1 when one ' +
        'ended Cancelled. Past --wait-timeout it stops with exit 6 and says where each task stood. Ctrl-C stops ' +
        'watching (exit 130) and leaves the tasks alone. A Paused task is waited for (give --wait-timeout in CI). A ' +
        'Cancelled task whose reruns are still arriving (OpenHIM 7.1+ does not stop a running task) is followed until they stop.',
      ...manyIds,
      options: [interval, WAIT_TIMEOUT],
      examples: [
        `taskctl openhim task watch ${ID}`,
        `taskctl openhim task watch ${ID} ${ID2} --json --interval 5000`,
        "taskctl openhim transaction rerun --status Failed --yes --query 'tasks[].id' | taskctl openhim task watch - --wait-timeout 30m",
      ],
      columns: TASK_ITEM_COLUMNS,
      load: () => import('./watch.js'),
    },
  ],
};

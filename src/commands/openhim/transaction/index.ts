/** `taskctl openhim transaction …` declarations (handlers load on use). */
import { WAIT_TIMEOUT, type CommandSpec, type OptionSpec } from '../../types.js';
import { RERUN_STATUSES } from '../../../providers/openhim/values.js';

const filters: OptionSpec[] = [
  { flags: '--status <s>', description: 'Processing, "Pending Async", Successful, Completed, "Completed with error(s)" or Failed', values: RERUN_STATUSES },
  { flags: '--channel <id>', description: 'channel id (24-hex)' },
  { flags: '--since <time>', description: 'request at or after: ISO time (2024-06-01T10:00:00Z) or relative (30m, 2h, 7d)' },
  { flags: '--until <time>', description: 'request at or before: ISO time or relative' },
];

export const transactionCommands: CommandSpec = {
  name: 'transaction',
  summary: 'transactions: list and count them, rerun them as tasks',
  subcommands: [
    {
      name: 'list',
      summary: 'list transactions, newest first (GET /transactions), or count them',
      options: [
        ...filters,
        { flags: '--limit <n>', description: 'at most this many items', parse: 'positiveInt', defaultDescription: '50' },
        { flags: '--page <n>', description: 'page number, 1-based', parse: 'positiveInt', defaultDescription: '1' },
        { flags: '--all', description: 'every matching transaction, following pages (--limit ignored)' },
        { flags: '--count', description: 'print only how many match (server-side count)' },
      ],
      examples: [
        'taskctl openhim transaction list --status Failed --since 2h',
        'taskctl openhim transaction list --channel 6b0513a686b2e93ee5443ff0 --count',
        "taskctl openhim transaction list --status Failed --all --query '[]._id'",
      ],
      columns: ['id', 'timestamp', 'status', 'method', 'path', 'channel', 'reruns'],
      load: () => import('./list.js'),
    },
    {
      name: 'rerun',
      summary: 'rerun matching transactions as tasks of at most 50 (POST /tasks); asks first',
      description:
        'Rerun every transaction that matches the filters. Counts them first and asks for confirmation (--yes ' +
        'without a terminal), then creates rerun tasks with POST /tasks, at most 50 transactions each, and prints ' +
        'every task id. Refuses to run without a filter unless --all is given. Never uses /bulkrerun (it returns ' +
        'no task ids, and reruns everything when its filter is empty). Transactions with canRerun:false are left out.',
      options: [
        ...filters,
        { flags: '--batch-size <n>', description: 'transactions rerun at the same time within a task (server default 1)', parse: 'positiveInt' },
        { flags: '--paused', description: 'create the tasks Paused' },
        { flags: '--all', description: 'allow running without any filter: rerun every transaction' },
        { flags: '--wait', description: 'then watch the tasks it created until they end (see `task watch`)' },
        { flags: '--interval <ms>', description: 'with --wait: time between polls in milliseconds', parse: 'positiveInt', defaultDescription: '2000' },
        WAIT_TIMEOUT,
      ],
      examples: [
        'taskctl openhim transaction rerun --status Failed --since 2h --yes --wait --wait-timeout 30m',
        'taskctl openhim transaction rerun --status Failed --since 2h',
        'taskctl openhim transaction rerun --channel 6b0513a686b2e93ee5443ff0 --status Failed --batch-size 4 --paused --yes',
      ],
      load: () => import('./rerun.js'),
    },
  ],
};

/** The `taskctl openhim` tree (declarations only; handlers load on use). */
import type { CommandSpec } from '../types.js';
import { apiSpec } from '../shared/api-spec.js';
import { taskCommands } from './task/index.js';
import { transactionCommands } from './transaction/index.js';

export const openhimCommands: CommandSpec = {
  name: 'openhim',
  summary: 'OpenHIM core: rerun tasks, transactions, raw API',
  provider: 'openhim',
  subcommands: [
    taskCommands,
    transactionCommands,
    {
      name: 'status',
      summary: 'check the server: heartbeat, version, clock offset, working auth mode',
      examples: ['taskctl openhim status', 'taskctl openhim status --json --query clockOffsetMs'],
      load: () => import('./status.js'),
    },
    apiSpec('openhim', [
      'taskctl openhim api GET /heartbeat',
      "taskctl openhim api GET /tasks -q filterPage=0 -q filterLimit=10 -q 'filters={}'",
      'taskctl openhim api PUT /tasks/6b0513aa86b2e93ee54440c4 --input task.json',
      'taskctl openhim api GET /about -i',
    ]),
  ],
};

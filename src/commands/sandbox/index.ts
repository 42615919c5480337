/** `taskctl sandbox serve|reset|status`: the built-in emulators for other tools, and their state. */
import type { CommandSpec } from '../types.js';

const STATE_OPTION = { flags: '--state <file>', description: 'state file (default $XDG_STATE_HOME/taskctl/sandbox.json)' };

export const sandboxCommands: CommandSpec = {
  name: 'sandbox',
  summary: 'the built-in sandbox: emulated OpenHIM, Conductor, Close and Spaaza servers with demo data',
  description:
    'The built-in sandbox: emulators of the four task APIs with a seeded demo, used by --sandbox (in-process) and `sandbox serve` (on loopback ports for other tools). Nothing real is touched.',
  subcommands: [
    {
      name: 'serve',
      summary: 'serve the emulators on 127.0.0.1 (OpenHIM on --port, Conductor +1, Close +2, Spaaza +3) until Ctrl-C or SIGTERM',
      options: [
        { flags: '--port <n>', description: 'OpenHIM port; Conductor, Close and Spaaza take the next three', parse: 'positiveInt', defaultDescription: '8480' },
        STATE_OPTION,
        { flags: '--faults <spec>', description: 'inject trouble per request, e.g. 429:10%,503:5%,reset:2%,latency:50ms' },
      ],
      examples: [
        'taskctl sandbox serve',
        'taskctl sandbox serve --port 9480 --faults 429:10%,503:5%,latency:50ms',
        'taskctl sandbox serve --state ./ci-sandbox.json  # a state of its own, e.g. for one CI job',
      ],
      load: () => import('./serve.js'),
    },
    {
      name: 'reset',
      summary: 'put the sandbox back to the seeded demo (asks; --yes)',
      options: [STATE_OPTION],
      examples: ['taskctl sandbox reset --yes'],
      load: () => import('./reset.js'),
    },
    {
      name: 'status',
      summary: 'what the sandbox holds: its state file and what each provider has',
      options: [STATE_OPTION],
      examples: ['taskctl sandbox status', 'taskctl sandbox status --json'],
      load: () => import('./status.js'),
    },
  ],
};

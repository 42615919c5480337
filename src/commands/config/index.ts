/** The `taskctl config` tree: which files are in effect, and trusting project files. */
import type { CommandSpec } from '../types.js';

export const configCommands: CommandSpec = {
  name: 'config',
  summary: 'config files in effect; trust or untrust a project .openhimrc',
  subcommands: [
    {
      name: 'path',
      summary: 'every config file taskctl reads from here, with its role and trust state',
      description:
        'Lists the user file ($XDG_CONFIG_HOME/taskctl/config.yaml), the nearest project file (.openhimrc,\n' +
        '.openhimrc.json, .openhimrc.yaml or .openhimrc.yml from the current directory upwards), trusted or not,\n' +
        'or the one file named by --config / TASKCTL_CONFIG.',
      examples: ['taskctl config path', 'taskctl config path --json'],
      columns: ['file', 'role', 'trust', 'profiles'],
      load: () => import('./path.js'),
    },
    {
      name: 'trust',
      summary: 'trust a project config file (shows its profiles and URLs, then asks)',
      description:
        'A project file can come with a cloned repository, and its profiles decide where credentials are sent,\n' +
        'so taskctl uses it only once you trusted it. This shows the file\'s profiles and URLs, asks (or --yes),\n' +
        'and records the file\'s absolute path and a hash of its content in $XDG_STATE_HOME/taskctl/trust.json.\n' +
        'A file changed since needs trusting again. Default: the nearest project file from here upwards.',
      args: ['[file]'],
      examples: ['taskctl config trust', 'taskctl config trust ./.openhimrc --yes   # CI step, no terminal'],
      load: () => import('./trust.js'),
    },
    {
      name: 'untrust',
      summary: 'forget the trust given to a project config file',
      args: ['[file]'],
      examples: ['taskctl config untrust', 'taskctl config untrust ~/src/repo/.openhimrc'],
      load: () => import('./untrust.js'),
    },
  ],
};

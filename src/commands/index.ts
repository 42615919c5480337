/** Every command tree, in help order. */
import type { CommandSpec } from './types.js';
import { openhimCommands } from './openhim/index.js';
import { conductorCommands } from './conductor/index.js';
import { closeCommands } from './close/index.js';
import { spaazaCommands } from './spaaza/index.js';
import { profileCommands } from './profile/index.js';

export const COMMANDS: CommandSpec[] = [
  openhimCommands,
  conductorCommands,
  closeCommands,
  spaazaCommands,
  profileCommands,
  {
    name: 'completion',
    summary: 'print a shell completion script (bash, zsh or fish)',
    args: ['<shell>'],
    examples: ['source <(taskctl completion bash)', 'taskctl completion fish > ~/.config/fish/completions/taskctl.fish'],
    load: () => import('./completion.js'),
  },
];

/**
 * Every command tree, in help order. The entry holds only each tree's name and summary; a tree's
 * declarations load when the command line names it (root --help shows summaries only).
 */
import type { CommandSpec } from './types.js';

export interface TreeEntry {
  name: string;
  summary: string;
  /** the full declaration of the tree */
  load: () => Promise<CommandSpec>;
}

export const TREES: TreeEntry[] = [
  { name: 'openhim', summary: 'OpenHIM core: rerun tasks, transactions, raw API', load: async () => (await import('./openhim/index.js')).openhimCommands },
  { name: 'conductor', summary: 'Orkes Conductor human tasks (Conductor OSS where it can), raw API', load: async () => (await import('./conductor/index.js')).conductorCommands },
  { name: 'close', summary: 'Close CRM: tasks, raw API', load: async () => (await import('./close/index.js')).closeCommands },
  { name: 'spaaza', summary: 'Spaaza Services API export tasks: create, run, wait, download', load: async () => (await import('./spaaza/index.js')).spaazaCommands },
  { name: 'sandbox', summary: 'the built-in sandbox: serve its emulators to other tools, reset or inspect it', load: async () => (await import('./sandbox/index.js')).sandboxCommands },
  { name: 'profile', summary: 'manage named profiles (server URL + credentials)', load: async () => (await import('./profile/index.js')).profileCommands },
  { name: 'config', summary: 'config files in effect; trust or untrust a project .openhimrc', load: async () => (await import('./config/index.js')).configCommands },
];

export const COMPLETION: CommandSpec = {
  name: 'completion',
  summary: 'print a shell completion script (bash, zsh or fish)',
  description:
    'Print the completion script for a shell. It completes commands, options, the values an option takes ' +
    '(--status, --state, --view, …), profile names (read from your config; nothing is sent) and help topics, ' +
    'and file names only where a path is expected.\n\n' +
    'bash: for this shell, or for every new one:\n' +
    '  source <(taskctl completion bash)\n' +
    '  taskctl completion bash > ~/.local/share/bash-completion/completions/taskctl\n\n' +
    'zsh (after compinit in ~/.zshrc): for this shell, or for every new one:\n' +
    '  source <(taskctl completion zsh)\n' +
    '  taskctl completion zsh > "${fpath[1]}/_taskctl"\n\n' +
    'fish: for this shell, or for every new one:\n' +
    '  taskctl completion fish | source\n' +
    '  taskctl completion fish > ~/.config/fish/completions/taskctl.fish\n\n' +
    'Then start a new shell.',
  args: ['<shell>'],
  argValues: { shell: 'shell' },
  examples: ['source <(taskctl completion bash)', 'taskctl completion zsh > "${fpath[1]}/_taskctl"', 'taskctl completion fish > ~/.config/fish/completions/taskctl.fish'],
  load: () => import('./completion.js'),
};

/** The command list for this command line: the named tree in full, the others as name + summary. */
export async function commandsFor(first: string | undefined): Promise<CommandSpec[]> {
  const trees = await Promise.all(
    TREES.map(async (t) => (t.name === first ? t.load() : ({ name: t.name, summary: t.summary, subcommands: [] } satisfies CommandSpec))),
  );
  return [...trees, COMPLETION];
}

/** Every tree in full (completion, tests). */
export async function allCommands(): Promise<CommandSpec[]> {
  return [...(await Promise.all(TREES.map((t) => t.load()))), COMPLETION];
}

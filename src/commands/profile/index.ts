/** The `taskctl profile` tree. */
import type { CommandSpec } from '../types.js';
import { PROVIDERS } from '../../config/providers.js';

export const profileCommands: CommandSpec = {
  name: 'profile',
  summary: 'manage named profiles (server URL + credentials)',
  subcommands: [
    {
      name: 'list',
      summary: 'profiles with provider, URL, and which are defaults',
      aliases: ['ls'],
      examples: ['taskctl profile list', 'taskctl profile list --json'],
      columns: ['name', 'provider', 'url', 'default', 'file'],
      load: () => import('./list.js'),
    },
    {
      name: 'show',
      summary: 'every resolved field with its source (file, env var, default); secrets masked',
      args: ['[name]'], argValues: { name: 'profile' },
      examples: ['taskctl profile show', 'taskctl profile show local', 'OPENHIM_PASSWORD=x taskctl profile show local --json'],
      columns: ['field', 'value', 'source'],
      load: () => import('./show.js'),
    },
    {
      name: 'add',
      summary: 'add or replace a profile in the user config file',
      description:
        'Add or replace a profile in $XDG_CONFIG_HOME/taskctl/config.yaml (or the --config file), written with mode 0600.\n' +
        'At a terminal it asks for what the flags do not give, the secret with hidden input. Without a terminal,\n' +
        'give the fields as flags and the secret with --secret-stdin, or store a ${VAR} placeholder with --secret-env.\n' +
        'The global --ca and --insecure are stored in the profile here.',
      args: ['<name>'],
      options: [
        { flags: '--provider <provider>', description: 'openhim, conductor, close or spaaza', values: PROVIDERS },
        { flags: '--url <url>', description: 'server URL' },
        { flags: '--username <email>', description: 'OpenHIM user' },
        { flags: '--auth <mode>', description: 'OpenHIM auth mode: auto, basic, token or session', values: ['auto', 'basic', 'token', 'session'] },
        { flags: '--key-id <id>', description: 'Orkes Conductor application key id' },
        { flags: '--token-id <id>', description: 'Spaaza access token id' },
        { flags: '--chain <id>', description: 'Spaaza chain id', parse: 'positiveInt' },
        { flags: '--default', description: "make it the default of its provider" },
        { flags: '--secret-stdin', description: 'read the secret (password, keySecret, apiKey, tokenSecret) from the first line of stdin' },
        { flags: '--secret-env <var>', description: 'store the placeholder ${VAR} instead of the secret' },
      ],
      examples: [
        'taskctl profile add local   # at a terminal: asks for each field',
        'printf %s "$OPENHIM_PASSWORD" | taskctl profile add local --provider openhim --url https://localhost:8080 --username root@openhim.org --secret-stdin --default',
        'taskctl profile add crm --provider close --secret-env CLOSE_API_KEY',
        'taskctl profile add core --provider openhim --url https://localhost:8080 --username root@openhim.org --auth token --ca ./core.pem --secret-env OPENHIM_PASSWORD',
      ],
      load: () => import('./add.js'),
    },
    {
      name: 'remove',
      summary: 'remove a profile (asks for confirmation)',
      aliases: ['rm'],
      args: ['<name>'], argValues: { name: 'profile' },
      examples: ['taskctl profile remove old-core', 'taskctl profile remove old-core --yes   # no terminal, e.g. CI'],
      load: () => import('./remove.js'),
    },
    {
      name: 'use',
      summary: 'make a profile the default of its provider',
      args: ['<name>'], argValues: { name: 'profile' },
      examples: ['taskctl profile use staging'],
      load: () => import('./use.js'),
    },
    {
      name: 'test',
      summary: 'check connectivity and credentials against the server',
      args: ['[name]'], argValues: { name: 'profile' },
      examples: ['taskctl profile test local', 'taskctl profile test --profile local --verbose'],
      load: () => import('./test.js'),
    },
  ],
};

/**
 * Builds the commander program from the command declarations. No business logic: an action hands
 * the parsed arguments to the runtime chunk, which is loaded only when a command actually runs.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CommandSpec, OptionSpec } from './commands/types.js';
import type { Provider } from './config/providers.js';

export interface Invocation {
  spec: CommandSpec;
  provider?: Provider;
  /** the command path, e.g. ["openhim", "task", "pause"] */
  path: string[];
  args: unknown[];
  opts: Record<string, unknown>;
  globals: Record<string, unknown>;
}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { flags: '-p, --profile <name>', description: 'profile to use (env TASKCTL_PROFILE)' },
  { flags: '--config <file>', description: 'use this config file instead of searching (env TASKCTL_CONFIG)' },
  { flags: '--json', description: 'machine output: one JSON document on stdout (NDJSON for streams)' },
  { flags: '--query <jmespath>', description: 'filter the JSON result with a JMESPath expression (implies --json)' },
  { flags: '--dry-run', description: 'print the request(s) that would be sent, secrets as ***, and send nothing' },
  { flags: '-v, --verbose', description: 'log each request and response line to stderr, secrets redacted' },
  { flags: '--timeout <ms>', description: 'per-request timeout in milliseconds', parse: 'positiveInt', defaultDescription: '30000' },
  { flags: '--retries <n>', description: 'retries for retry-safe requests (429/502/503/504, resets)', parse: 'nonNegativeInt', defaultDescription: '3' },
  { flags: '--concurrency <n>', description: 'parallel requests for commands over many ids', parse: 'positiveInt', defaultDescription: '8' },
  { flags: '--insecure', description: 'do not verify TLS certificates (prints a warning)' },
  { flags: '--ca <file>', description: 'trust this PEM CA in addition to the system store' },
  { flags: '-y, --yes', description: 'answer yes to confirmations' },
  { flags: '--no-input', description: 'never prompt; fail instead where input is missing' },
  { flags: '--no-color', description: 'no ANSI colour (also NO_COLOR)' },
];

function parser(kind: OptionSpec['parse'], name: string) {
  switch (kind) {
    case 'int':
    case 'positiveInt':
    case 'nonNegativeInt':
      return (value: string) => {
        if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number for ${name}, got "${value}"`);
        const n = Number(value);
        if (kind === 'positiveInt' && n < 1) throw new InvalidArgumentError(`expected a positive whole number for ${name}, got "${value}"`);
        if (kind === 'nonNegativeInt' && n < 0) throw new InvalidArgumentError(`expected 0 or more for ${name}, got "${value}"`);
        return n;
      };
    case 'collect':
      return (value: string, prev: string[] | undefined) => [...(prev ?? []), value];
    case 'csv':
      return (value: string, prev: string[] | undefined) => [
        ...(prev ?? []),
        ...value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ];
    default:
      return undefined;
  }
}

export function makeOption(spec: OptionSpec): Option {
  const opt = new Option(spec.flags, spec.description);
  const p = parser(spec.parse, opt.long ?? spec.flags);
  if (p) opt.argParser(p as (v: string, prev: unknown) => unknown);
  if (spec.choices) opt.choices(spec.choices as string[]);
  if (spec.default !== undefined) opt.default(spec.default);
  if (spec.defaultDescription) opt.default(undefined, spec.defaultDescription);
  if (spec.hidden) opt.hideHelp();
  return opt;
}

/** A command's examples; a group without its own shows the first example of each subcommand. */
function examplesText(spec: CommandSpec): string {
  const examples = spec.examples?.length ? spec.examples : (spec.subcommands ?? []).filter((s) => !s.hidden).flatMap((s) => firstExample(s)).slice(0, 6);
  if (!examples.length) return '';
  return `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`;
}

function firstExample(spec: CommandSpec): string[] {
  if (spec.examples?.length) return [spec.examples[0]];
  for (const sub of spec.subcommands ?? []) {
    const e = firstExample(sub);
    if (e.length) return e;
  }
  return [];
}

export function buildProgram(
  specs: readonly CommandSpec[],
  root: { version: string; summary: string; examples: readonly string[]; footer: string },
  onRun: (inv: Invocation) => Promise<void>,
): Command {
  const program = new Command('taskctl');
  program
    .description(root.summary)
    .version(root.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand(false)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const g of GLOBAL_OPTIONS) program.addOption(makeOption(g));
  program.addHelpText('after', `\nExamples:\n${root.examples.map((e) => `  $ ${e}`).join('\n')}\n${root.footer}`);

  const add = (parent: Command, spec: CommandSpec, path: string[], provider?: Provider) => {
    const cmd = parent.command(spec.name, { hidden: spec.hidden });
    const here = [...path, spec.name];
    const prov = spec.provider ?? provider;
    // `taskctl help <command…>` is the one help command (main.ts); no per-group `help` entries
    cmd.summary(spec.summary).description(spec.description ?? spec.summary).helpCommand(false);
    for (const a of spec.aliases ?? []) cmd.alias(a);
    for (const a of spec.args ?? []) {
      const name = a.replace(/[<>[\].]/g, '');
      cmd.argument(a, spec.argDescriptions?.[name] ?? '');
    }
    for (const o of spec.options ?? []) cmd.addOption(makeOption(o));
    const ex = examplesText(spec);
    if (ex) cmd.addHelpText('after', ex);
    if (spec.subcommands?.length) {
      for (const sub of spec.subcommands) add(cmd, sub, here, prov);
    }
    if (spec.load) {
      cmd.action(async (...received: unknown[]) => {
        const command = received[received.length - 1] as Command;
        const args = received.slice(0, received.length - 2);
        await onRun({ spec, provider: prov, path: here, args, opts: command.opts(), globals: program.opts() });
      });
    }
    return cmd;
  };
  // Trees the command line does not name come as name + summary only (see commands/index.ts).
  for (const spec of specs) {
    if (spec.subcommands?.length || spec.load) add(program, spec, []);
    else program.command(spec.name).summary(spec.summary).description(spec.summary);
  }
  return program;
}

/** The first word of the command line that is not a global option or its value. */
export function firstWord(argv: readonly string[] | undefined): string | undefined {
  if (!argv) return undefined;
  const takesValue = new Set(GLOBAL_OPTIONS.filter((g) => g.flags.includes('<')).flatMap((g) => g.flags.split(/[ ,]+/).filter((f) => f.startsWith('-'))));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return argv[i + 1];
    if (a.startsWith('-')) {
      if (takesValue.has(a)) i++;
      continue;
    }
    return a;
  }
  return undefined;
}

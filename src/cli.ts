/**
 * Builds the commander program from the command declarations. No business logic: an action hands
 * the parsed arguments to the runtime chunk, which is loaded only when a command actually runs.
 */
import { Command, Help, InvalidArgumentError, Option } from 'commander';
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
  { flags: '--timeout <ms>', description: 'deadline of each request attempt, connect to last byte, in ms (env TASKCTL_TIMEOUT)', parse: 'positiveInt', defaultDescription: '30000' },
  { flags: '--retries <n>', description: 'retries for retry-safe requests (429/502/503/504, resets)', parse: 'nonNegativeInt', defaultDescription: '3' },
  { flags: '--concurrency <n>', description: 'parallel requests for commands over many ids', parse: 'positiveInt', defaultDescription: '8' },
  { flags: '--insecure', description: 'do not verify TLS certificates (prints a warning)' },
  { flags: '--ca <file>', description: 'trust this PEM CA in addition to the system store' },
  { flags: '--sandbox', description: 'talk to the built-in sandbox instead of any configured server (env TASKCTL_SANDBOX=1)' },
  { flags: '-y, --yes', description: 'answer yes to confirmations' },
  { flags: '--no-input', description: 'never prompt; fail instead where input is missing' },
  { flags: '--wide', description: 'tables: every column, cells never cut (at a terminal, tables otherwise fit its width)' },
  { flags: '--columns <a,b,…>', description: 'tables: only these columns, in this order (names as in the header)', parse: 'csv' },
  { flags: '--local-time', description: 'times at a terminal (tables and details) in the local time zone (env TASKCTL_LOCAL_TIME=1); JSON stays UTC' },
  { flags: '--no-color', description: 'no ANSI colour (also NO_COLOR)' },
];

/** The line every command's help ends with: the global options live on their own help page. */
export const GLOBAL_OPTIONS_POINTER = 'Global options (--profile, --json, --dry-run, …): taskctl help global-options';

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
  // the default is shown, not applied: the runtime applies it (so it can tell a given value from none)
  const opt = new Option(spec.flags, spec.defaultDescription ? `${spec.description} (default: ${spec.defaultDescription})` : spec.description);
  const p = parser(spec.parse, opt.long ?? spec.flags);
  if (p) opt.argParser(p as (v: string, prev: unknown) => unknown);
  if (spec.choices) opt.choices(spec.choices as string[]);
  if (spec.default !== undefined) opt.default(spec.default);
  if (spec.hidden) opt.hideHelp();
  return opt;
}

/** A command's examples; a group without its own shows the first example of each subcommand. */
function examplesOf(spec: CommandSpec): string[] {
  return spec.examples?.length ? [...spec.examples] : (spec.subcommands ?? []).filter((s) => !s.hidden).flatMap((s) => firstExample(s)).slice(0, 6);
}

function firstExample(spec: CommandSpec): string[] {
  if (spec.examples?.length) return [spec.examples[0]];
  for (const sub of spec.subcommands ?? []) {
    const e = firstExample(sub);
    if (e.length) return e;
  }
  return [];
}

/**
 * Descriptions are written as source strings: a single line break inside a paragraph is a soft wrap
 * and joins; a blank line separates paragraphs; a line starting with "-" or spaces stays a line.
 */
export function reflow(text: string): string {
  return text.replace(/([^\n])\n(?=[^\n\s-])/g, '$1 ');
}

/** What a help page shows besides commander's own knowledge of a command. */
interface HelpExtras {
  examples: string[];
  /** extra sections after the examples (the root's "Learn more") */
  footer?: string;
}
const EXTRAS = new WeakMap<Command, HelpExtras>();

/**
 * The help layout (every command): usage, description, arguments, the command's own options,
 * subcommands, examples, then one line pointing at the global options.
 */
function formatHelp(cmd: Command, helper: Help): string {
  const width = helper.helpWidth ?? 80;
  const isRoot = !cmd.parent;
  const args = helper.visibleArguments(cmd).map((a) => [helper.argumentTerm(a), helper.argumentDescription(a)]);
  // the root's options are the global options: they have their own page
  const opts = (isRoot ? [] : helper.visibleOptions(cmd).filter((o) => o.long !== '--help')).map((o) => [helper.optionTerm(o), helper.optionDescription(o)]);
  const subs = helper.visibleCommands(cmd).map((c) => [helper.subcommandTerm(c), helper.subcommandDescription(c)]);
  const termWidth = Math.max(0, ...[...args, ...opts, ...subs].map(([t]) => helper.displayWidth(t)));
  const section = (title: string, items: string[][]) =>
    items.length ? [helper.styleTitle(title), ...items.map(([t, d]) => helper.formatItem(t, termWidth, d, helper)), ''] : [];
  const out = [`${helper.styleTitle('Usage:')} ${helper.styleUsage(helper.commandUsage(cmd))}`, ''];
  const description = reflow(helper.commandDescription(cmd));
  if (description) out.push(helper.boxWrap(description, width), '');
  out.push(...section('Arguments:', args), ...section('Options:', opts), ...section('Commands:', subs));
  const extras = EXTRAS.get(cmd);
  if (extras?.examples.length) out.push(helper.styleTitle('Examples:'), ...extras.examples.map((e) => `  $ ${e}`), '');
  out.push(extras?.footer ?? helper.boxWrap(GLOBAL_OPTIONS_POINTER, width), '');
  return out.join('\n');
}

/** `taskctl help global-options`: every global option, wrapped to the terminal's width. */
export function globalOptionsHelp(width = 80): string {
  const opts = [...GLOBAL_OPTIONS.map(makeOption), new Option('-V, --version', 'print the version (with --json: {"version", "node"})'), new Option('-h, --help', 'show help for a command')];
  const helper = new Help();
  helper.helpWidth = width;
  const termWidth = Math.max(...opts.map((o) => helper.optionTerm(o).length));
  return [
    'Global options',
    '',
    helper.boxWrap('Accepted by every command, before or after the subcommand (taskctl --json openhim task list, or taskctl openhim task list --json).', width),
    '',
    ...opts.map((o) => helper.formatItem(helper.optionTerm(o), termWidth, helper.optionDescription(o), helper)),
    '',
  ].join('\n') + '\n';
}

export function buildProgram(
  specs: readonly CommandSpec[],
  root: { version: string; summary: string; examples: readonly string[]; footer: string },
  onRun: (inv: Invocation) => Promise<void>,
): Command {
  const program = new Command('taskctl');
  program
    .usage('[global options] <command> …')
    .description(root.summary)
    .version(root.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand(false)
    .configureHelp({ sortSubcommands: false, formatHelp })
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const g of GLOBAL_OPTIONS) program.addOption(makeOption(g));
  EXTRAS.set(program, { examples: [...root.examples], footer: root.footer });

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
    EXTRAS.set(cmd, { examples: examplesOf(spec) });
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

/**
 * Commands are declared as data (name, arguments, options, examples) and point at a handler module
 * that is loaded only when the command runs, so `--help` and `--version` load no HTTP, schema or prompt code.
 */
import type { Context } from '../context.js';
import type { Provider } from '../config/providers.js';

/**
 * What a shell completes for an option's value or an argument: these words, file names, profile
 * names (read from the config), shell names, or help topics and commands.
 */
export type ValueKind = readonly string[] | 'file' | 'profile' | 'shell' | 'help';

export type OptionParser = 'int' | 'positiveInt' | 'nonNegativeInt' | 'collect' | 'csv';

export interface OptionSpec {
  /** commander syntax: "-o, --output <file>", "--paused", "--no-foo" */
  flags: string;
  description: string;
  parse?: OptionParser;
  choices?: readonly string[];
  default?: string | boolean | number;
  /** shown in help as the default without being applied (e.g. "30000") */
  defaultDescription?: string;
  hidden?: boolean;
  /** what completion offers for the value (default: choices; files for <file>/<path>/<json|->; else nothing) */
  values?: ValueKind;
}

export interface HandlerInput {
  /** positional arguments in declaration order; a variadic one is an array */
  args: unknown[];
  /** the command's own options (global options are on ctx.globals) */
  opts: Record<string, unknown>;
}

/** A handler returns nothing (exit 0) or an exit code; failures are thrown as TaskctlError. */
export type Handler = (ctx: Context, input: HandlerInput) => Promise<number | void>;

export interface CommandSpec {
  name: string;
  summary: string;
  /** longer help text; summary is used when absent */
  description?: string;
  /** commander argument syntax, e.g. ["<taskId...>"] */
  args?: readonly string[];
  argDescriptions?: Record<string, string>;
  /** what completion offers for each argument, by name */
  argValues?: Record<string, ValueKind>;
  options?: readonly OptionSpec[];
  /** each is a full command line, optionally followed by "  # comment" */
  examples?: readonly string[];
  aliases?: readonly string[];
  hidden?: boolean;
  /** which provider's profile this command uses (inherited by subcommands) */
  provider?: Provider;
  /**
   * The columns of the table this command prints (header names), so `--columns` is checked before anything
   * is sent; a function when they depend on the command's options (Close's `--fields`). A command without
   * them has no table to pick from, and `--columns` is refused.
   */
  columns?: readonly string[] | ((opts: Record<string, unknown>) => readonly string[] | undefined);
  load?: () => Promise<{ run: Handler }>;
  subcommands?: readonly CommandSpec[];
}

/** `--wait-timeout` of the commands that wait for tasks (`openhim task watch`, `spaaza task wait`, `--wait`). */
export const WAIT_TIMEOUT: OptionSpec = {
  flags: '--wait-timeout <duration>',
  description: 'stop waiting after this long (90s, 30m, 2h; a bare number is seconds) with exit 6, saying where each task stood',
};

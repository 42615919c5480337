/**
 * Entry point: `main(argv)` parses the command line and returns the exit code; bin/taskctl.js sets it.
 * Kept light: commander and the command declarations only. Handlers, HTTP, zod and prompts are
 * loaded by the runtime chunk when a command runs.
 */
import { CommanderError } from 'commander';
import { buildProgram, firstWord, globalOptionsHelp, type Invocation } from './cli.js';
import { allCommands as allCommandSpecs, commandsFor } from './commands/index.js';
import { TOPICS } from './help-topics.js';
import { didYouMean } from './suggest.js';
import type { Streams } from './context.js';
import type { CommandSpec } from './commands/types.js';

declare const __TASKCTL_VERSION__: string;
export const VERSION = typeof __TASKCTL_VERSION__ === 'string' ? __TASKCTL_VERSION__ : '0.0.0-dev';

export interface MainIO {
  streams: Streams;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** the stop signal (first Ctrl-C / SIGTERM); main installs SIGINT/SIGTERM handling when this is not given */
  signal?: AbortSignal;
  /** aborts requests in flight (a second Ctrl-C) */
  abortSignal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const ROOT = {
  version: VERSION,
  summary: 'Administer the task APIs of OpenHIM, Orkes Conductor, Close and Spaaza from one place.',
  examples: [
    'taskctl profile add local --provider openhim --url https://localhost:8080 --username root@openhim.org --secret-env OPENHIM_PASSWORD',
    'taskctl openhim status',
    "taskctl openhim task list --status Paused --query '[]._id' | taskctl openhim task resume -",
    'taskctl conductor human complete --workflow-id WF --task-ref approve --field approved:=true',
    'taskctl close task complete task_abc task_def',
    'taskctl spaaza task run 42 && taskctl spaaza task download 42 -o export.csv',
  ],
  footer:
    'Learn more:\n' +
    '  taskctl <command> --help      help for any command\n' +
    '  taskctl help global-options   options of every command (--profile, --json, …)\n' +
    '  taskctl help exit-codes       what each exit code means\n' +
    '  taskctl help environment      environment variables',
};

function defaultIO(): MainIO {
  return {
    streams: {
      // process.stdin is created on first access (a few ms): only commands that read it pay for it
      get stdin() {
        return process.stdin;
      },
      stdout: process.stdout,
      stderr: process.stderr,
    },
    env: process.env,
    cwd: process.cwd(),
  };
}

export async function main(argv: string[], io: MainIO = defaultIO()): Promise<number> {
  const { streams } = io;
  let signal = io.signal;
  let abortSignal = io.abortSignal;
  let uninstall: (() => void) | undefined;
  if (!signal) ({ signal, abortSignal, uninstall } = installSignalHandlers());

  const wantsJson = argv.includes('--json') || argv.some((a) => a === '--query' || a.startsWith('--query='));
  const helpWidth = (w: import('./context.js').Writable) => (w.isTTY && w.columns ? w.columns : 80);

  // `taskctl help [topic|command…]`
  if (argv[0] === 'help') {
    const rest = argv.slice(1);
    const topic = rest.length === 1 ? helpTopic(rest[0], helpWidth(streams.stdout)) : undefined;
    if (topic !== undefined) {
      streams.stdout.write(topic);
      return 0;
    }
    const problem = await unknownHelpPath(rest.filter((w) => !w.startsWith('-')));
    if (problem) {
      streams.stderr.write(`taskctl: ${problem}\n`);
      return 2;
    }
    argv = [...rest, '--help'];
  }
  // `--version --json`; a bare --version is answered by bin/taskctl.js without loading this bundle
  if (wantsJson && (argv.includes('--version') || argv.includes('-V')) && !firstWord(argv)) {
    streams.stdout.write(`${JSON.stringify({ version: VERSION, node: process.versions.node })}\n`);
    return 0;
  }
  if (argv[0] === '__complete') {
    const { completeWords } = await import('./complete.js');
    const words = await completeWords(await allCommandSpecs(), argv.slice(1), { env: io.env, cwd: io.cwd, helpTopics: HELP_TOPICS });
    streams.stdout.write(words.length ? `${words.join('\n')}\n` : '');
    return 0;
  }

  let exitCode = 0;
  const program = buildProgram(await commandsFor(firstWord(argv)), ROOT, async (inv: Invocation) => {
    const { runInvocation } = await import('./runtime.js');
    exitCode = await runInvocation(inv, { streams, env: io.env, cwd: io.cwd, signal: signal!, abortSignal, version: VERSION, now: io.now, sleep: io.sleep });
  });
  program.configureOutput({
    writeOut: (s) => streams.stdout.write(s),
    writeErr: (s) => streams.stderr.write(s),
    getOutHelpWidth: () => helpWidth(streams.stdout),
    getErrHelpWidth: () => helpWidth(streams.stderr),
    outputError: (s, write) => {
      // "error: unknown command 'tsk'\n(Did you mean task?)" → one line
      const msg = s
        .replace(/^error: /, '')
        .trimEnd()
        .replace(/\s*\n\(Did you mean (.*)\?\)$/, ' (did you mean $1?)');
      // with --json/--query the error is one JSON line on stderr instead; stdout stays empty
      if (wantsJson) write(`${JSON.stringify({ error: { code: 2, message: msg, status: null, hint: 'see --help' } })}\n`);
      else write(`taskctl: ${msg}${msg.includes('(did you mean') ? '' : ' (see --help)'}\n`);
    },
  });
  for (const cmd of allCommands(program)) {
    cmd.exitOverride();
    cmd.configureOutput(program.configureOutput());
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      // a command group called without a subcommand prints its help on stderr
      if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') return 2;
      return 2;
    }
    throw err;
  } finally {
    uninstall?.();
  }
}

/** A help topic's text (`taskctl help exit-codes`), or undefined when `name` is none. */
function helpTopic(name: string, width?: number): string | undefined {
  if (name === 'global-options') return globalOptionsHelp(width);
  return TOPICS[name];
}

/** Every help topic, for suggestions and completion. */
export const HELP_TOPICS = ['global-options', ...Object.keys(TOPICS)];

/**
 * `taskctl help <words…>` names a topic or a command path; anything else is a usage error (exit 2)
 * with the closest names. Returns the message, or null when the path exists.
 */
async function unknownHelpPath(words: string[]): Promise<string | null> {
  let level: readonly CommandSpec[] = await commandsFor(words[0]);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const found = level.find((s) => s.name === w || s.aliases?.includes(w));
    if (!found) {
      const names = level.filter((s) => !s.hidden).map((s) => s.name);
      if (i === 0) {
        const all = [...HELP_TOPICS, ...names];
        return `no help topic or command "${w}"${didYouMean(w, all) || ` (topics: ${HELP_TOPICS.join(', ')}; commands: ${names.join(', ')})`}`;
      }
      const where = words.slice(0, i).join(' ');
      return `unknown command "${where} ${w}"${didYouMean(w, names) || ` (${where} has: ${names.join(', ')})`}`;
    }
    level = found.subcommands ?? [];
  }
  return null;
}

/**
 * Ctrl-C and SIGTERM (what CI sends on cancel): the first stops the run, which sends nothing more,
 * lets the requests in flight finish (each up to its --timeout) and reports their real outcome, then
 * exits 130 (SIGTERM: 143). A second one aborts the requests in flight (reported as possibly applied)
 * and leaves within half a second whatever happens; a third leaves at once.
 */
function installSignalHandlers(): { signal: AbortSignal; abortSignal: AbortSignal; uninstall: () => void } {
  const stop = new AbortController();
  const abort = new AbortController();
  let received = 0;
  let exitCode = 130;
  const on = (name: 'SIGINT' | 'SIGTERM') => () => {
    received++;
    if (received === 1) {
      exitCode = name === 'SIGTERM' ? 143 : 130;
      // a plain Error (the entry does not load errors.js); interruptCode() reads its exitCode
      stop.abort(Object.assign(new Error(name === 'SIGTERM' ? 'terminated' : 'interrupted'), { exitCode, name: 'Interrupted' }));
      return;
    }
    if (received === 2) {
      abort.abort(Object.assign(new Error('interrupted again'), { name: 'AbortError' }));
      setTimeout(() => process.exit(exitCode), 500).unref();
      return;
    }
    process.exit(exitCode);
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: stop.signal,
    abortSignal: abort.signal,
    uninstall: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

function allCommands(cmd: import('commander').Command): import('commander').Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}


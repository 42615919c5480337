/**
 * Runs one parsed command: builds the context, loads the handler, maps every failure to its exit code
 * and prints it (spec/CLI.md "Errors"). Loaded only when a command runs, never for --help/--version.
 */
import v8 from 'node:v8';
import { Context, type GlobalOptions, type Streams } from './context.js';
import { NoIds, TaskctlError, UsageError, exitCodeFor, interruptCode, stoppedError } from './errors.js';
import { checkColumns, prepareQuery } from './output/render.js';
import { closeDispatchers } from './http/transport.js';
import { reportNoIds } from './runner/many.js';
import type { Invocation } from './cli.js';

export interface RunEnvironment {
  streams: Streams;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
  abortSignal?: AbortSignal;
  version: string;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Environment variables that stand in for global options not given on the command line. */
const ENV_OPTIONS = [
  { name: 'TASKCTL_TIMEOUT', key: 'timeout', min: 1 },
  { name: 'TASKCTL_RETRIES', key: 'retries', min: 0 },
  { name: 'TASKCTL_CONCURRENCY', key: 'concurrency', min: 1 },
] as const;

/**
 * The global options: flags first, then TASKCTL_TIMEOUT/RETRIES/CONCURRENCY/CA, then defaults. An
 * environment value that is not a whole number in range is a usage error naming the variable.
 */
export function normaliseGlobals(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): GlobalOptions {
  const fromEnv: Partial<Record<'timeout' | 'retries' | 'concurrency', number>> = {};
  for (const o of ENV_OPTIONS) {
    const v = env[o.name];
    if (raw[o.key] !== undefined || v === undefined || v.trim() === '') continue;
    if (!/^\d+$/.test(v.trim()) || Number(v) < o.min) {
      throw new UsageError(`${o.name}="${v}": expected ${o.min ? 'a positive' : 'a'} whole number${o.min ? '' : ' (0 or more)'}`, { hint: 'fix or unset the variable; nothing was sent' });
    }
    fromEnv[o.key] = Number(v);
  }
  const localTimeEnv = env.TASKCTL_LOCAL_TIME?.trim().toLowerCase();
  if (localTimeEnv && !['1', '0', 'true', 'false'].includes(localTimeEnv)) {
    throw new UsageError(`TASKCTL_LOCAL_TIME="${env.TASKCTL_LOCAL_TIME}": expected 1 (local times) or 0`, { hint: 'fix or unset the variable; nothing was sent' });
  }
  const timeout = (raw.timeout as number | undefined) ?? fromEnv.timeout;
  return {
    profile: raw.profile as string | undefined,
    config: raw.config as string | undefined,
    json: Boolean(raw.json) || raw.query !== undefined,
    query: raw.query as string | undefined,
    dryRun: Boolean(raw.dryRun),
    verbose: Boolean(raw.verbose),
    timeout: timeout ?? 30_000,
    timeoutGiven: timeout !== undefined,
    retries: (raw.retries as number | undefined) ?? fromEnv.retries ?? 3,
    concurrency: (raw.concurrency as number | undefined) ?? fromEnv.concurrency ?? 8,
    insecure: Boolean(raw.insecure),
    ca: (raw.ca as string | undefined) ?? (env.TASKCTL_CA || undefined),
    caFromEnv: raw.ca === undefined && Boolean(env.TASKCTL_CA),
    sandbox: Boolean(raw.sandbox),
    yes: Boolean(raw.yes),
    input: raw.input !== false,
    color: raw.color !== false,
    wide: Boolean(raw.wide),
    columns: raw.columns as string[] | undefined,
    localTime: Boolean(raw.localTime) || localTimeEnv === '1' || localTimeEnv === 'true',
  };
}

// A command's live data is small, but V8 lets its young generation grow to tens of MiB under the
// garbage of many requests (an id list of 10,000 peaked at ~115 MiB RSS). Keeping the young
// generation at its initial size costs more, cheaper scavenges and keeps the peak near the live set.
v8.setFlagsFromString('--semi-space-growth-factor=1');
// After each full collection V8 lets the old generation grow by a factor it picks from its GC and
// allocation speeds, up to 4x for a heap this small, so a run of thousands of requests carried ~20 MiB of
// promoted garbage at its peak (10,000 ids: ~30 MiB used of which ~13 MiB live). Growing by 1.4x at most
// collects it sooner at no measurable CPU cost: 10,000 ids peaked at 73 MiB instead of 90 on Node 20, 89
// instead of 111 on Node 24 (whose own baseline is ~8 MiB higher).
v8.setFlagsFromString('--heap-growing-percent=40');
// V8 re-compiles a function with TurboFan (on background threads, CPU all the same) once it has run enough.
// By default the code that runs once per request (the HTTP client, undici, streams) qualifies within the
// first few hundred requests, and those compiles cost more than they save in a run of a few thousand: a
// 1,000-id pause spent ~0.5 ms of CPU per request on Node 20, ~0.27 ms with four times the threshold (Node 22:
// 0.31 -> 0.20 ms; Node 26, whose Maglev tier takes that load cheaply, is unchanged). Really hot loops
// (printing a 50 MB answer) still get optimised, as fast as before; a 10,000-id run costs ~8% more CPU per
// request. The flag's name differs by V8 version, and an unknown one is an error printed on stderr.
v8.setFlagsFromString(Number(process.versions.v8.split('.')[0]) < 12 ? '--interrupt-budget=270336' : '--invocation-count-for-turbofan=12000');

export async function runInvocation(inv: Invocation, renv: RunEnvironment): Promise<number> {
  let globals: GlobalOptions;
  let envError: unknown;
  try {
    globals = normaliseGlobals(inv.globals, renv.env);
  } catch (err) {
    envError = err;
    globals = normaliseGlobals(inv.globals);
  }
  const ctx = new Context({ ...renv, globals, provider: inv.provider });
  try {
    if (envError) throw envError;
    if (globals.query !== undefined) await prepareQuery(globals.query);
    if (!inv.spec.load) throw new UsageError(`'${inv.path.join(' ')}' needs a subcommand`);
    const columns = typeof inv.spec.columns === 'function' ? inv.spec.columns(inv.opts) : inv.spec.columns;
    if (globals.columns?.length) checkColumns(globals.columns, columns, `taskctl ${inv.path.join(' ')}`);
    ctx.out.declareColumns(columns);
    const mod = await inv.spec.load();
    const code = (await mod.run(ctx, { args: inv.args, opts: inv.opts })) ?? 0;
    if (globals.dryRun && globals.json) ctx.out.printJson({ dryRun: true, requests: ctx.dryRunRecords });
    return code;
  } catch (err) {
    if (err instanceof NoIds) return reportNoIds(ctx, err);
    if (renv.signal.aborted && !(err instanceof TaskctlError)) return reportError(ctx, stoppedError(renv.signal));
    // a request cut by a second Ctrl-C: its error says it may have been applied, the exit code that the run was stopped
    if (renv.signal.aborted && err instanceof TaskctlError && err.maybeApplied) return reportError(ctx, err, interruptCode(renv.signal));
    return reportError(ctx, err);
  } finally {
    await closeDispatchers();
    await ctx.closeSandbox();
  }
}

/**
 * Prints a failure: `taskctl: <message> (<hint>)` and the server's message on stderr; with --json or
 * --query instead one JSON line on stderr, `{"error":{code,message,status,hint}}` (plus
 * `"maybeApplied": true` when the request may have been applied), so stdout never carries an error.
 */
export function reportError(ctx: Context, err: unknown, exitCode?: number): number {
  const code = exitCode ?? exitCodeFor(err);
  if (err instanceof TaskctlError && err.reported) return code;
  const e = err instanceof TaskctlError ? err : null;
  const message = e ? e.message : `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
  if (ctx.globals.json) {
    const error = {
      code,
      message: e?.serverMessage ? `${message}: ${e.serverMessage}` : message,
      status: e?.status ?? null,
      hint: e?.hint ?? null,
      ...(e?.maybeApplied ? { maybeApplied: true } : {}),
    };
    ctx.writeErr(`${JSON.stringify({ error })}\n`);
    return code;
  }
  const hint = e?.hint ? ` (${e.hint})` : '';
  ctx.writeErr(`${ctx.errStyle.red('taskctl:')} ${message}${hint}\n`);
  if (e?.serverMessage) ctx.writeErr(`${ctx.errStyle.dim('server said:')} ${e.serverMessage}\n`);
  if (!e && ctx.globals.verbose && err instanceof Error && err.stack) ctx.writeErr(`${err.stack}\n`);
  return code;
}

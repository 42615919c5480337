/**
 * Runs one parsed command: builds the context, loads the handler, maps every failure to its exit code
 * and prints it (spec/CLI.md "Errors"). Loaded only when a command runs, never for --help/--version.
 */
import v8 from 'node:v8';
import { Context, type GlobalOptions, type Streams } from './context.js';
import { Interrupted, TaskctlError, UsageError, exitCodeFor } from './errors.js';
import { prepareQuery } from './output/render.js';
import { closeDispatchers } from './http/transport.js';
import type { Invocation } from './cli.js';

export interface RunEnvironment {
  streams: Streams;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
  version: string;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function normaliseGlobals(raw: Record<string, unknown>): GlobalOptions {
  return {
    profile: raw.profile as string | undefined,
    config: raw.config as string | undefined,
    json: Boolean(raw.json) || raw.query !== undefined,
    query: raw.query as string | undefined,
    dryRun: Boolean(raw.dryRun),
    verbose: Boolean(raw.verbose),
    timeout: (raw.timeout as number | undefined) ?? 30_000,
    timeoutGiven: raw.timeout !== undefined,
    retries: (raw.retries as number | undefined) ?? 3,
    concurrency: (raw.concurrency as number | undefined) ?? 8,
    insecure: Boolean(raw.insecure),
    ca: raw.ca as string | undefined,
    yes: Boolean(raw.yes),
    input: raw.input !== false,
    color: raw.color !== false,
    wide: Boolean(raw.wide),
    columns: raw.columns as string[] | undefined,
    localTime: Boolean(raw.localTime),
  };
}

// A command's live data is small, but V8 lets its young generation grow to tens of MiB under the
// garbage of many requests (an id list of 10,000 peaked at ~115 MiB RSS). Keeping the young
// generation at its initial size costs more, cheaper scavenges and keeps the peak near the live set.
v8.setFlagsFromString('--semi-space-growth-factor=1');

export async function runInvocation(inv: Invocation, renv: RunEnvironment): Promise<number> {
  const globals = normaliseGlobals(inv.globals);
  const ctx = new Context({ ...renv, globals, provider: inv.provider });
  try {
    if (globals.query !== undefined) await prepareQuery(globals.query);
    if (!inv.spec.load) throw new UsageError(`'${inv.path.join(' ')}' needs a subcommand`);
    const mod = await inv.spec.load();
    const code = (await mod.run(ctx, { args: inv.args, opts: inv.opts })) ?? 0;
    if (globals.dryRun && globals.json) ctx.out.printJson({ dryRun: true, requests: ctx.dryRunRecords });
    return code;
  } catch (err) {
    if (renv.signal.aborted && !(err instanceof TaskctlError)) return reportError(ctx, new Interrupted('interrupted'));
    return reportError(ctx, err);
  } finally {
    await closeDispatchers();
  }
}

/** Prints `taskctl: <message> (<hint>)`, the server's message, and with --json the error document. */
export function reportError(ctx: Context, err: unknown): number {
  const code = exitCodeFor(err);
  if (err instanceof TaskctlError && err.reported) return code;
  const e = err instanceof TaskctlError ? err : null;
  const message = e ? e.message : `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
  const hint = e?.hint ? ` (${e.hint})` : '';
  ctx.writeErr(`${ctx.errStyle.red('taskctl:')} ${message}${hint}\n`);
  if (e?.serverMessage) ctx.writeErr(`${ctx.errStyle.dim('server said:')} ${e.serverMessage}\n`);
  if (!e && ctx.globals.verbose && err instanceof Error && err.stack) ctx.writeErr(`${err.stack}\n`);
  if (ctx.globals.json) {
    ctx.writeOut(`${JSON.stringify({ error: { code, message: e?.serverMessage ? `${message}: ${e.serverMessage}` : message, status: e?.status ?? null } }, null, 2)}\n`);
  }
  return code;
}

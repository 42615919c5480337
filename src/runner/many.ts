/**
 * The one multi-id runner every `<id…>` command uses: bounded concurrency (--concurrency), one result
 * per id, a table (or `{"results":[…],"summary":{…}}` with --json), a summary line on stderr, and the
 * contract's exit code: 0 all ok, 7 some failed, the failing class's code when all failed (1 when the
 * classes differ).
 *
 * Stopping (Ctrl-C, SIGTERM: ctx.signal): no id is started any more and the HTTP client sends nothing that
 * changes anything, but the requests in flight run to their answer (or deadline), so each id reports what
 * really happened: done, failed, possibly applied (sent, never answered: class 6, `maybeApplied`), or
 * `not sent`. Then exit 130 (SIGTERM: 143).
 *
 * Without a terminal (and without --json) a run that lasts longer than about 10 s (ctx.progressIntervalMs)
 * prints a one-line progress report on stderr that often, so a CI log shows the run is alive.
 */
import type { Context } from '../context.js';
import { ExitCode, ExitWith, NotSent, PartialFailure, TaskctlError, exitCodeFor, stoppedError, type NoIds } from '../errors.js';

export interface ItemOutcome {
  /** HTTP status of the request that decided the outcome */
  status: number | null;
  /** extra data for --json (e.g. the server's object) */
  data?: unknown;
  /** a note printed beside the id (e.g. a warning about the server's behaviour) */
  note?: string;
}

export interface ItemResult {
  id: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  /** exit-code class of the failure */
  code?: number;
  note?: string;
  data?: unknown;
  /** the run was stopped before this id's request was sent */
  skipped?: boolean;
  /** sent, but its answer never arrived: the server may have applied it */
  maybeApplied?: boolean;
}

export interface RunManyOptions {
  /** past tense for the summary: "paused", "deleted" */
  verb: string;
  /** "task" */
  noun?: string;
  /** concurrency override (default --concurrency) */
  concurrency?: number;
}

/** what `not sent` ids say */
const NOT_SENT = 'not sent (the run was stopped first)';

export function resultOf(id: string, err: unknown): ItemResult {
  if (err instanceof NotSent) return { id, ok: false, status: null, error: NOT_SENT, skipped: true, code: err.exitCode };
  const e = err instanceof TaskctlError ? err : null;
  const message = e ? `${e.message}${e.serverMessage ? `: ${e.serverMessage}` : ''}${e.maybeApplied && e.hint ? ` (${e.hint})` : ''}` : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
  return { id, ok: false, status: e?.status ?? null, error: message, code: exitCodeFor(err), ...(e?.maybeApplied ? { maybeApplied: true } : {}) };
}

export async function runMany(
  ctx: Context,
  ids: readonly string[],
  work: (id: string) => Promise<ItemOutcome>,
  opts: RunManyOptions,
): Promise<number> {
  const results: (ItemResult | undefined)[] = new Array(ids.length);
  const limit = Math.max(1, Math.min(opts.concurrency ?? ctx.globals.concurrency, ids.length));
  let next = 0;
  let finished = 0;
  let failures = 0;
  const worker = async () => {
    while (next < ids.length) {
      if (ctx.signal.aborted) return;
      const i = next++;
      const id = ids[i];
      try {
        const o = await work(id);
        results[i] = { id, ok: true, status: o.status, error: null, note: o.note, data: o.data };
      } catch (err) {
        results[i] = resultOf(id, err);
        if (!results[i]!.skipped) failures++;
      }
      finished++;
    }
  };
  const progress = ctx.globals.dryRun ? null : plainProgress(ctx, () => `${finished}/${ids.length} completed, ${failures} failed`);
  try {
    await Promise.all(Array.from({ length: limit }, worker));
  } finally {
    progress?.stop();
  }

  const final: ItemResult[] = ids.map((id, i) => results[i] ?? { id, ok: false, status: null, error: NOT_SENT, skipped: true, code: ExitCode.INTERRUPTED });
  if (ctx.globals.dryRun) return 0;
  return report(ctx, final, opts, ctx.signal.aborted);
}

/** The report of a run: the table or JSON document, the summary line, the exit code (thrown when not 0). */
export function report(ctx: Context, final: readonly ItemResult[], opts: RunManyOptions, stopped: boolean): number {
  const succeeded = final.filter((r) => r.ok).length;
  const skipped = final.filter((r) => r.skipped).length;
  const maybe = final.filter((r) => r.maybeApplied).length;
  const failed = final.length - succeeded - skipped;
  const summary = { total: final.length, succeeded, failed, ...(skipped ? { notSent: skipped } : {}), ...(maybe ? { maybeApplied: maybe } : {}) };
  ctx.out.result(
    {
      results: final.map(({ code: _c, skipped: _s, note, data, maybeApplied, ...r }) => ({
        ...r,
        ...(maybeApplied ? { maybeApplied: true } : {}),
        ...(note ? { note } : {}),
        ...(data !== undefined ? { data } : {}),
      })),
      summary,
    },
    () =>
      ctx.out.table(final, [
        { header: opts.noun ?? 'id', get: (r) => r.id },
        { header: 'result', get: (r) => (r.ok ? opts.verb : r.skipped ? 'not sent' : r.maybeApplied ? 'unknown' : 'failed'), style: (t, r) => (r.ok ? ctx.style.green(t) : r.maybeApplied ? ctx.style.yellow(t) : ctx.style.red(t)) },
        { header: 'status', get: (r) => r.status ?? '' },
        { header: 'detail', get: (r) => r.error ?? r.note ?? '' },
      ]),
    { report: true },
  );
  const parts = [`${succeeded} of ${final.length} ${opts.verb}`];
  if (failed) parts.push(`${failed} failed`);
  if (maybe) parts.push(`${maybe} possibly applied (no answer arrived: check before retrying)`);
  if (skipped) parts.push(`${skipped} not sent`);
  ctx.info(parts.join(', '));

  if (stopped) throw stoppedError(ctx.signal, { reported: true });
  if (failed === 0) return 0;
  if (succeeded > 0) throw new PartialFailure('some items failed', { reported: true });
  const classes = new Set(final.filter((r) => !r.ok && !r.skipped).map((r) => r.code));
  throw new ExitWith(classes.size === 1 ? [...classes][0]! : 1, 'every item failed', { reported: true });
}

/** `-` read nothing: say so on stderr, an empty report with --json, exit 0. */
export function reportNoIds(ctx: Context, err: NoIds): number {
  ctx.info(`taskctl: ${err.message}`);
  if (ctx.globals.json) ctx.out.printJson({ results: [], summary: { total: 0, succeeded: 0, failed: 0 } }, { report: true });
  return 0;
}

/**
 * Without a terminal and without --json: `line()` on stderr every ctx.progressIntervalMs, the first one
 * after that long (short runs print nothing). Uses the context's sleep, so tests need no wall time.
 */
export function plainProgress(ctx: Context, line: () => string): { stop(): void } | null {
  if (ctx.stderrIsTTY || ctx.globals.json) return null;
  const done = new AbortController();
  void (async () => {
    for (;;) {
      try {
        await ctx.sleep(ctx.progressIntervalMs, done.signal);
      } catch {
        return;
      }
      if (done.signal.aborted) return;
      ctx.info(line());
    }
  })();
  return { stop: () => done.abort() };
}

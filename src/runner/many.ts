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
 *
 * Work comes one id at a time (`runMany`) or a chunk of ids at a time (`runBatches`, for APIs that act on
 * many ids in one request, such as Close's bulk update): either way each id gets exactly one result, and
 * concurrency, stopping, progress, the report and the exit code are the same.
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

/** Work on a chunk of ids at a time. */
export interface BatchWork {
  /** splits the ids, in order, into the chunks `run` takes (every id in exactly one chunk) */
  chunks(ids: readonly string[]): string[][];
  /**
   * One outcome per id of the chunk, in its order: the id's outcome, or the error it failed with. Or null:
   * this chunk cannot be done at once (e.g. the server lacks the bulk route), so its ids go through
   * `single`, one by one, like any other multi-id run. A thrown error is every id's outcome.
   */
  run(chunk: readonly string[]): Promise<Array<ItemOutcome | Error> | null>;
  single(id: string): Promise<ItemOutcome>;
}

/** The results of one run as they arrive, with the counts its progress line shows. */
class Tally {
  readonly results: (ItemResult | undefined)[];
  finished = 0;
  failures = 0;
  constructor(readonly ids: readonly string[]) {
    this.results = new Array(ids.length);
  }
  set(i: number, r: ItemResult): void {
    this.results[i] = r;
    this.finished++;
    if (!r.ok && !r.skipped) this.failures++;
  }
  /** runs one id's work and records its result */
  async one(i: number, work: (id: string) => Promise<ItemOutcome>): Promise<void> {
    const id = this.ids[i];
    try {
      this.set(i, success(id, await work(id)));
    } catch (err) {
      this.set(i, resultOf(id, err));
    }
  }
}

export function runMany(ctx: Context, ids: readonly string[], work: (id: string) => Promise<ItemOutcome>, opts: RunManyOptions): Promise<number> {
  const tally = new Tally(ids);
  let next = 0;
  const limit = workerCount(ctx, opts, ids.length);
  // --concurrency ids are worked on at once, not counting ids whose request sleeps through a retry wait
  // the server asked for (a 429's reset): the ids behind one do not wait with it. A worker started for
  // such a wait ends once the wait is over and it finished its id.
  let running = 0;
  const loops: Promise<void>[] = [];
  const worker = async () => {
    try {
      while (next < ids.length && !ctx.signal.aborted && running <= limit + ctx.retryWaits) await tally.one(next++, work);
    } finally {
      running--;
    }
  };
  const grow = () => {
    while (running < limit + ctx.retryWaits && next < ids.length && !ctx.signal.aborted) {
      running++;
      loops.push(worker());
    }
  };
  return finish(
    ctx,
    tally,
    async () => {
      const off = ctx.onRetryWaits(grow);
      try {
        grow();
        // workers may start more workers while they run
        for (let n = 0; n < loops.length; ) {
          n = loops.length;
          await Promise.all(loops);
        }
      } finally {
        off();
      }
    },
    opts,
  );
}

/**
 * Like runMany, with work that takes a chunk of ids (from `batch.chunks`) and reports each of them. The
 * ids of a chunk the batch declines join a queue that the workers run one by one (more workers start, up
 * to the concurrency), so a server without a bulk route gets the same run as `runMany` would give it.
 */
export async function runBatches(ctx: Context, ids: readonly string[], batch: BatchWork, opts: RunManyOptions): Promise<number> {
  const tally = new Tally(ids);
  const chunks = batch.chunks(ids);
  const starts: number[] = [];
  for (let i = 0, at = 0; i < chunks.length; at += chunks[i].length, i++) starts.push(at);
  if (starts.length && starts[starts.length - 1] + chunks[chunks.length - 1].length !== ids.length) throw new Error('the chunks do not hold every id once');
  /** indices of ids to run one by one */
  const singles: number[] = [];
  let nextChunk = 0;
  let nextSingle = 0;
  const limit = workerCount(ctx, opts, ids.length);
  const running: Promise<void>[] = [];
  let active = 0;
  const start = () => {
    active++;
    running.push(worker().finally(() => active--));
  };
  const single = (id: string) => batch.single(id);
  const worker = async (): Promise<void> => {
    for (;;) {
      if (ctx.signal.aborted) return;
      if (nextSingle < singles.length) {
        await tally.one(singles[nextSingle++], single);
        continue;
      }
      if (nextChunk >= chunks.length) return;
      const c = nextChunk++;
      const chunk = chunks[c];
      let outcomes: Array<ItemOutcome | Error> | null;
      try {
        outcomes = await batch.run(chunk);
        if (outcomes && outcomes.length !== chunk.length) throw new Error(`a batch of ${chunk.length} ids gave ${outcomes.length} outcomes`);
      } catch (err) {
        for (let j = 0; j < chunk.length; j++) tally.set(starts[c] + j, resultOf(chunk[j], err));
        continue;
      }
      if (outcomes === null) {
        for (let j = 0; j < chunk.length; j++) singles.push(starts[c] + j);
        while (active < limit) start();
        continue;
      }
      for (let j = 0; j < chunk.length; j++) {
        const o = outcomes[j];
        tally.set(starts[c] + j, o instanceof Error ? resultOf(chunk[j], o) : success(chunk[j], o));
      }
    }
  };
  const all = async () => {
    for (let k = 0; k < Math.min(limit, chunks.length); k++) start();
    // workers may start more workers while they run
    for (let n = 0; n < running.length; ) {
      n = running.length;
      await Promise.all(running);
    }
  };
  return finish(ctx, tally, all, opts);
}

function workerCount(ctx: Context, opts: RunManyOptions, n: number): number {
  return Math.max(1, Math.min(opts.concurrency ?? ctx.globals.concurrency, n));
}

function success(id: string, o: ItemOutcome): ItemResult {
  return { id, ok: true, status: o.status, error: null, note: o.note, data: o.data };
}

/** Runs the workers with the progress line, then reports every id once and picks the exit code. */
async function finish(ctx: Context, tally: Tally, workers: () => Promise<unknown>, opts: RunManyOptions): Promise<number> {
  const { ids, results } = tally;
  const progress = ctx.globals.dryRun ? null : plainProgress(ctx, () => `${tally.finished}/${ids.length} completed, ${tally.failures} failed`);
  try {
    await workers();
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
  if (ctx.globals.json && err.emptyReport) ctx.out.printJson({ results: [], summary: { total: 0, succeeded: 0, failed: 0 } }, { report: true });
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

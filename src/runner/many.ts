/**
 * The one multi-id runner every `<id…>` command uses: bounded concurrency (--concurrency), one result
 * per id, a table (or `{"results":[…],"summary":{…}}` with --json), a summary line on stderr, and the
 * contract's exit code: 0 all ok, 7 some failed, the failing class's code when all failed (1 when the
 * classes differ), 130 when Ctrl-C stopped it (what was done is still reported).
 */
import type { Context } from '../context.js';
import { ExitWith, Interrupted, PartialFailure, TaskctlError, exitCodeFor } from '../errors.js';

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
  /** Ctrl-C came before this id was sent */
  skipped?: boolean;
}

export interface RunManyOptions {
  /** past tense for the summary: "paused", "deleted" */
  verb: string;
  /** "task" */
  noun?: string;
  /** concurrency override (default --concurrency) */
  concurrency?: number;
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
  const worker = async () => {
    while (next < ids.length) {
      if (ctx.signal.aborted) return;
      const i = next++;
      const id = ids[i];
      try {
        const o = await work(id);
        results[i] = { id, ok: true, status: o.status, error: null, note: o.note, data: o.data };
      } catch (err) {
        if (ctx.signal.aborted && !(err instanceof TaskctlError)) {
          results[i] = { id, ok: false, status: null, error: 'interrupted', code: 130 };
          continue;
        }
        const e = err instanceof TaskctlError ? err : null;
        const message = e ? `${e.message}${e.serverMessage ? `: ${e.serverMessage}` : ''}` : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
        results[i] = { id, ok: false, status: e?.status ?? null, error: message, code: exitCodeFor(err) };
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));

  const interrupted = ctx.signal.aborted;
  const final: ItemResult[] = ids.map((id, i) => results[i] ?? { id, ok: false, status: null, error: 'not sent (interrupted)', skipped: true, code: 130 });
  if (ctx.globals.dryRun) return 0;

  const succeeded = final.filter((r) => r.ok).length;
  const skipped = final.filter((r) => r.skipped).length;
  const failed = final.length - succeeded - skipped;
  const summary = { total: final.length, succeeded, failed, ...(skipped ? { notSent: skipped } : {}) };
  ctx.out.result(
    { results: final.map(({ code: _c, skipped: _s, note, data, ...r }) => ({ ...r, ...(note ? { note } : {}), ...(data !== undefined ? { data } : {}) })), summary },
    () =>
      ctx.out.table(final, [
        { header: opts.noun ?? 'id', get: (r) => r.id },
        { header: 'result', get: (r) => (r.ok ? opts.verb : r.skipped ? 'not sent' : 'failed'), style: (t, r) => (r.ok ? ctx.style.green(t) : ctx.style.red(t)) },
        { header: 'status', get: (r) => r.status ?? '' },
        { header: 'detail', get: (r) => r.error ?? r.note ?? '' },
      ]),
  );
  const parts = [`${succeeded} of ${final.length} ${opts.verb}`];
  if (failed) parts.push(`${failed} failed`);
  if (skipped) parts.push(`${skipped} not sent`);
  ctx.info(parts.join(', '));

  if (interrupted) throw new Interrupted('interrupted', { reported: true });
  if (failed === 0) return 0;
  if (succeeded > 0) throw new PartialFailure('some items failed', { reported: true });
  const classes = new Set(final.filter((r) => !r.ok && !r.skipped).map((r) => r.code));
  throw new ExitWith(classes.size === 1 ? [...classes][0]! : 1, 'every item failed', { reported: true });
}

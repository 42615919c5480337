/** What the `close task` verbs share: flag checks, rendering a task, the multi-id runner with progress. */
import type { Context } from '../../../context.js';
import { UsageError } from '../../../errors.js';
import type { HttpClient } from '../../../http/client.js';
import { readIds } from '../../../input/ids.js';
import { progressBar } from '../../../output/progress.js';
import { runBatches, runMany, type BatchWork, type ItemOutcome } from '../../../runner/many.js';
import { DATE_HINT, checkCloseId, checkTaskId, isCloseDate, type CloseTask } from '../../../providers/close/schemas.js';

/** A task id argument, checked before anything is sent. */
export function taskIdArg(value: unknown): string {
  const id = String(value ?? '').trim();
  const problem = checkTaskId(id);
  if (problem) throw new UsageError(`invalid task id "${id}": ${problem}`, { hint: 'nothing was sent' });
  return id;
}

/** The `<taskId…>` arguments (or `-` for stdin), every one checked before anything is sent. */
export function taskIdsArg(ctx: Context, value: unknown): Promise<string[]> {
  return readIds(ctx, value, { validate: checkTaskId, noun: 'task id' });
}

/** `--lead` / `--assigned-to` values: a Close id with the right prefix. */
export function closeIdFlag(flag: string, value: unknown, prefix: 'lead' | 'user'): string {
  const v = String(value).trim();
  const problem = checkCloseId(v, prefix);
  if (problem) throw new UsageError(`${flag} "${v}": expected a Close ${prefix} id (${prefix}_…): ${problem}`, { hint: 'nothing was sent' });
  return v;
}

export function dateFlag(flag: string, value: unknown): string {
  const v = String(value).trim();
  if (!isCloseDate(v)) throw new UsageError(`${flag} "${v}": expected ${DATE_HINT}`, { hint: 'nothing was sent' });
  return v;
}

export function exclusive(opts: Record<string, unknown>, a: string, b: string, flagA: string, flagB: string): void {
  if (opts[a] !== undefined && opts[b] !== undefined) throw new UsageError(`${flagA} and ${flagB} cannot be used together`);
}

/** `--fields a,b` → the list, or undefined. */
export function fieldsOpt(opts: Record<string, unknown>): string[] | undefined {
  const f = opts.fields as string[] | undefined;
  if (!f) return undefined;
  if (f.length === 0) throw new UsageError('--fields needs at least one field name');
  for (const name of f) if (!/^[A-Za-z0-9_.]+$/.test(name)) throw new UsageError(`--fields: "${name}" is not a field name`);
  return f;
}

function withName(name: unknown, id: unknown): string | undefined {
  if (typeof name === 'string' && name && typeof id === 'string' && id) return `${name} (${id})`;
  if (typeof id === 'string' && id) return id;
  return typeof name === 'string' && name ? name : undefined;
}

/** What a task is about: its text, or for calls/emails/SMS the subject or phone number. */
export function taskSummary(t: CloseTask): string {
  for (const k of ['text', 'subject', 'body_preview', 'phone', 'remote_phone']) {
    const v = t[k];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return '';
}

function shown(v: unknown): unknown {
  return v === null ? '' : v;
}

/** One task as a key-value block; with --fields exactly those fields. */
export function renderTask(ctx: Context, t: CloseTask, fields?: readonly string[]): void {
  if (fields) {
    ctx.out.keyValues(fields.map((f) => [f, shown(t[f]) ?? ''] as const));
    return;
  }
  ctx.out.keyValues([
    ['ID', t.id],
    ['Type', t._type],
    ['Text', taskSummary(t) || undefined],
    ['Lead', withName(t.lead_name, t.lead_id)],
    ['Contact', withName(t.contact_name, t.contact_id)],
    ['Assigned to', withName(t.assigned_to_name, t.assigned_to)],
    ['Date', t.date === undefined ? undefined : t.date === null ? '(none)' : t.date],
    ['Complete', t.is_complete === undefined ? undefined : t.is_complete ? 'yes' : 'no'],
    ['View', t.view ?? undefined],
    ['Priority', t.priority ?? undefined],
    ['Resolution', t.resolution ?? undefined],
    ['Object', t.object_type ? `${String(t.object_type)} ${String(t.object_id ?? '')}`.trim() : undefined],
    ['Created', t.date_created === undefined ? undefined : `${String(t.date_created)}${t.created_by_name ? ` by ${String(t.created_by_name)}` : ''}`],
    ['Updated', t.date_updated === undefined ? undefined : `${String(t.date_updated)}${t.updated_by_name ? ` by ${String(t.updated_by_name)}` : ''}`],
  ]);
}

/**
 * Runs `work` for each id (or, given a BatchWork, for each chunk of ids) through the shared runner, with a
 * progress bar on a terminal (showing how many requests Close rate-limited so far) and a note on stderr
 * when Close rate-limited some.
 */
export async function runTasks(
  ctx: Context,
  client: HttpClient,
  ids: readonly string[],
  work: ((id: string) => Promise<ItemOutcome>) | BatchWork,
  opts: { verb: string; label: string },
): Promise<number> {
  const bar = progressBar(ctx, opts.label);
  let done = 0;
  let stopped = false;
  const stop = () => {
    if (!stopped) bar.stop();
    stopped = true;
  };
  ctx.signal.addEventListener('abort', stop, { once: true });
  const limitedBefore = client.stats.rateLimited;
  const draw = () => {
    if (stopped) return;
    const limited = client.stats.rateLimited - limitedBefore;
    bar.update(done, ids.length, limited ? `${limited} rate-limited, retried` : '');
  };
  const progressed = (n: number) => {
    done += n;
    if (done >= ids.length) stop();
    else draw();
  };
  draw();
  const runOpts = { verb: opts.verb, noun: 'task' };
  try {
    if (typeof work !== 'function') {
      const batch = work;
      return await runBatches(
        ctx,
        ids,
        {
          chunks: (all) => batch.chunks(all),
          // a declined chunk (null) is counted id by id as `single` runs it
          run: (chunk) => batch.run(chunk).then((r) => (r && progressed(chunk.length), r), (err: unknown) => (progressed(chunk.length), Promise.reject(err))),
          single: (id) => batch.single(id).finally(() => progressed(1)),
        },
        runOpts,
      );
    }
    return await runMany(
      ctx,
      ids,
      (id) => work(id).finally(() => progressed(1)),
      runOpts,
    );
  } finally {
    stop();
    ctx.signal.removeEventListener('abort', stop);
    const limited = client.stats.rateLimited - limitedBefore;
    if (limited > 0 && !ctx.globals.dryRun) {
      ctx.info(`Close rate-limited ${limited} of ${client.stats.requests} requests; taskctl waited as asked and retried them`);
    }
  }
}

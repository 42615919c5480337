/** Pieces the `spaaza task` verbs share: id checks, rendering a task, failing after a stream was printed. */
import type { Context } from '../../../context.js';
import { ExitWith, UsageError } from '../../../errors.js';
import type { HttpClient } from '../../../http/client.js';
import { spaaza } from '../../../providers/spaaza/client.js';
import { TASK_ID, type SpaazaTask } from '../../../providers/spaaza/schemas.js';

export function connect(ctx: Context): Promise<HttpClient> {
  return spaaza.connect(ctx);
}

export function idProblem(id: string): string | null {
  return TASK_ID.test(id) ? null : 'Spaaza task ids are whole numbers';
}

/** A single `<id>` argument, checked before anything is sent. */
export function taskId(raw: unknown): string {
  const id = String(raw ?? '').trim();
  const problem = idProblem(id);
  if (problem) throw new UsageError(`invalid task id "${id}": ${problem}`, { hint: 'nothing was sent' });
  return id;
}

export function stateCode(task: SpaazaTask | undefined): string {
  return typeof task?.state?.code === 'string' ? task.state.code : 'unknown';
}

/** "once 2026-05-26T12:00:00Z", "segment wallet-ledger (1 rule)", "segment_id 77" */
export function describeTrigger(trigger: unknown): string {
  if (!trigger || typeof trigger !== 'object') return '';
  const t = trigger as Record<string, unknown>;
  const parts: string[] = [];
  if (t.once !== undefined && t.once !== null) parts.push(`once ${String(t.once)}`);
  if (t.segment_id !== undefined && t.segment_id !== null) parts.push(`segment_id ${String(t.segment_id)}`);
  if (t.segment && typeof t.segment === 'object') {
    const s = t.segment as Record<string, unknown>;
    const rules = Array.isArray(s.rules) ? s.rules.length : 0;
    parts.push(`segment${typeof s.index === 'string' ? ` ${s.index}` : ''} (${rules} rule${rules === 1 ? '' : 's'}${typeof s.join === 'string' ? `, ${s.join}` : ''})`);
  }
  const known = new Set(['once', 'segment_id', 'segment']);
  const other = Object.keys(t).filter((k) => !known.has(k));
  if (other.length) parts.push(other.join(', '));
  return parts.join(', ');
}

function field(obj: unknown, key: string): unknown {
  return obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

/** A log entry's text; the entry fields are undocumented, so a few likely names are tried. */
export function logText(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  const m = field(entry, 'message') ?? field(entry, 'msg') ?? field(entry, 'description') ?? field(entry, 'text');
  return typeof m === 'string' ? m : JSON.stringify(entry);
}
export function logLevel(entry: unknown): string {
  const l = field(entry, 'level') ?? field(entry, 'type') ?? field(entry, 'severity');
  return typeof l === 'string' ? l : '';
}
export function logTime(entry: unknown): string {
  const t = field(entry, 'date') ?? field(entry, 'timestamp') ?? field(entry, 'created_date') ?? field(entry, 'time');
  return typeof t === 'string' ? t : '';
}

/** The messages of the last error-level log entries (or the last entry), for an ERROR report. */
export function errorLogSummary(task: SpaazaTask | undefined, max = 3): string | undefined {
  const logs = Array.isArray(task?.logs) ? task!.logs : [];
  if (logs.length === 0) return undefined;
  const errors = logs.filter((l) => /err|fail|fatal/i.test(logLevel(l)));
  const pick = (errors.length ? errors : logs).slice(-max);
  return pick.map(logText).join(' | ');
}

export function taskPairs(task: SpaazaTask): [string, unknown][] {
  const target = task.target ?? {};
  return [
    ['ID', task.id],
    ['Description', task.desc],
    ['State', stateCode(task)],
    ['Action', field(target, 'action')],
    ['Index', field(target, 'export_index')],
    ['Format', field(target, 'export_format')],
    ['Trigger', describeTrigger(task.trigger)],
    ['Chain', task.chain],
    ['Last run', task.state?.last_run_date ?? undefined],
    ['Modified', task.state?.last_modified ?? undefined],
    ['Created', task.state?.created_date ?? undefined],
    ['Debug', task.debug ?? undefined],
    ['Version', task.version],
  ];
}

/** A task as a key-value block (the provider's object with --json). */
export function printTask(ctx: Context, task: SpaazaTask): void {
  ctx.out.result(task, () => ctx.out.keyValues(taskPairs(task)));
}

/** Writes the error line ourselves (so --json stdout stays one document / clean NDJSON) and exits. */
export function failReported(ctx: Context, code: number, message: string, details: { hint?: string; serverMessage?: string } = {}): never {
  ctx.writeErr(`${ctx.errStyle.red('taskctl:')} ${message}${details.hint ? ` (${details.hint})` : ''}\n`);
  if (details.serverMessage) ctx.writeErr(`${ctx.errStyle.dim('task log:')} ${details.serverMessage}\n`);
  throw new ExitWith(code, message, { reported: true });
}

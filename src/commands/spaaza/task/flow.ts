/**
 * The job a user actually has: run an export, wait for it, download the file. `task run`, `task wait`,
 * `task download` and `task create --run/--download` share these three steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Context } from '../../../context.js';
import { durationText } from '../../../input/duration.js';
import { ApiError, ExitCode, NetworkError, TaskctlError, UsageError, exitCodeFor, interruptCode, stoppedError } from '../../../errors.js';
import type { HttpClient } from '../../../http/client.js';
import type { SecretRegistry } from '../../../http/redact.js';
import { executeTask, getDownloadUrl, getTask, openDownload } from '../../../providers/spaaza/api.js';
import type { SpaazaState, SpaazaTask } from '../../../providers/spaaza/schemas.js';
import { formatBytes, progressBar, spinner, type Progress } from '../../../output/progress.js';
import { errorLogSummary, failReported, stateCode } from './common.js';

export const DEFAULT_INTERVAL_MS = 2000;
/** `execute` appears to be synchronous and its duration is unknown: 10 minutes unless --timeout is given */
export const RUN_TIMEOUT_MS = 600_000;
const FINAL = new Set(['DONE', 'ERROR']);

function interrupted(ctx: Context, err: unknown): boolean {
  return ctx.signal.aborted && (!(err instanceof TaskctlError) || err instanceof NetworkError);
}

// ---------------------------------------------------------------- wait

export interface WaitOptions {
  intervalMs: number;
  /** print NDJSON events (task wait --json) */
  events: boolean;
  /** a task already fetched (its state counts as the first poll) */
  first?: SpaazaTask;
  /** say how to start a READY task (not when `task run` already started it) */
  readyHint?: boolean;
  /** --wait-timeout: give up after this long (exit 6), saying where the task stood */
  waitTimeoutMs?: number;
}

/** Polls `GET /tasks/{id}` until DONE or ERROR; returns the final task. Ctrl-C → exit 130. */
export async function waitForTask(ctx: Context, client: HttpClient, id: string, opts: WaitOptions): Promise<SpaazaTask | undefined> {
  let last: string | undefined;
  let progress: Progress | undefined;
  let task: SpaazaTask | undefined = opts.first;
  const event = (e: Record<string, unknown>) => {
    if (opts.events) ctx.out.printEvent({ ...e, id: Number(id), time: new Date(ctx.now()).toISOString() });
  };
  const deadline = opts.waitTimeoutMs === undefined ? Infinity : ctx.now() + opts.waitTimeoutMs;
  try {
    for (let polls = 0; ; polls++) {
      if (!task || polls > 0) task = await getTask(client, id, { log_limit: 50 });
      if (!task) return undefined; // --dry-run: the GET was printed, not sent
      const code = stateCode(task);
      if (code !== last) {
        event({ event: 'state', code, previous: last ?? null, state: task.state ?? null });
        if (!ctx.showProgress && !opts.events && !ctx.globals.json) ctx.info(`task ${id}: ${code}`);
        if (code === 'READY' && last === undefined && opts.readyHint !== false && !ctx.globals.json) {
          const once = task.trigger && typeof task.trigger.once === 'string' ? ` (scheduled for ${task.trigger.once})` : '';
          ctx.info(`task ${id} is READY: it has not started yet${once}; \`taskctl spaaza task run ${id}\` runs it now`);
        }
        last = code;
        progress?.stop();
        progress = FINAL.has(code) ? undefined : spinner(ctx, `task ${id}: ${code}`);
      }
      if (FINAL.has(code)) {
        event({ event: code === 'DONE' ? 'done' : 'error', code, state: task.state ?? null, ...(code === 'ERROR' ? { logs: task.logs ?? [] } : {}) });
        return task;
      }
      const left = deadline - ctx.now();
      if (left <= 0) {
        progress?.stop();
        progress = undefined;
        event({ event: 'timeout', code });
        failReported(ctx, ExitCode.NETWORK, `gave up waiting for task ${id} after ${durationText(opts.waitTimeoutMs!)} (--wait-timeout): it is still ${code}`, {
          hint: `the task is not affected; wait again with \`taskctl spaaza task wait ${id}\``,
        });
      }
      await ctx.sleep(Math.min(opts.intervalMs, left), ctx.signal);
    }
  } catch (err) {
    if (interrupted(ctx, err)) {
      event({ event: 'interrupted', code: last ?? null });
      failReported(ctx, interruptCode(ctx.signal), `interrupted while waiting for task ${id}${last ? ` (last seen ${last})` : ''}`, { hint: `the task is not affected; wait again with \`taskctl spaaza task wait ${id}\`` });
    }
    if (opts.events && err instanceof TaskctlError) {
      const code = exitCodeFor(err);
      event({ event: 'failed', error: { code, message: err.serverMessage ? `${err.message}: ${err.serverMessage}` : err.message, status: err.status ?? null } });
      failReported(ctx, code, err.message, { hint: err.hint, serverMessage: err.serverMessage });
    }
    throw err;
  } finally {
    progress?.stop();
  }
}

/** Exit 1 for a task that ended in ERROR, with its last error log lines. */
export function failOnError(ctx: Context, id: string, task: SpaazaTask | undefined): void {
  if (stateCode(task) !== 'ERROR') return;
  failReported(ctx, 1, `task ${id} ended in ERROR`, { hint: `see its logs: taskctl spaaza task get ${id}`, serverMessage: errorLogSummary(task) });
}

// ---------------------------------------------------------------- run

export interface RunOptions {
  /** keep polling when execute answers before the task finished */
  wait: boolean;
  intervalMs: number;
}

export interface RunResult {
  /** the state object execute answered, or the final one after waiting */
  state: SpaazaState;
  /** the task, when it was fetched (after waiting, or for an ERROR's logs) */
  task?: SpaazaTask;
}

/** `POST /tasks/{id}/execute` with a long timeout, retried only on 429, a spinner; then waits if it is still running. */
export async function runTask(ctx: Context, client: HttpClient, id: string, opts: RunOptions): Promise<RunResult | undefined> {
  const timeoutMs = ctx.globals.timeoutGiven ? ctx.globals.timeout : RUN_TIMEOUT_MS;
  const spin = spinner(ctx, `running task ${id}`);
  let state: SpaazaState | undefined;
  try {
    state = await executeTask(client, id, timeoutMs);
  } catch (err) {
    spin.stop();
    const hint = `it may still be running on the server: \`taskctl spaaza task wait ${id}\``;
    if (interrupted(ctx, err)) throw stoppedError(ctx.signal, { hint }, `interrupted while task ${id} was running`);
    if (err instanceof NetworkError && /timed out/.test(err.message)) {
      const limit = timeoutMs < 10_000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
      throw new NetworkError(`${err.message}: task ${id} did not finish within ${limit}`, { hint: `${hint}; or raise --timeout (milliseconds)` });
    }
    throw err;
  }
  spin.stop();
  if (!state) return undefined;
  if (!FINAL.has(state.code) && opts.wait) {
    // execute answered before the task finished (asynchronous server): poll like `task wait`
    const task = await waitForTask(ctx, client, id, { intervalMs: opts.intervalMs, events: false, readyHint: false });
    return { state: (task?.state as SpaazaState | undefined) ?? state, task };
  }
  if (state.code === 'ERROR') {
    // the state object has no logs; fetch them for the report
    const task = await getTask(client, id, { log_limit: 50 }).catch(() => undefined);
    return { state, task };
  }
  return { state };
}

// ---------------------------------------------------------------- download

/** Query parameters of pre-signed URLs that are credentials (S3, GCS, Azure SAS, CloudFront, tokens). */
const URL_SECRET_PARAM = /^(x-amz-(signature|credential|security-token)|x-goog-(signature|credential)|signature|sig|policy|key-pair-id|awsaccesskeyid|googleaccessid|access_?token|token|api_?key)$/i;

/**
 * Registers a pre-signed URL's credential-like query values for scrubbing, so --verbose (which logs the
 * request line) and any message show them as ***.
 */
export function registerUrlSecrets(secrets: SecretRegistry, url: string): void {
  const q = url.indexOf('?');
  if (q === -1) return;
  for (const part of url.slice(q + 1).split('#')[0].split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || !URL_SECRET_PARAM.test(safeDecode(part.slice(0, eq)))) continue;
    const raw = part.slice(eq + 1);
    secrets.add(raw);
    secrets.add(safeDecode(raw));
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The file name a download gets by default: the URL's last path segment (e.g. Wallet_Export-12345.csv). */
export function fileNameFromUrl(url: string, fallback: string): string {
  let name = '';
  try {
    const segs = new URL(url).pathname.split('/').filter(Boolean);
    name = safeDecode(segs[segs.length - 1] ?? '');
  } catch {
    /* fall back */
  }
  // never a path: keep the base name, drop control characters and leading dots
  name = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f]/g, '').replace(/^\.+/, '');
  return name || fallback;
}

export interface DownloadOptions {
  /** -o: a file, a directory, or - for stdout */
  output?: string;
  force: boolean;
  /** the task, when the caller already has it */
  task?: SpaazaTask;
}

export interface DownloadResult {
  id: number;
  /** absolute path, or null for stdout */
  file: string | null;
  /** what to show the user: the path as given, or the default name */
  shown: string;
  bytes: number;
  contentType: string | null;
}

/** Checks `-o` before anything is sent: an existing file needs --force. */
export function checkOutput(ctx: Context, output: string | undefined, force: boolean): void {
  if (output === undefined || output === '-') return;
  const abs = ctx.resolvePath(output);
  // `-o exports/` names a directory: one that does not exist fails here, not after the download
  if (/[\\/]$/.test(output) && !isDirectory(abs)) {
    throw new UsageError(`cannot write into ${output}: ${fs.existsSync(abs) ? 'it is a file, not a directory' : 'the directory does not exist'}`, { hint: 'create it first, or give a file name; nothing was sent' });
  }
  // the file goes into its parent directory: one that is missing or not a directory fails before anything is sent
  const parent = path.dirname(abs);
  let parentStat: fs.Stats | undefined;
  try {
    parentStat = fs.statSync(parent);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write ${output}: ${code === 'ENOENT' ? `the directory ${path.dirname(output)} does not exist` : `${path.dirname(output)}: ${code}`}`, { hint: 'check the -o path; nothing was sent' });
  }
  if (!parentStat.isDirectory()) throw new UsageError(`cannot write ${output}: ${path.dirname(output)} is a file, not a directory`, { hint: 'check the -o path; nothing was sent' });
  if (force) return;
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(abs);
  } catch {
    return;
  }
  if (!st.isDirectory()) throw new UsageError(`${output} already exists`, { hint: 'pass --force to overwrite it, or choose another -o; nothing was sent' });
}

function notDoneHint(id: string, code: string): string {
  if (code === 'READY') return `it has not run yet: \`taskctl spaaza task run ${id}\` runs it now`;
  if (code === 'INPROGRESS') return `it is still running: \`taskctl spaaza task wait ${id}\`, then download`;
  if (code === 'ERROR') return `the export failed; see its logs: \`taskctl spaaza task get ${id}\``;
  return 'only a DONE export task has a file';
}

/** `GET /tasks/{id}/download_url`, then the file from that pre-signed URL without our Authorization header. */
export async function downloadTask(ctx: Context, client: HttpClient, id: string, opts: DownloadOptions): Promise<DownloadResult | undefined> {
  const toStdout = opts.output === '-';
  checkOutput(ctx, opts.output, opts.force);
  const task = opts.task ?? (await getTask(client, id, { log_limit: 1 }));
  if (task) {
    const action = task.target?.action;
    if (action !== undefined && action !== 'export') throw new ApiError(`task ${id} is not an export (action "${String(action)}"): it has no file to download`);
    const code = stateCode(task);
    if (code !== 'DONE') throw new ApiError(`task ${id} is ${code}, not DONE: there is no file to download`, { hint: notDoneHint(id, code) });
  }
  const url = await getDownloadUrl(client, id);
  if (!url) {
    if (ctx.globals.dryRun) ctx.info('(--dry-run: the file is then fetched from the pre-signed URL that request answers, without the Authorization header)');
    return undefined;
  }
  registerUrlSecrets(ctx.secrets, url);
  const format = typeof task?.target?.export_format === 'string' ? task.target.export_format : 'csv';
  const name = fileNameFromUrl(url, `spaaza-export-${id}.${format}`);

  let file: string | null = null;
  let shown = '-';
  if (!toStdout) {
    if (opts.output !== undefined && isDirectory(ctx.resolvePath(opts.output))) {
      file = path.join(ctx.resolvePath(opts.output), name);
      shown = path.join(opts.output, name);
    } else {
      file = ctx.resolvePath(opts.output ?? name);
      shown = opts.output ?? name;
    }
    if (!opts.force && fs.existsSync(file)) {
      throw new UsageError(`${shown} already exists`, { hint: 'pass --force to overwrite it, or choose another -o; the file was not downloaded' });
    }
  }

  const dl = await openDownload(client, url);
  const progress: Progress =
    dl.length !== undefined ? progressBar(ctx, `${toStdout ? 'downloading' : shown}`) : spinner(ctx, `downloading ${toStdout ? '' : shown}`.trim());
  let bytes = 0;
  let lastDraw = 0;
  const tick = () => {
    const now = ctx.now();
    if (now - lastDraw < 100 && bytes !== dl.length) return;
    lastDraw = now;
    if (dl.length !== undefined) progress.update(bytes, dl.length, `${formatBytes(bytes)} of ${formatBytes(dl.length)}`);
  };

  let temp: string | null = null;
  try {
    if (toStdout) {
      const out = ctx.rawStdout as unknown as { write(chunk: Uint8Array): boolean; once?(ev: 'drain', fn: () => void): unknown };
      for await (const chunk of dl.stream) {
        const buf = chunk as Buffer;
        bytes += buf.length;
        tick();
        if (out.write(buf) === false && typeof out.once === 'function') await new Promise<void>((resolve) => out.once!('drain', resolve));
      }
    } else {
      temp = path.join(path.dirname(file!), `.${path.basename(file!)}.${randomBytes(4).toString('hex')}.part`);
      // downloads follow the umask (spec/CLI.md "Secrets"): the default mode, not 0600
      const sink = fs.createWriteStream(temp, { flags: 'wx' });
      const done = new Promise<void>((resolve, reject) => {
        sink.on('finish', resolve);
        sink.on('error', reject);
      });
      done.catch(() => {}); // awaited below; an early open error must not count as unhandled meanwhile
      try {
        for await (const chunk of dl.stream) {
          const buf = chunk as Buffer;
          bytes += buf.length;
          tick();
          if (!sink.write(buf)) await new Promise<void>((resolve, reject) => {
            sink.once('drain', resolve);
            sink.once('error', reject);
          });
        }
      } finally {
        sink.end();
      }
      await done;
    }
    if (dl.length !== undefined && bytes !== dl.length) {
      throw new NetworkError(`the download of task ${id}'s export ended early: ${formatBytes(bytes)} of ${formatBytes(dl.length)}`, { hint: 'run the download again' });
    }
    if (temp) {
      fs.renameSync(temp, file!);
      temp = null;
    }
  } catch (err) {
    progress.stop();
    if (interrupted(ctx, err)) throw stoppedError(ctx.signal, {}, `interrupted: the download of task ${id} was stopped${file ? '; nothing was saved' : ''}`);
    if (err instanceof TaskctlError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e?.code && /^E[A-Z]+$/.test(e.code) && e.syscall && ['open', 'write', 'rename'].includes(e.syscall)) {
      throw new UsageError(`cannot write ${shown}: ${e.code}`, { hint: 'check the -o path and permissions' });
    }
    throw new NetworkError(`the download of task ${id}'s export failed: ${(err as Error)?.message ?? String(err)}`, { hint: 'run the download again' });
  } finally {
    // the cleanup never hides the error that got us here
    if (temp) {
      try {
        fs.rmSync(temp, { force: true });
      } catch {
        /* nothing was written there */
      }
    }
  }
  progress.stop();
  return { id: Number(id), file, shown, bytes, contentType: dl.contentType ?? null };
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Tells the user where the file went (stderr) and prints the path (stdout) or the JSON record. */
export function reportDownload(ctx: Context, r: DownloadResult, opts: { printResult: boolean }): void {
  if (r.file === null) {
    ctx.info(`wrote ${formatBytes(r.bytes)} of task ${r.id}'s export to standard output`);
    return;
  }
  ctx.info(`${ctx.errStyle.green('✓')} saved task ${r.id}'s export to ${r.shown} (${formatBytes(r.bytes)})`);
  if (opts.printResult) {
    ctx.out.result({ id: r.id, file: r.file, bytes: r.bytes, contentType: r.contentType }, () => ctx.out.line(r.shown));
  }
}

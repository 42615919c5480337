/**
 * Runs `taskctl` in-process: main() from src/main.ts with fake streams, a private HOME/XDG tree, the
 * given env, a signal and optional injected sleep/now. No child process, real sockets, the real exit
 * code. Like runCli, it throws if any CANARY value or extra secret appears in stdout or stderr.
 */
import { Readable } from 'node:stream';
import { main } from '../../src/main.js';
import { baseEnv, CANARY, lastJsonLine, sandboxDir } from './cli.js';

export interface InProcessOptions {
  /** added to the base env; undefined deletes a key */
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  stdinTTY?: boolean;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  /** terminal width of stdout and stderr (default 120) */
  columns?: number;
  signal?: AbortSignal;
  /** aborts the run (reason: Error('interrupted')) after this many ms */
  abortAfterMs?: number;
  /** replaces the wait between polls; default: the real one */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** default: the home directory */
  cwd?: string;
  /** HOME, with XDG_CONFIG_HOME/XDG_CACHE_HOME under it (default: the test file's sandbox dir) */
  home?: string;
  /** extra strings that must not appear in the output (CANARY values are always checked) */
  secrets?: string[];
}

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout exactly as written (binary downloads) */
  stdoutBytes: Buffer;
  /** stdout parsed as JSON (throws if it is not) */
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** the JSON error line a --json/--query run prints last on stderr */
  errorJson<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** stdout parsed as NDJSON events */
  events<T = Record<string, unknown>>(): T[];
}

class Sink {
  private chunks: Buffer[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns: number,
  ) {}
  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
    return true;
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export async function runInProcess(args: string[], opts: InProcessOptions = {}): Promise<InProcessResult> {
  const home = opts.home ?? sandboxDir();
  const env: NodeJS.ProcessEnv = baseEnv(home);
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const columns = opts.columns ?? 120;
  const stdout = new Sink(Boolean(opts.stdoutTTY), columns);
  const stderr = new Sink(Boolean(opts.stderrTTY), columns);
  const stdin = Object.assign(Readable.from(opts.input !== undefined ? [opts.input] : []), { isTTY: Boolean(opts.stdinTTY) });
  const controller = new AbortController();
  const signal = !opts.signal ? controller.signal : opts.abortAfterMs === undefined ? opts.signal : AbortSignal.any([opts.signal, controller.signal]);
  const timer = opts.abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(new Error('interrupted')), opts.abortAfterMs);
  let code: number;
  try {
    code = await main(args, { streams: { stdin, stdout, stderr }, env, cwd: opts.cwd ?? home, signal, sleep: opts.sleep, now: opts.now });
  } finally {
    clearTimeout(timer);
  }
  const stdoutBytes = stdout.bytes;
  const out = stdoutBytes.toString('utf8');
  const err = stderr.bytes.toString('utf8');
  for (const s of [...Object.values(CANARY), ...(opts.secrets ?? [])]) {
    if (s && (out.includes(s) || err.includes(s))) {
      throw new Error(`secret leaked in output of "taskctl ${args.join(' ')}": ${s}\nstdout: ${out}\nstderr: ${err}`);
    }
  }
  return {
    code,
    stdout: out,
    stderr: err,
    stdoutBytes,
    json<T>() {
      return JSON.parse(out) as T;
    },
    errorJson<T>() {
      return lastJsonLine<T>(err);
    },
    events<T>() {
      return out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T);
    },
  };
}

/**
 * Runs `taskctl` in-process (src/main.ts) with fake streams against a fake Close server: no child
 * process, real sockets, the real exit code. Used by test/commands/close*.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/main.js';
import { startClose, type CloseOptions, type FakeClose } from '../servers/close.js';

export const KEY = 'inproc_close_key_5b1e';

export interface InProcResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function startFake(opts: CloseOptions = {}): Promise<FakeClose> {
  return startClose({ apiKeys: [KEY], lifetimeMs: 60_000, ...opts });
}

let home: string | undefined;
function sandbox(): string {
  if (!home) home = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-close-cmd-'));
  return home;
}

export async function taskctl(fake: FakeClose | { url: string }, args: string[], opts: { input?: string; env?: Record<string, string>; stdinTTY?: boolean; stdoutTTY?: boolean; stderrTTY?: boolean; abortAfterMs?: number } = {}): Promise<InProcResult> {
  const dir = sandbox();
  let stdout = '';
  let stderr = '';
  const input = opts.input ?? '';
  const stdin = {
    isTTY: opts.stdinTTY ?? false,
    async *[Symbol.asyncIterator]() {
      if (input) yield input;
    },
  };
  const controller = new AbortController();
  const timer = opts.abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(new Error('interrupted')), opts.abortAfterMs);
  const code = await main(args, {
    streams: {
      stdin,
      stdout: { isTTY: opts.stdoutTTY ?? false, columns: 120, write: (s: string) => (stdout += s) },
      stderr: { isTTY: opts.stderrTTY ?? false, columns: 120, write: (s: string) => (stderr += s) },
    },
    env: { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_CACHE_HOME: path.join(dir, 'cache'), CLOSE_URL: fake.url, CLOSE_API_KEY: KEY, ...opts.env },
    cwd: dir,
    signal: controller.signal,
  });
  clearTimeout(timer);
  if (stdout.includes(KEY) || stderr.includes(KEY) || stdout.includes(Buffer.from(`${KEY}:`).toString('base64')) || stderr.includes(Buffer.from(`${KEY}:`).toString('base64'))) {
    throw new Error(`the API key leaked:\n${stdout}\n${stderr}`);
  }
  return {
    code,
    stdout,
    stderr,
    json() {
      return JSON.parse(stdout);
    },
  };
}

/** The requests the fake received for the task routes (what was actually sent). */
export function taskRequests(fake: FakeClose): { method: string; path: string; body: string; query: URLSearchParams }[] {
  return fake.requests.filter((r) => r.path.startsWith('/api/v1/task/')).map((r) => ({ method: r.method, path: r.path, body: r.body, query: r.query }));
}

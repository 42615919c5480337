/**
 * Runs taskctl in-process (main() with fake streams, a private HOME and the profile from environment
 * variables) against the fake OpenHIM server, for the `openhim task|transaction` command tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach } from 'vitest';
import { main } from '../../src/main.js';
import { startOpenhim, type FakeOpenhim, type OpenhimOptions } from '../servers/openhim.js';
import type { RecordedRequest } from '../servers/base.js';

export const USER = 'ops@example.org';
export const PASSWORD = 'in-process-pw-3c1d';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
  /** stdout as NDJSON events */
  events<T = Record<string, unknown>>(): T[];
}

export interface InProcessOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  stdinTTY?: boolean;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  signal?: AbortSignal;
  /** replaces the wait between polls (e.g. to tick the fake's processor instead) */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  cwd?: string;
}

let home: string | undefined;
export function sandbox(): string {
  if (!home) home = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-cmd-'));
  return home;
}

export function writeFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(sandbox(), 'in-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export async function taskctl(fake: FakeOpenhim | { url: string }, args: string[], opts: InProcessOptions = {}): Promise<InProcessResult> {
  let out = '';
  let err = '';
  const stdout = { isTTY: opts.stdoutTTY, columns: 120, write: (s: string) => ((out += s), true) };
  const stderr = { isTTY: opts.stderrTTY, columns: 120, write: (s: string) => ((err += s), true) };
  const stdin = Object.assign(Readable.from(opts.input !== undefined ? [opts.input] : []), { isTTY: opts.stdinTTY });
  const h = sandbox();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: h,
    XDG_CONFIG_HOME: path.join(h, 'config'),
    XDG_CACHE_HOME: path.join(h, 'cache'),
    OPENHIM_URL: fake.url,
    OPENHIM_USERNAME: USER,
    OPENHIM_PASSWORD: PASSWORD,
    // 4.0.5 has no Basic: token from the start, so the recorded requests are exactly what the command sent
    ...('flavor' in fake && fake.flavor === '4.0.5' ? { OPENHIM_AUTH: 'token' } : {}),
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const code = await main(args, {
    streams: { stdin, stdout, stderr },
    env,
    cwd: opts.cwd ?? h,
    signal: opts.signal ?? new AbortController().signal,
    sleep: opts.sleep,
  });
  if (out.includes(PASSWORD) || err.includes(PASSWORD)) throw new Error(`password leaked by taskctl ${args.join(' ')}`);
  return {
    code,
    stdout: out,
    stderr: err,
    json<T>() {
      return JSON.parse(out) as T;
    },
    events<T>() {
      return out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T);
    },
  };
}

const servers: FakeOpenhim[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A fake OpenHIM with an admin user for the in-process runs; closed after each test. */
export async function fakeOpenhim(opts: OpenhimOptions = {}): Promise<FakeOpenhim> {
  const s = await startOpenhim({ lifetimeMs: 60_000, ...opts, users: [{ email: USER, password: PASSWORD, groups: ['admin'] }, ...(opts.users ?? [])] });
  servers.push(s);
  return s;
}

/** The API requests a command sent (the public token exchange left out). */
export function apiRequests(fake: FakeOpenhim): RecordedRequest[] {
  return fake.requests.filter((r) => !r.path.startsWith('/authenticate') && r.path !== '/heartbeat');
}

export function filtersOf(r: RecordedRequest): unknown {
  const f = r.query.get('filters');
  return f === null ? undefined : JSON.parse(f);
}

/** A sleep that runs one processor poll instead of waiting (watch tests stay fast and deterministic). */
export function tickingSleep(fake: FakeOpenhim, onTick?: (n: number) => void | Promise<void>) {
  let n = 0;
  return async (_ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) throw signal.reason;
    n++;
    await onTick?.(n);
    if (signal?.aborted) throw signal.reason;
    await fake.processor.tick();
  };
}

export const UNKNOWN = '5f0000000000000000000000';

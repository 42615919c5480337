/**
 * The Close side of the in-process runner (test/helpers/inprocess.ts): the fake Close server, the
 * profile from environment variables and the API key check. Used by test/commands/close*.test.ts.
 */
import { runInProcess, type InProcessOptions, type InProcessResult } from '../helpers/inprocess.js';
import { startClose, type CloseOptions, type FakeClose } from '../servers/close.js';

export const KEY = 'inproc_close_key_5b1e';

export function startFake(opts: CloseOptions = {}): Promise<FakeClose> {
  return startClose({ apiKeys: [KEY], lifetimeMs: 60_000, ...opts });
}

export function taskctl(fake: FakeClose | { url: string }, args: string[], opts: InProcessOptions = {}): Promise<InProcessResult> {
  return runInProcess(args, {
    ...opts,
    env: { CLOSE_URL: fake.url, CLOSE_API_KEY: KEY, ...opts.env },
    // the key, and the key as a Basic credential
    secrets: [KEY, Buffer.from(`${KEY}:`).toString('base64'), ...(opts.secrets ?? [])],
  });
}

/** The requests the fake received for the task routes (what was actually sent). */
export function taskRequests(fake: FakeClose): { method: string; path: string; body: string; query: URLSearchParams }[] {
  return fake.requests.filter((r) => r.path.startsWith('/api/v1/task/')).map((r) => ({ method: r.method, path: r.path, body: r.body, query: r.query }));
}

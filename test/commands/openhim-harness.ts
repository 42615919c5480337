/**
 * The OpenHIM side of the in-process runner (test/helpers/inprocess.ts): the profile from environment
 * variables, the fake OpenHIM server and request filters, for the `openhim task|transaction` command tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { sandboxDir } from '../helpers/cli.js';
import { runInProcess, type InProcessOptions, type InProcessResult } from '../helpers/inprocess.js';
import { startOpenhim, type FakeOpenhim, type OpenhimOptions } from '../servers/openhim.js';
import type { RecordedRequest } from '../servers/base.js';

export const USER = 'ops@example.org';
export const PASSWORD = 'in-process-pw-3c1d';

export function writeFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(sandboxDir(), 'in-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export function taskctl(fake: FakeOpenhim | { url: string }, args: string[], opts: InProcessOptions = {}): Promise<InProcessResult> {
  return runInProcess(args, {
    ...opts,
    env: {
      OPENHIM_URL: fake.url,
      OPENHIM_USERNAME: USER,
      OPENHIM_PASSWORD: PASSWORD,
      // 4.0.5 has no Basic: token from the start, so the recorded requests are exactly what the command sent
      ...('flavor' in fake && fake.flavor === '4.0.5' ? { OPENHIM_AUTH: 'token' } : {}),
      ...opts.env,
    },
    secrets: [PASSWORD, ...(opts.secrets ?? [])],
  });
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

/**
 * The sandbox: the four emulators on 127.0.0.1 over one state file, so separate commands build on each other.
 * Used in-process by `--sandbox` (ephemeral ports) and by `taskctl sandbox serve` (fixed ports). Loaded only
 * when the sandbox is used.
 *
 * Every request is a transaction on the state file, under the lock of the one locked writer
 * (src/config/write.ts): load the file's state into the emulators, let the OpenHIM processor catch up on the
 * time since it last ran, handle the request, write the state back if it changed. So several processes
 * (two shells, a `serve` and a `--sandbox` command, a `--wait` in one terminal and a create in another) share
 * one sandbox and lose nothing: no process writes a state it read before another one's write. The
 * processor has no timer: it runs, for the time that passed, whenever anyone asks.
 *
 * The emulators follow the newest behaviour in providers/*.md: OpenHIM is the "8.5.0" master build (Basic
 * auth, 404 for unknown task ids, the 7.1+ processor), not 4.0.5 (token auth only, 500/200 for unknown ids,
 * the round-based processor); the 4.0.5 behaviour exists in the emulator (flavor '4.0.5') for the tests only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startOpenhim, type FakeOpenhim, type OpenhimSnapshot } from './openhim.js';
import { startConductor, type ConductorSnapshot, type FakeConductor } from './conductor.js';
import { startClose, type CloseSnapshot, type FakeClose } from './close.js';
import { startSpaaza, type FakeSpaaza, type SpaazaSnapshot } from './spaaza.js';
import type { Faults } from './server.js';
import { seedDemo } from './seed.js';
import { stateDir } from '../config/trust.js';
import { PROVIDER_FACTS, type Provider } from '../config/providers.js';
import type { ResolvedProfile } from '../config/resolve.js';

/** The sandbox's credentials: public on purpose, they open nothing but the sandbox. */
export const SANDBOX_CREDENTIALS = {
  openhim: { username: 'root@openhim.org', password: 'openhim-password', auth: 'basic' },
  conductor: { keyId: 'sandbox-key-id', keySecret: 'sandbox-key-secret' },
  close: { apiKey: 'api_sandbox_key' },
  spaaza: { tokenId: 'sandbox-token-id', tokenSecret: 'sandbox-token-secret', chain: 1764 },
} as const;

/** the OpenHIM processor polls this often in the sandbox (the real core: every 2 s) */
const POLL_MS = 250;
/** at most this many polls are caught up at once (a sandbox untouched for days is simply finished) */
const MAX_CATCH_UP = 4000;
const STATE_VERSION = 2;

export interface SandboxState {
  version: number;
  /** epoch ms up to which the OpenHIM processor has run: the next request catches up on the time since */
  processorAt: number;
  openhim: OpenhimSnapshot;
  conductor: ConductorSnapshot;
  close: CloseSnapshot;
  spaaza: SpaazaSnapshot;
}

export interface SandboxOptions {
  stateFile: string;
  /** `sandbox serve`: OpenHIM on port, Conductor +1, Close +2, Spaaza +3 (default: ephemeral ports) */
  port?: number;
  faults?: Faults;
  /** write the seeded demo over whatever state there is (`sandbox reset`) */
  reset?: boolean;
}

export interface Sandbox {
  stateFile: string;
  /** true when this run created the state file (a fresh seeded demo) */
  fresh: boolean;
  /** true when a state file was there but unreadable (not JSON, or of another version) and the seed replaced it */
  replaced: boolean;
  urls: Record<Provider, string>;
  profile(provider: Provider): ResolvedProfile;
  save(): Promise<void>;
  close(): Promise<void>;
}

/** The warning when `replaced`: said by --sandbox commands and by `sandbox serve`. */
export function replacedWarning(file: string): string {
  return `the sandbox state in ${file} was unreadable (not taskctl's, or from another version): it now holds the seeded demo again`;
}

/** $XDG_STATE_HOME/taskctl/sandbox.json (default ~/.local/state/taskctl/sandbox.json) */
export function defaultStateFile(env: NodeJS.ProcessEnv): string {
  return path.join(stateDir(env), 'sandbox.json');
}

/** The saved state, or null when there is none (or it is unreadable: the sandbox then starts afresh). */
export function readState(file: string): SandboxState | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return parseState(text);
}

/** Writes the state through the one locked, atomic writer of config and state files (0600, 0700 directory). */
export async function writeState(file: string, state: SandboxState): Promise<void> {
  const { updateFileLocked } = await import('../config/write.js');
  await updateFileLocked(file, () => `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

function parseState(text: string | null): SandboxState | null {
  if (text === null) return null;
  try {
    const st = JSON.parse(text) as SandboxState;
    return st && st.version === STATE_VERSION && st.openhim && st.conductor && st.close && st.spaaza ? st : null;
  } catch {
    return null;
  }
}

/** the state's text; `processorAt` alone changing (an idle processor) is no reason to write */
const stateText = (st: SandboxState) => `${JSON.stringify(st)}\n`;
const sameApartFromClock = (a: SandboxState, b: SandboxState | null) => b !== null && stateText({ ...a, processorAt: 0 }) === stateText({ ...b, processorAt: 0 });

export async function openSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const { updateFileLocked } = await import('../config/write.js');
  // requests of this process take turns (the file lock serialises processes, this queue the requests within one)
  let queue: Promise<unknown> = Promise.resolve();
  let inTransaction = false;
  let processorAt = Date.now();
  let fresh = false;
  let replaced = false;
  let emulators: { openhim: FakeOpenhim; conductor: FakeConductor; close: FakeClose; spaaza: FakeSpaaza } | undefined;
  const current = (): SandboxState => {
    const e = emulators!;
    return { version: STATE_VERSION, processorAt, openhim: e.openhim.snapshot(), conductor: e.conductor.snapshot(), close: e.close.snapshot(), spaaza: e.spaaza.snapshot() };
  };
  /** the processor runs for the time since it last ran (until it has nothing to do) */
  const catchUp = async () => {
    const now = Date.now();
    const owed = Math.floor((now - processorAt) / POLL_MS);
    let ran = 0;
    while (ran < Math.min(owed, MAX_CATCH_UP) && (await emulators!.openhim.processor.tick())) ran++;
    // idle (or too far behind): the time is not owed any more
    processorAt = ran < owed ? now : processorAt + ran * POLL_MS;
  };
  const transaction = <T>(fn: () => Promise<T>): Promise<T> => {
    // a request made while one is handled (none today) must not wait for itself
    if (inTransaction) return fn();
    const run = async () => {
      let result: T;
      await updateFileLocked(
        opts.stateFile,
        async (old) => {
          inTransaction = true;
          try {
            const before = parseState(old);
            if (before) {
              const e = emulators!;
              e.openhim.load(before.openhim);
              e.conductor.load(before.conductor);
              e.close.load(before.close);
              e.spaaza.load(before.spaaza);
              processorAt = before.processorAt;
            } else {
              // no state (first use, or removed/unreadable): what this process holds, the seeded demo on first use
              processorAt = Date.now();
            }
            await catchUp();
            result = await fn();
            const after = current();
            return before && sameApartFromClock(after, before) ? null : stateText(after);
          } finally {
            inTransaction = false;
          }
        },
        { mode: 0o600 },
      );
      return result!;
    };
    const p = queue.then(run, run);
    queue = p.catch(() => undefined);
    return p;
  };
  const serve = (offset: number) => ({ record: false, faults: opts.faults, transaction, ...(opts.port !== undefined ? { port: opts.port + offset } : {}) });
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    const openhim: FakeOpenhim = await startOpenhim({ flavor: 'master', processor: 'manual', lifetimeMs: 0, serve: serve(0) });
    started.push(openhim);
    const conductor: FakeConductor = await startConductor({
      ...SANDBOX_CREDENTIALS.conductor,
      callerUser: 'sandbox-user',
      callerName: 'Sandbox User',
      instance: 'taskctl-sandbox',
      lifetimeMs: 0,
      serve: serve(1),
    });
    started.push(conductor);
    const close: FakeClose = await startClose({
      apiKeys: [SANDBOX_CREDENTIALS.close.apiKey],
      user: { email: 'sandbox@example.com', first_name: 'Sandbox', last_name: 'User' },
      rateLimit: { requestsPerSecond: 20 },
      lifetimeMs: 0,
      serve: serve(2),
    });
    started.push(close);
    const spaaza: FakeSpaaza = await startSpaaza({
      tokenId: SANDBOX_CREDENTIALS.spaaza.tokenId,
      tokenSecret: SANDBOX_CREDENTIALS.spaaza.tokenSecret,
      chain: SANDBOX_CREDENTIALS.spaaza.chain,
      lifetimeMs: 0,
      serve: serve(3),
    });
    started.push(spaaza);
    emulators = { openhim, conductor, close, spaaza };
    // the seeded demo, written now unless another process's state is already there
    seedDemo(emulators);
    await updateFileLocked(opts.stateFile, (old) => {
      if (!opts.reset && parseState(old)) return null;
      fresh = true;
      replaced = old !== null && !opts.reset;
      processorAt = Date.now();
      return stateText(current());
    });
    const urls: Record<Provider, string> = { openhim: openhim.url, conductor: conductor.url, close: close.url, spaaza: spaaza.url };
    const values: Record<Provider, Record<string, unknown>> = {
      openhim: { ...SANDBOX_CREDENTIALS.openhim },
      conductor: { ...SANDBOX_CREDENTIALS.conductor },
      close: { ...SANDBOX_CREDENTIALS.close },
      spaaza: { ...SANDBOX_CREDENTIALS.spaaza },
    };
    return {
      stateFile: opts.stateFile,
      fresh,
      replaced,
      urls,
      profile(provider) {
        const v: ResolvedProfile['values'] = { url: urls[provider], insecure: false, ...values[provider] };
        const fields = Object.fromEntries(Object.entries(v).map(([k, value]) => [k, { value, source: 'sandbox' }]));
        return { name: 'sandbox', provider, file: null, fields, values: v, secret: String(v[PROVIDER_FACTS[provider].secret]), unset: [], sandbox: true };
      },
      // every request saved its own changes; this brings the processor's work up to now into the file
      save: () => transaction(async () => undefined),
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
}

/** What `sandbox status` reports: counts per provider from a state (no server needed). */
export function summarize(state: SandboxState): Record<Provider, Record<string, number>> {
  const count = <T>(items: T[], key: (t: T) => string) => items.reduce<Record<string, number>>((acc, t) => ((acc[key(t)] = (acc[key(t)] ?? 0) + 1), acc), {});
  return {
    openhim: { transactions: state.openhim.transactions.length, tasks: state.openhim.tasks.length, ...prefix('tasks ', count(state.openhim.tasks, (t) => t.status)), ...prefix('transactions ', count(state.openhim.transactions, (t) => t.status)) },
    conductor: { 'human tasks': state.conductor.tasks.length, ...prefix('human tasks ', count(state.conductor.tasks, (t) => t.state)) },
    close: { tasks: state.close.tasks.length, 'tasks open': state.close.tasks.filter((t) => !t.is_complete).length },
    spaaza: { tasks: state.spaaza.tasks.length, ...prefix('tasks ', count(state.spaaza.tasks, (t) => t.state.code)) },
  };
}

function prefix(p: string, o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [`${p}${k}`, v]));
}

// Starts and stops a real OpenHIM core 4.0.5 on CongoDB (both installed by test/real/setup/install.mjs)
// for the integration suite. Linux only (uses /proc to recognise our own processes).
//
//   const stack = await startStack({ pollPeriodMillis: 500 });
//   ... stack.apiUrl, stack.certPath, stack.rootEmail ...
//   await stack.stop();
//
// or, in a vitest file: `const stack = useRealStack();` then `stack()` inside tests.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

export interface Ports {
  /** api.httpsPort: the REST API (HTTPS only) */
  api: number;
  /** router.httpsPort */
  routerHttps: number;
  /** router.httpPort: send requests here to create transactions */
  routerHttp: number;
  /** rerun.httpPort: where the task processor replays transactions */
  rerun: number;
  /** tcpAdapter.httpReceiver.httpPort */
  tcpHttpReceiver: number;
  /** polling.pollingPort */
  polling: number;
  /** CongoDB */
  mongo: number;
}

export interface StackOptions {
  /** Run the rerun task processor (default true). With false, unpaused tasks stay Queued. */
  processor?: boolean;
  /** rerun.processor.pollPeriodMillis (OpenHIM default 2000). */
  pollPeriodMillis?: number;
  /** Fixed ports; the others are picked free. */
  ports?: Partial<Ports>;
}

export interface Stack {
  /** https://localhost:<api>: verifies with certPath as CA */
  apiUrl: string;
  /** https://127.0.0.1:<api>: fails the host-name check (ERR_TLS_CERT_ALTNAME_INVALID) */
  apiUrlIp: string;
  /** http://127.0.0.1:<routerHttp> */
  routerUrl: string;
  /** The core's bundled resources/certs/default/cert.pem (CN=localhost, self-signed) */
  certPath: string;
  rootEmail: string;
  rootPassword: string;
  ports: Ports;
  /** Both processes' logs so far. */
  logs(): string;
  /** SIGTERM OpenHIM's master (SIGKILL after 10 s), then the same for CongoDB. Idempotent. */
  stop(): Promise<void>;
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = path.join(REPO, '.cache', 'real-openhim');
const RUN_DIR = path.join(CACHE, 'run');
const LOG_DIR = path.join(CACHE, 'logs');
const CONGO_DIR = path.join(CACHE, 'congodb');
const OPENHIM_CORE = path.join(CACHE, 'openhim', 'node_modules', 'openhim-core');
const INSTALLER = path.join(REPO, 'test', 'real', 'setup', 'install.mjs');
const CONGO_WRAPPER = path.join(REPO, 'test', 'real', 'setup', 'congo-server.mjs');
const PARENT_WATCH = path.join(REPO, 'test', 'real', 'setup', 'parent-watch.cjs');
const INSTALL_HINT = `Run the installer first: node ${path.relative(process.cwd(), INSTALLER) || INSTALLER} (needs the npm registry; ~15-50 s cold)`;

/** Every process of a stack carries this variable; it is how leftovers are recognised. */
const MARKER = 'TASKCTL_REAL_STACK';
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const KEEP_LOG_FILES = 40;

// ------------------------------------------------------------------------------------------- install

/** Runs the installer (a no-op when everything is cached); throws a message that says how to run it by hand. */
export function ensureInstalled(): void {
  const r = spawnSync(process.execPath, [INSTALLER], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error || r.status !== 0) {
    throw new Error(
      `Installing the real OpenHIM stack failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}).\n${out}\n${INSTALL_HINT}`,
    );
  }
  if (out) process.stdout.write(`${out}\n`);
}

function assertInstalled(): void {
  const missing = [path.join(OPENHIM_CORE, 'lib', 'server.js'), path.join(CONGO_DIR, 'congodb', 'index.js')].filter(
    (f) => !fs.existsSync(f),
  );
  if (missing.length) throw new Error(`The real OpenHIM stack is not installed (missing ${missing.join(', ')}). ${INSTALL_HINT}`);
}

// ------------------------------------------------------------------------------------------- /proc

function readProc(pid: number, file: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks); identifies a process across PID reuse. */
function startTime(pid: number): string | undefined {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 on
  if (fields[0] === 'Z') return undefined; // zombie: as good as gone
  return fields[19];
}

const alive = (pid: number): boolean => startTime(pid) !== undefined;

/** Our node processes: OpenHIM master (title `Core`), its worker, or the CongoDB wrapper, carrying the stack's marker. */
function isOurs(pid: number, stackId: string): boolean {
  const cmdline = readProc(pid, 'cmdline')?.replace(/\0+/g, ' ').trim();
  if (!cmdline || !/^Core\b|lib\/server\.js|congo-server\.mjs/.test(cmdline)) return false;
  return (readProc(pid, 'environ') ?? '').split('\0').includes(`${MARKER}=${stackId}`);
}

/** Every live process carrying the stack's marker (finds OpenHIM workers, also orphaned ones). */
function markedPids(stackId: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pid !== process.pid && isOurs(pid, stackId));
}

function killIfOurs(pid: number | undefined, stackId: string, signal: NodeJS.Signals): void {
  if (!pid || !isOurs(pid, stackId)) return;
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

// ------------------------------------------------------------------------------------------- run records

interface RunRecord {
  id: string;
  owner: number;
  ownerStart?: string;
  openhim?: number;
  congo?: number;
}

const recordFile = (id: string) => path.join(RUN_DIR, `${id}.pids.json`);
const confFile = (id: string) => path.join(RUN_DIR, `${id}.openhim.json`);

function writeRecord(rec: RunRecord): void {
  fs.writeFileSync(recordFile(rec.id), JSON.stringify(rec, null, 2) + '\n');
}

function removeRunFiles(id: string): void {
  fs.rmSync(recordFile(id), { force: true });
  fs.rmSync(confFile(id), { force: true });
}

/** Kills what earlier, dead harness processes left running (only verified processes of ours) and drops their records. */
function killStale(): void {
  let files: string[];
  try {
    files = fs.readdirSync(RUN_DIR).filter((f) => f.endsWith('.pids.json'));
  } catch {
    return;
  }
  for (const f of files) {
    let rec: RunRecord;
    try {
      rec = JSON.parse(fs.readFileSync(path.join(RUN_DIR, f), 'utf8')) as RunRecord;
    } catch {
      fs.rmSync(path.join(RUN_DIR, f), { force: true });
      continue;
    }
    if (!rec.id) continue;
    const ownerLives = rec.owner !== process.pid && startTime(rec.owner) !== undefined && startTime(rec.owner) === rec.ownerStart;
    if (ownerLives) continue; // a stack of another live test process (parallel worker)
    const pids = [...new Set([rec.openhim, rec.congo, ...markedPids(rec.id)])].filter(
      (p): p is number => !!p && isOurs(p, rec.id),
    );
    for (const pid of pids) killIfOurs(pid, rec.id, 'SIGKILL');
    if (pids.length) process.stderr.write(`[real-openhim] killed leftovers of stack ${rec.id}: pids ${pids.join(', ')}\n`);
    removeRunFiles(rec.id);
  }
}

// ------------------------------------------------------------------------------------------- cleanup on exit

interface Live {
  id: string;
  openhim?: ChildProcess;
  congo?: ChildProcess;
  stop(): Promise<void>;
}
const live = new Map<string, Live>();

function killSync(l: Live): void {
  for (const child of [l.openhim, l.congo]) {
    if (child && !hasExited(child)) child.kill('SIGKILL');
  }
  for (const pid of markedPids(l.id)) killIfOurs(pid, l.id, 'SIGKILL');
  removeRunFiles(l.id);
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const l of live.values()) killSync(l);
    live.clear();
  });
  const onSignal = (signal: NodeJS.Signals) => {
    process.removeListener(signal, onSignal);
    // Stop gracefully (OpenHIM's master leaves at once on SIGTERM), so that Node reaps the children;
    // whatever is left after 5 s is killed. Then keep the default behaviour (terminate) unless
    // someone else handles the signal.
    const stacks = [...live.values()];
    void Promise.race([Promise.all(stacks.map((l) => l.stop())), sleep(5000)]).then(() => {
      for (const l of live.values()) killSync(l);
      live.clear();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

// ------------------------------------------------------------------------------------------- ports

function listenOnce(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(srv));
  });
}

const closeServer = (srv: net.Server) => new Promise<void>((resolve) => srv.close(() => resolve()));

async function isFree(port: number): Promise<boolean> {
  try {
    await closeServer(await listenOnce(port));
    return true;
  } catch {
    return false;
  }
}

const PORT_KEYS: (keyof Ports)[] = ['api', 'routerHttps', 'routerHttp', 'rerun', 'tcpHttpReceiver', 'polling', 'mongo'];

async function choosePorts(fixed: Partial<Ports> = {}): Promise<Ports> {
  // Hold all the port-0 listeners at once so the seven ports are distinct, then release them.
  const held: net.Server[] = [];
  const ports = {} as Ports;
  try {
    for (const key of PORT_KEYS) {
      if (fixed[key]) {
        ports[key] = fixed[key];
        continue;
      }
      const srv = await listenOnce(0);
      held.push(srv);
      ports[key] = (srv.address() as net.AddressInfo).port;
    }
  } finally {
    await Promise.all(held.map(closeServer));
  }
  const values = PORT_KEYS.map((k) => ports[k]);
  if (new Set(values).size !== values.length) throw new Error(`ports must be distinct: ${JSON.stringify(ports)}`);
  const busy: string[] = [];
  for (const key of PORT_KEYS) if (!(await isFree(ports[key]))) busy.push(`${key}=${ports[key]}`);
  if (busy.length) throw new Error(`ports already in use on 127.0.0.1: ${busy.join(', ')}`);
  return ports;
}

function tcpConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

function heartbeatOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: '/heartbeat', rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
  });
}

// ------------------------------------------------------------------------------------------- logs

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const tail = (text: string, lines = 40) => text.trimEnd().split('\n').slice(-lines).join('\n');

function pruneLogs(): void {
  try {
    const files = fs
      .readdirSync(LOG_DIR)
      .map((f) => ({ f, t: fs.statSync(path.join(LOG_DIR, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(KEEP_LOG_FILES)) fs.rmSync(path.join(LOG_DIR, f), { force: true });
  } catch {
    /* nothing to prune */
  }
}

function childEnv(stackId: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [MARKER]: stackId, NODE_ENV: 'production' };
  // No TS loaders etc. in the servers; and no nconf overrides (`api_httpsPort=…`) leaking in from the caller's shell.
  delete env.NODE_OPTIONS;
  for (const key of Object.keys(env)) {
    if (/^(conf|bindAddress|mongo|logger|router|api|rerun|tcpAdapter|polling|auditing|statsd|caching)(_|$)/.test(key)) delete env[key];
  }
  return env;
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

function exitPromise(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM, wait up to STOP_GRACE_MS, then SIGKILL; resolves when the process has exited.
 * `child` is our own child: until Node reaps it (the 'exit' event), its PID cannot belong to anyone else.
 */
async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || hasExited(child)) return;
  const exited = exitPromise(child);
  child.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_GRACE_MS).then(() => true)]);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

// ------------------------------------------------------------------------------------------- start

let counter = 0;

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  try {
    return await startOnce(opts);
  } catch (err) {
    // Auto-picked ports can be taken between picking and binding; try once more with new ones.
    if (err instanceof PortRaceError) return startOnce(opts);
    throw err;
  }
}

class PortRaceError extends Error {}

async function startOnce(opts: StackOptions): Promise<Stack> {
  const t0 = performance.now();
  assertInstalled();
  fs.mkdirSync(RUN_DIR, { recursive: true });
  fs.mkdirSync(LOG_DIR, { recursive: true });
  killStale();
  pruneLogs();
  installExitHandlers();

  const ports = await choosePorts(opts.ports);
  const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}-${++counter}`;
  const congoLog = path.join(LOG_DIR, `${id}-congodb.log`);
  const openhimLog = path.join(LOG_DIR, `${id}-openhim.log`);
  const logs = () =>
    `--- CongoDB (${congoLog}) ---\n${readText(congoLog)}\n--- OpenHIM (${openhimLog}) ---\n${readText(openhimLog)}`;
  const logTails = () =>
    `--- CongoDB log tail (${congoLog}) ---\n${tail(readText(congoLog))}\n--- OpenHIM log tail (${openhimLog}) ---\n${tail(readText(openhimLog))}`;

  const rerun: Record<string, unknown> = { host: '127.0.0.1', httpPort: ports.rerun, processor: { enabled: opts.processor ?? true } };
  if (opts.pollPeriodMillis !== undefined) (rerun.processor as Record<string, unknown>).pollPeriodMillis = opts.pollPeriodMillis;
  const mongoUrl = `mongodb://127.0.0.1:${ports.mongo}/openhim`;
  const override = {
    bindAddress: '127.0.0.1',
    mongo: { url: mongoUrl, atnaUrl: mongoUrl },
    logger: { level: 'info', logToDB: false },
    api: { httpsPort: ports.api },
    router: { externalHostname: '127.0.0.1', httpPort: ports.routerHttp, httpsPort: ports.routerHttps },
    rerun,
    tcpAdapter: { httpReceiver: { host: '127.0.0.1', httpPort: ports.tcpHttpReceiver } },
    polling: { host: '127.0.0.1', pollingPort: ports.polling },
  };
  fs.writeFileSync(confFile(id), JSON.stringify(override, null, 2) + '\n');

  const rec: RunRecord = { id, owner: process.pid, ownerStart: startTime(process.pid) };
  writeRecord(rec);

  const env = childEnv(id);
  const spawnLogged = (args: string[], cwd: string, logFile: string): ChildProcess => {
    const fd = fs.openSync(logFile, 'a');
    try {
      // parent-watch.cjs: the servers stop by themselves if this process dies without stopping them.
      return spawn(process.execPath, ['--require', PARENT_WATCH, ...args], { cwd, env, stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd);
    }
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      const workers = markedPids(id).filter((p) => p !== l.openhim?.pid && p !== l.congo?.pid);
      await terminate(l.openhim);
      // The worker leaves with its master; make sure, then stop the database.
      for (let i = 0; i < 50 && workers.some(alive); i++) await sleep(100);
      for (const pid of workers) killIfOurs(pid, id, 'SIGKILL');
      await terminate(l.congo);
      for (const pid of markedPids(id)) killIfOurs(pid, id, 'SIGKILL');
      live.delete(id);
      removeRunFiles(id);
    })());

  const l: Live = { id, stop };
  live.set(id, l);

  const fail = async (reason: string, ErrorType: new (message: string) => Error = Error): Promise<never> => {
    await stop();
    throw new ErrorType(`Real OpenHIM stack failed to start: ${reason}\n${logTails()}`);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;

  // CongoDB: ready when a TCP connect succeeds.
  l.congo = spawnLogged([CONGO_WRAPPER, CONGO_DIR, String(ports.mongo)], CONGO_DIR, congoLog);
  rec.congo = l.congo.pid;
  writeRecord(rec);
  for (;;) {
    if (hasExited(l.congo)) {
      const busy = readText(congoLog).includes('EADDRINUSE') && !opts.ports?.mongo;
      return fail(`CongoDB exited (${l.congo.exitCode ?? l.congo.signalCode})`, busy ? PortRaceError : Error);
    }
    if (await tcpConnects(ports.mongo)) break;
    if (Date.now() > deadline) return fail(`CongoDB did not accept connections on 127.0.0.1:${ports.mongo} within ${READY_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
  const tCongo = performance.now();

  // OpenHIM: ready when the log says so AND /heartbeat answers 200; fail fast on a dying worker or master.
  l.openhim = spawnLogged([path.join('lib', 'server.js'), `--conf=${confFile(id)}`], OPENHIM_CORE, openhimLog);
  rec.openhim = l.openhim.pid;
  writeRecord(rec);
  for (;;) {
    const text = readText(openhimLog);
    const died = /worker \d+ died/.exec(text);
    if (died) {
      const race = text.includes('EADDRINUSE') && PORT_KEYS.every((k) => !opts.ports?.[k]);
      return fail(`OpenHIM ${died[0]}`, race ? PortRaceError : Error);
    }
    if (hasExited(l.openhim)) {
      return fail(`OpenHIM master exited (${l.openhim.exitCode ?? l.openhim.signalCode})`);
    }
    if (hasExited(l.congo)) return fail('CongoDB exited while OpenHIM was starting');
    if (text.includes('OpenHIM server started') && (await heartbeatOk(ports.api))) break;
    if (Date.now() > deadline) {
      return fail(`not ready within ${READY_TIMEOUT_MS / 1000} s (need "OpenHIM server started" in the log and 200 from /heartbeat)`);
    }
    await sleep(150);
  }
  const secs = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
  process.stdout.write(
    `[real-openhim] stack ${id} ready in ${secs(t0, performance.now())} s (CongoDB ${secs(t0, tCongo)} s); API https://localhost:${ports.api}, router http://127.0.0.1:${ports.routerHttp}\n`,
  );

  return {
    apiUrl: `https://localhost:${ports.api}`,
    apiUrlIp: `https://127.0.0.1:${ports.api}`,
    routerUrl: `http://127.0.0.1:${ports.routerHttp}`,
    certPath: path.join(OPENHIM_CORE, 'resources', 'certs', 'default', 'cert.pem'),
    rootEmail: 'root@openhim.org',
    rootPassword: 'openhim-password',
    ports,
    logs,
    stop,
  };
}

// ------------------------------------------------------------------------------------------- vitest helper

/**
 * One stack per test file: installs (no-op when cached) and starts it in beforeAll, stops it in afterAll.
 * Returns a getter to call inside tests.
 */
export function useRealStack(opts: StackOptions = {}): () => Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    ensureInstalled();
    stack = await startStack(opts);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error('the real OpenHIM stack is not running (did beforeAll fail?)');
    return stack;
  };
}

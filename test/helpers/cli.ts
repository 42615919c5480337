/**
 * Runs the built `taskctl` binary as a child process (real exit codes, real streams) and checks that
 * no canary secret ever appears in what it printed. Every end-to-end test goes through runCli, so the
 * canary scan covers the whole suite.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'taskctl.js');

/** Secrets used by tests; none of them may ever be printed. */
export const CANARY = {
  openhimPassword: 'canary-openhim-pw-7f3a9c',
  conductorSecret: 'canary-conductor-secret-51e2',
  closeApiKey: 'canary_close_api_key_9d04',
  spaazaSecret: 'canary-spaaza-secret-c8b6',
} as const;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws if it is not) */
  json<T = unknown>(): T;
  /** the JSON error line a --json/--query run prints last on stderr (throws if there is none) */
  errorJson<T = { error: Record<string, unknown> }>(): T;
}

/** The last line of stderr, parsed: with --json/--query an error is one JSON line on stderr, after any warnings. */
export function lastJsonLine<T>(stderr: string): T {
  const lines = stderr.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
  /** extra secret strings that must not appear in the output */
  secrets?: string[];
}

let sandbox: string | undefined;
/** A private HOME/XDG tree per test file so no user config leaks in. */
export function sandboxDir(): string {
  if (!sandbox) sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-e2e-'));
  return sandbox;
}

/** PATH, LANG and a HOME/XDG tree rooted at `home` (default: the test file's sandbox). */
export function baseEnv(home: string = sandboxDir()): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    // trust records of project config files (`taskctl config trust`)
    XDG_STATE_HOME: path.join(home, 'state'),
    LANG: 'C.UTF-8',
  };
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return startCli(args, opts).result;
}

/** Like runCli, but hands back the child too, so a test can send it a real signal mid-run. */
export function startCli(args: string[], opts: RunOptions = {}): { child: ReturnType<typeof spawn>; result: Promise<CliResult> } {
  return start(process.execPath, [BIN, ...args], `taskctl ${args.join(' ')}`, opts);
}

/**
 * Runs a shell command line (a pipeline, `&&`, a redirection: a README example as a user types it) in bash
 * with `set -o pipefail`, `taskctl` on PATH being the built binary run by this node; the same canary scan.
 */
export function runShell(line: string, opts: RunOptions = {}): Promise<CliResult> {
  const shims = path.join(sandboxDir(), 'shims');
  if (!fs.existsSync(path.join(shims, 'taskctl'))) {
    fs.mkdirSync(shims, { recursive: true });
    fs.symlinkSync(BIN, path.join(shims, 'taskctl'));
  }
  const PATH = [shims, path.dirname(process.execPath), opts.env?.PATH ?? baseEnv().PATH].join(path.delimiter);
  return start('bash', ['-o', 'pipefail', '-c', line], line, { ...opts, env: { ...opts.env, PATH } }).result;
}

function start(command: string, argv: string[], label: string, opts: RunOptions): { child: ReturnType<typeof spawn>; result: Promise<CliResult> } {
  const env: Record<string, string> = { ...baseEnv() };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(command, argv, { cwd: opts.cwd ?? sandboxDir(), env, stdio: ['pipe', 'pipe', 'pipe'] });
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const secrets = [...Object.values(CANARY), ...(opts.secrets ?? [])];
      for (const s of secrets) {
        if (stdout.includes(s) || stderr.includes(s)) {
          reject(new Error(`secret leaked in output of "${label}": ${s}\nstdout: ${stdout}\nstderr: ${stderr}`));
          return;
        }
      }
      resolve({
        code,
        stdout,
        stderr,
        json<T>() {
          return JSON.parse(stdout) as T;
        },
        errorJson<T>() {
          return lastJsonLine<T>(stderr);
        },
      });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
  return { child, result };
}

/**
 * Trusts a project config file the way a user does (`taskctl config trust --yes <file>`), so a test about
 * project files found from the current directory can use it. `env` must match the runs that use the file
 * (the trust store lives in $XDG_STATE_HOME/taskctl).
 */
export async function trustConfig(file: string, env: Record<string, string | undefined> = {}): Promise<void> {
  const r = await runCli(['config', 'trust', '--yes', file], { env });
  if (r.code !== 0) throw new Error(`taskctl config trust ${file} failed (${r.code}): ${r.stderr}`);
}

/** Writes a config file in a fresh directory and returns its path. */
export function writeConfig(content: string, name = '.openhimrc'): string {
  const dir = fs.mkdtempSync(path.join(sandboxDir(), 'cfg-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

/**
 * The `--json` error document of a failed run: the last stderr line that is one (CLI.md), else stdout (where
 * older builds printed it).
 */
export function errorJson(r: CliResult): { error: Record<string, unknown> } {
  for (const line of r.stderr.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const doc = JSON.parse(line) as { error?: Record<string, unknown> };
      if (doc && typeof doc.error === 'object') return doc as { error: Record<string, unknown> };
    } catch {
      /* not the error line */
    }
  }
  return JSON.parse(r.stdout) as { error: Record<string, unknown> };
}

/**
 * The first of four consecutive free loopback ports (what `taskctl sandbox serve --port` needs), below the
 * kernel's ephemeral range (32768+) so that no outgoing connection takes one meanwhile.
 */
export async function freePortRun(count = 4): Promise<number> {
  const net = await import('node:net');
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 12000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await free(base + i);
    if (ok) return base;
  }
  throw new Error('no run of free loopback ports found');
}

/** Waits until `cond` holds, polling every 50 ms for at most 15 s (then throws naming `what`). */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

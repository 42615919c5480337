// Shared helpers for the benchmarks: the fake servers (bundled from test/servers with esbuild, so
// plain node can import them), spawning the built CLI, timing, and printing ratio tables.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// TASKCTL_BENCH_BIN: another build's bin/taskctl.js (e.g. main's, for before/after figures)
export const BIN = process.env.TASKCTL_BENCH_BIN ? path.resolve(process.env.TASKCTL_BENCH_BIN) : path.join(ROOT, 'bin', 'taskctl.js');
export const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

let servers;
/** `{ startOpenhim, startClose, startConductor, startSpaaza }` from test/servers, bundled once. */
export async function loadServers() {
  if (servers) return servers;
  const outdir = path.join(ROOT, '.cache', 'bench');
  mkdirSync(outdir, { recursive: true });
  const entry = path.join(outdir, 'servers-entry.ts');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    entry,
    ['openhim', 'close', 'conductor', 'spaaza'].map((n) => `export * from ${JSON.stringify(path.join(ROOT, 'test', 'servers', `${n}.ts`))};`).join('\n'),
  );
  await build({ entryPoints: [entry], outfile: path.join(outdir, 'servers.mjs'), bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  servers = await import(pathToFileURL(path.join(outdir, 'servers.mjs')).href);
  return servers;
}

const RSS_PROBE = path.join(ROOT, 'bench', 'rss-probe.cjs');
let rssSeq = 0;

/**
 * Runs a command; resolves with { code, ms, stdout, stderr, maxRssKb }. maxRssKb is measured for node
 * processes only (a preloaded probe reports the child's own peak RSS when it exits).
 */
export function run(cmd, args, { env = {}, input, cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const rssFile = cmd === process.execPath ? path.join(ROOT, '.cache', 'bench', `rss-${process.pid}-${rssSeq++}`) : undefined;
    const probe = rssFile ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${RSS_PROBE}`.trim(), TASKCTL_BENCH_RSS_FILE: rssFile } : {};
    if (rssFile) mkdirSync(path.dirname(rssFile), { recursive: true });
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env, ...probe }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let maxRssKb;
      if (rssFile && existsSync(rssFile)) {
        maxRssKb = Number(readFileSync(rssFile, 'utf8'));
        rmSync(rssFile, { force: true });
      }
      resolve({ code, ms, stdout, stderr, maxRssKb });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

export function taskctl(args, opts) {
  return run(process.execPath, [BIN, ...args], opts);
}

/** Runs each named function `rounds` times, interleaved, and returns the median ms of each. */
export async function interleave(cases, rounds) {
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, fn] of Object.entries(cases)) {
      const t0 = process.hrtime.bigint();
      const r = await fn();
      const ms = r && typeof r.ms === 'number' ? r.ms : Number(process.hrtime.bigint() - t0) / 1e6;
      times[name].push(ms);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Prints a row "name  value  ratio  target  verdict". */
export function report(title, rows) {
  console.log(`\n## ${title}`);
  for (const r of rows) {
    const verdict = r.target === undefined ? '' : r.ok ? 'ok' : 'MISSED';
    console.log(`${r.name.padEnd(48)} ${String(r.value).padStart(12)}  ${r.target ? `target ${r.target}` : ''}  ${verdict}`);
  }
}

/**
 * CPU time (user + system, ms) of one taskctl process, from GNU time (the client process only, not the
 * fake server in this process). Resolves { code, ms, cpuMs, stdout, stderr }; cpuMs is NaN without /usr/bin/time.
 */
export async function taskctlCpu(args, opts) {
  if (!existsSync('/usr/bin/time')) return { ...(await taskctl(args, opts)), cpuMs: NaN };
  const r = await run('/usr/bin/time', ['-f', 'cpu=%U %S', process.execPath, BIN, ...args], opts);
  const m = /cpu=([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { ...r, stderr: m ? r.stderr.slice(0, m.index) : r.stderr, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

/** A small seeded PRNG (mulberry32), so fault injection is the same in every run. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

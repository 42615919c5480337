// Benchmark: recovering throughput after 429s. `taskctl openhim task pause` of 5,000 ids (quick: 1,000)
// against the fake OpenHIM core answering each request after 5 ms, --concurrency 16, once fault-free and
// once with 10% of all requests (seeded, so every run draws the same ones) answered 429 with
// `RateLimit: reset=0.1`. The client lowers its concurrency after 429s and climbs back while answers are
// good (AIMD). Target: the faulty run within 3× the fault-free one measured in the same run.
// Run: node bench/recovery-429.mjs [--quick]   (needs `npm run build` first)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { QUICK, loadServers, report, seededRandom, taskctl } from './lib.mjs';

const USER = 'bench@example.org';
const PASSWORD = 'bench-password-1';
const LATENCY_MS = 5;
const CONCURRENCY = 16;
const FAULT_RATE = 0.1;

export async function run({ quick = QUICK } = {}) {
  const n = quick ? 1000 : 5000;
  const { startOpenhim } = await loadServers();
  const fake = await startOpenhim({ flavor: 'master', latencyMs: LATENCY_MS, users: [{ email: USER, password: PASSWORD, groups: ['admin'] }], lifetimeMs: 900_000 });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-bench-429-'));
  const env = { OPENHIM_URL: fake.url, OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: PASSWORD, HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home };
  const ids = Array.from({ length: n }, () => fake.createTask({ tids: ['6b0513a986b2e93ee5444081'] })._id);
  const reset = () => ids.forEach((id) => (fake.tasks.get(id).status = 'Queued'));
  const pausedAll = () => ids.every((id) => fake.tasks.get(id).status === 'Paused');
  const pause = async (label) => {
    reset();
    const before = fake.requests.length;
    // --retries 6: with 10% of answers refused, 4 refusals in a row (the default 3 retries) happen about once in 5,000 ids
    const r = await taskctl(['openhim', 'task', 'pause', '-', '--concurrency', String(CONCURRENCY), '--retries', '6'], { env, input: ids.join('\n') });
    if (r.code !== 0 || !pausedAll()) throw new Error(`${label}: taskctl pause of ${n} ids failed: exit ${r.code} ${r.stderr.slice(0, 500)}`);
    return { ms: r.ms, requests: fake.requests.length - before };
  };
  try {
    const clean = await pause('fault-free');
    let refused = 0;
    const random = seededRandom(429);
    fake.intercept = () => {
      if (random() >= FAULT_RATE) return undefined;
      refused++;
      return { status: 429, body: 'Too Many Requests', headers: { 'content-type': 'text/plain', RateLimit: 'reset=0.1' } };
    };
    const faulty = await pause('with 429s');
    fake.intercept = undefined;
    const ratio = faulty.ms / clean.ms;
    report(`task pause of ${n} ids, ${LATENCY_MS} ms per request, --concurrency ${CONCURRENCY}: 10% random 429 (RateLimit: reset=0.1) vs none`, [
      { name: `fault-free: ${clean.requests} requests`, value: `${(clean.ms / 1000).toFixed(2)} s` },
      { name: `with 429s: ${faulty.requests} requests, ${refused} answered 429`, value: `${(faulty.ms / 1000).toFixed(2)} s` },
      { name: '  with 429s / fault-free', value: `${ratio.toFixed(2)}×`, target: '≤ 3×', ok: ratio <= 3 },
    ]);
    return { ok: ratio <= 3, figures: { n, clean: clean.ms, faulty: faulty.ms, refused, ratio } };
  } finally {
    await fake.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run();
  process.exitCode = r.ok ? 0 : 1;
}

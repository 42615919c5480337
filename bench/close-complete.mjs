// Benchmark: `taskctl close task complete` of many ids against the fake Close server limited to 20
// requests/second per key and endpoint group, with 5 ms latency per answer: Close's bulk update (chunks
// of ids in one PUT /task/?id__in=…, each read back), against the baseline measured in the same run: one
// PUT per id, as taskctl sends where the bulk route is missing (the fake answers it 405), timed over a
// sample of ids and extrapolated.
// Targets (full, 1,000 ids): ≤ 2.5 s, ≤ 25 requests, no id lost or duplicated, no unfiltered bulk PUT;
// the one-PUT-per-id baseline at ≤ 5% answered 429. Quick: 200 ids, the same targets scaled.
// Run: node bench/close-complete.mjs [--quick]   (needs `npm run build` first)
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { QUICK, loadServers, report, taskctl } from './lib.mjs';

const API_KEY = 'bench_close_key_0001';
const RATE = 20;
const LATENCY_MS = 5;

function envFor(url) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'taskctl-bench-close-'));
  return {
    home,
    env: {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      CLOSE_URL: url,
      CLOSE_API_KEY: API_KEY,
      TASKCTL_PROFILE: '',
      TASKCTL_CONFIG: '',
      CI: '1',
    },
  };
}

function parseResults(r) {
  try {
    return JSON.parse(r.stdout).results ?? [];
  } catch {
    console.error(`could not parse the output (exit ${r.code}):\n${r.stdout.slice(0, 500)}\n${r.stderr.slice(0, 2000)}`);
    return [];
  }
}

/** complete `ids` on a fresh fake; returns wall time, what the fake saw and what taskctl reported */
async function completeRun(startClose, n, { bulkStatus } = {}) {
  const fake = await startClose({ apiKeys: [API_KEY], rateLimit: { requestsPerSecond: RATE }, latencyMs: LATENCY_MS, lifetimeMs: 600_000, bulkStatus });
  try {
    const ids = fake.seed(n).map((t) => t.id);
    const { env, home } = envFor(fake.url);
    fake.resetStats();
    const r = await taskctl(['close', 'task', 'complete', '-', '--json'], { env, input: ids.join('\n') + '\n', cwd: home });
    const results = parseResults(r);
    const reported = new Map();
    for (const x of results) reported.set(x.id, (reported.get(x.id) ?? 0) + 1);
    const stats = fake.stats();
    return {
      r,
      ids,
      stats,
      lost: ids.filter((id) => !reported.has(id) || !fake.tasks.get(id)?.is_complete).length,
      duplicated: [...reported.values()].filter((c) => c > 1).length + Math.max(0, results.length - n),
      failed: results.filter((x) => !x.ok).length,
    };
  } finally {
    await fake.close();
  }
}

export async function run({ quick = QUICK } = {}) {
  const n = quick ? 200 : 1000;
  const sample = quick ? 40 : 100;
  const { startClose } = await loadServers();

  const bulk = await completeRun(startClose, n);
  const perId = await completeRun(startClose, sample, { bulkStatus: 405 });
  const perIdAll = (perId.r.ms * n) / sample;
  const ratio = bulk.r.ms / perIdAll;
  const maxRequests = Math.ceil((n * 25) / 1000);
  const targetMs = 2500;
  const bulkLimitedPct = bulk.stats.total ? (100 * bulk.stats.limited) / bulk.stats.total : 0;
  const perIdLimitedPct = perId.stats.total ? (100 * perId.stats.limited) / perId.stats.total : 0;
  const rows = [
    { name: `bulk: ${n} ids completed`, value: `${n - bulk.lost}/${n}` },
    { name: 'bulk: exit code', value: bulk.r.code, target: '0', ok: bulk.r.code === 0 },
    { name: 'bulk: wall time', value: `${(bulk.r.ms / 1000).toFixed(2)} s`, target: `<= ${targetMs / 1000} s`, ok: bulk.r.ms <= targetMs },
    { name: 'bulk: requests (bulk PUTs + read-backs)', value: `${bulk.stats.total} (${bulk.stats.bulkPuts} PUT)`, target: `<= ${maxRequests}`, ok: bulk.stats.total <= maxRequests },
    { name: 'bulk: answered 429', value: `${bulk.stats.limited} (${bulkLimitedPct.toFixed(1)}%)`, target: '<= 5%', ok: bulkLimitedPct <= 5 },
    { name: 'bulk: unfiltered bulk PUTs', value: bulk.stats.unfilteredBulkPuts, target: '0', ok: bulk.stats.unfilteredBulkPuts === 0 },
    { name: 'bulk: ids lost (not reported or not completed)', value: bulk.lost, target: '0', ok: bulk.lost === 0 },
    { name: 'bulk: ids reported twice', value: bulk.duplicated, target: '0', ok: bulk.duplicated === 0 },
    { name: 'bulk: ids failed', value: bulk.failed, target: '0', ok: bulk.failed === 0 },
    { name: `baseline: one PUT per id (405), ${sample} ids`, value: `${(perId.r.ms / 1000).toFixed(2)} s` },
    { name: `  extrapolated to ${n} ids (ideal ${n / RATE} s)`, value: `${(perIdAll / 1000).toFixed(1)} s` },
    { name: '  answered 429', value: `${perId.stats.limited} (${perIdLimitedPct.toFixed(1)}%)`, target: '<= 5%', ok: perIdLimitedPct <= 5 },
    { name: '  ids lost, reported twice or failed', value: perId.lost + perId.duplicated + perId.failed, target: '0', ok: perId.lost + perId.duplicated + perId.failed === 0 },
    { name: 'bulk / one PUT per id', value: `${ratio.toFixed(3)}×` },
  ];
  report(`close task complete: ${n} ids, fake limited to ${RATE} req/s per key and group, ${LATENCY_MS} ms latency`, rows);
  const ok = rows.every((row) => row.target === undefined || row.ok);
  return { ok, ms: bulk.r.ms, requests: bulk.stats.total, perIdAll, ratio, n, perIdLimitedPct };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run({ quick: QUICK });
  process.exitCode = r.ok ? 0 : 1;
}

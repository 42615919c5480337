// Benchmark: `taskctl close task complete` of many ids against the fake Close server limited to
// 20 requests/second per key and endpoint group, with 5 ms latency per answer.
// Targets: wall time within 1.2x of the limit's ideal time (ids / rate), zero lost or duplicated ids,
// at most 5% of requests answered 429. Full: 1,000 ids (ideal 50 s). Quick: 200 ids (ideal 10 s).
// Run: node bench/close-complete.mjs [--quick]   (needs `npm run build` first)
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { QUICK, loadServers, report, taskctl } from './lib.mjs';

const API_KEY = 'bench_close_key_0001';
const RATE = 20;
const LATENCY_MS = 5;
const GROUP = 'PUT /task/{id}/';

export async function run({ quick = QUICK } = {}) {
  const n = quick ? 200 : 1000;
  const { startClose } = await loadServers();
  const fake = await startClose({ apiKeys: [API_KEY], rateLimit: { requestsPerSecond: RATE }, latencyMs: LATENCY_MS, lifetimeMs: 600_000 });
  try {
    const ids = fake.seed(n).map((t) => t.id);
    const home = mkdtempSync(path.join(os.tmpdir(), 'taskctl-bench-close-'));
    const env = {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      CLOSE_URL: fake.url,
      CLOSE_API_KEY: API_KEY,
      TASKCTL_PROFILE: '',
      TASKCTL_CONFIG: '',
      CI: '1',
    };
    fake.resetStats();
    const r = await taskctl(['close', 'task', 'complete', '-', '--json'], { env, input: ids.join('\n') + '\n', cwd: home });

    let results = [];
    try {
      results = JSON.parse(r.stdout).results ?? [];
    } catch {
      console.error(`could not parse the output (exit ${r.code}):\n${r.stdout.slice(0, 500)}\n${r.stderr.slice(0, 2000)}`);
    }
    const reported = new Map();
    for (const x of results) reported.set(x.id, (reported.get(x.id) ?? 0) + 1);
    const lostReport = ids.filter((id) => !reported.has(id)).length;
    const dupReport = [...reported.values()].filter((c) => c > 1).length;
    const failed = results.filter((x) => !x.ok).length;
    const notCompleted = ids.filter((id) => !fake.tasks.get(id)?.is_complete).length;

    // server side: every PUT the limiter let through was acted on; more acted PUTs than ids = duplicates
    const g = fake.stats().byGroup[GROUP] ?? { total: 0, limited: 0 };
    const putsPerId = new Map();
    for (const req of fake.requests) {
      if (req.method !== 'PUT') continue;
      const id = decodeURIComponent(req.path.split('/').filter(Boolean).pop() ?? '');
      putsPerId.set(id, (putsPerId.get(id) ?? 0) + 1);
    }
    const acted = g.total - g.limited;
    const duplicatedActs = acted - n;
    const neverSent = ids.filter((id) => !putsPerId.has(id)).length;

    const idealMs = (n / RATE) * 1000;
    const ratio = r.ms / idealMs;
    const limitedPct = g.total ? (100 * g.limited) / g.total : 0;
    const rows = [
      { name: `ids completed (${quick ? 'quick' : 'full'} run)`, value: `${n - notCompleted}/${n}` },
      { name: 'exit code', value: r.code, target: '0', ok: r.code === 0 },
      { name: `wall time (ideal ${(idealMs / 1000).toFixed(1)} s at ${RATE} req/s)`, value: `${(r.ms / 1000).toFixed(2)} s` },
      { name: 'wall time / ideal', value: ratio.toFixed(3), target: '<= 1.2', ok: ratio <= 1.2 },
      { name: 'PUT requests sent', value: g.total },
      { name: 'answered 429', value: `${g.limited} (${limitedPct.toFixed(2)}%)`, target: '<= 5%', ok: limitedPct <= 5 },
      { name: 'ids lost (not reported, not sent, or not completed)', value: lostReport + neverSent + notCompleted, target: '0', ok: lostReport + neverSent + notCompleted === 0 },
      { name: 'ids duplicated (reported twice, or acted on twice)', value: dupReport + Math.max(0, duplicatedActs), target: '0', ok: dupReport === 0 && duplicatedActs === 0 },
      { name: 'ids failed', value: failed, target: '0', ok: failed === 0 },
    ];
    report(`close task complete: ${n} ids, fake limited to ${RATE} req/s per key and group, ${LATENCY_MS} ms latency`, rows);
    const summary = r.stderr.split('\n').filter((l) => l.trim()).slice(-2);
    for (const line of summary) console.log(`  taskctl said: ${line}`);
    const ok = rows.every((row) => row.target === undefined || row.ok);
    return { ok, ms: r.ms, idealMs, ratio, requests: g.total, limited: g.limited, n };
  } finally {
    await fake.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run({ quick: QUICK });
  process.exitCode = r.ok ? 0 : 1;
}

// Bulk: `taskctl openhim task pause` of 1,000 task ids against a loopback fake OpenHIM core that answers every
// request after 5 ms, compared in the same run with the sequential openhim-api.sh procedure over the same ids
// (per id: GET /authenticate, perl, sha512sum twice, curl PUT — bench/openhim-api.sh).
// Targets: ≥ 100× faster than the script; within 1.5× of the ideal time (requests sent × 5 ms ÷ concurrency,
// plus start-up); peak memory for 10,000 ids under 100 MiB.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, QUICK, ROOT, loadServers, median, report, run as exec, taskctl } from './lib.mjs';

const USER = 'bench@example.org';
const PASSWORD = 'bench-password-1';
const LATENCY_MS = 5;
const IDS = 1000;
const MEMORY_IDS = 10_000;
// --concurrency 16 (BENCH_CONCURRENCY to change): the default 8 leaves the 5 ms latency dominant
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

/** GNU time's %M (peak RSS, KiB) when available; lib's maxRssKb otherwise */
async function peakRss(args, opts) {
  if (fs.existsSync('/usr/bin/time')) {
    const r = await exec('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, BIN, ...args], opts);
    const m = /maxrss=(\d+)\s*$/.exec(r.stderr);
    return { ...r, maxRssKb: m ? Number(m[1]) : undefined };
  }
  return taskctl(args, opts);
}

export async function run({ quick = QUICK } = {}) {
  const { startOpenhim } = await loadServers();
  const fake = await startOpenhim({ flavor: 'master', latencyMs: LATENCY_MS, users: [{ email: USER, password: PASSWORD, groups: ['admin'] }], lifetimeMs: 900_000 });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-bench-'));
  // taskctl as users run it: auth auto (Basic on 7.1+); the script can only speak the legacy token scheme
  const env = { OPENHIM_URL: fake.url, OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: PASSWORD, HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home };
  const tx = ['6b0513a986b2e93ee5444081'];
  const ids = Array.from({ length: IDS }, () => fake.createTask({ tids: tx })._id);
  const reset = (list) => list.forEach((id) => (fake.tasks.get(id).status = 'Queued'));
  const pausedAll = (list) => list.every((id) => fake.tasks.get(id).status === 'Paused');
  const sent = () => fake.requests.length;

  try {
    // start-up: one id (the existence check and the PUT, sequential), less their 5 ms each
    const startups = [];
    for (let i = 0; i < (quick ? 5 : 9); i++) {
      reset([ids[0]]);
      const before = sent();
      const r = await taskctl(['openhim', 'task', 'pause', ids[0]], { env });
      if (r.code !== 0) throw new Error(`taskctl pause of one id failed: ${r.code} ${r.stderr}`);
      startups.push(r.ms - (sent() - before) * LATENCY_MS);
    }
    const startup = median(startups);

    // taskctl over 1,000 ids, ids on stdin
    const rounds = quick ? 2 : 5;
    const times = [];
    let requests = 0;
    for (let i = 0; i < rounds; i++) {
      reset(ids);
      const before = sent();
      const r = await taskctl(['openhim', 'task', 'pause', '-', '--concurrency', String(CONCURRENCY)], { env, input: ids.join('\n') });
      if (r.code !== 0 || !pausedAll(ids)) throw new Error(`taskctl pause of ${IDS} ids failed: exit ${r.code} ${r.stderr.slice(0, 500)}`);
      requests = sent() - before;
      times.push(r.ms);
    }
    const bulk = median(times);
    const ideal = (requests * LATENCY_MS) / CONCURRENCY + startup;

    // the sequential script over a sample of the same ids, extrapolated to all of them
    const sample = quick ? 10 : 50;
    const subset = ids.slice(0, sample);
    reset(subset);
    const script = path.join(ROOT, 'bench', 'openhim-api.sh');
    const loop = `for id in ${subset.join(' ')}; do bash "$0" "$1" "$2" -s -X PUT "$3/tasks/$id" -d '{"status":"Paused"}' -H "Content-Type:application/json" >/dev/null; done`;
    const s = await exec('bash', ['-c', loop, script, USER, PASSWORD, fake.url]);
    if (s.code !== 0 || !pausedAll(subset)) throw new Error(`the openhim-api.sh loop did not pause the tasks: ${s.stderr}`);
    const scriptPerId = s.ms / sample;
    const scriptAll = scriptPerId * IDS;
    const speedup = scriptAll / bulk;
    const vsIdeal = bulk / ideal;

    // peak memory over 10,000 ids
    const more = Array.from({ length: MEMORY_IDS - IDS }, () => fake.createTask({ tids: tx })._id);
    const all = [...ids, ...more];
    reset(all);
    const m = await peakRss(['openhim', 'task', 'pause', '-', '--concurrency', String(CONCURRENCY)], { env, input: all.join('\n') });
    if (m.code !== 0 || !pausedAll(all)) throw new Error(`taskctl pause of ${MEMORY_IDS} ids failed: exit ${m.code} ${m.stderr.slice(0, 500)}`);
    const rssMiB = m.maxRssKb === undefined ? NaN : m.maxRssKb / 1024;

    report(`task pause of ${IDS} ids, ${LATENCY_MS} ms per request (median of ${rounds} runs, --concurrency ${CONCURRENCY})`, [
      { name: 'start-up (one id, minus its requests × 5 ms)', value: `${startup.toFixed(0)} ms` },
      { name: `taskctl: ${requests} requests`, value: `${bulk.toFixed(0)} ms` },
      { name: '  ideal (requests × 5 ms ÷ concurrency + start-up)', value: `${ideal.toFixed(0)} ms` },
      { name: '  vs ideal', value: `${vsIdeal.toFixed(2)}×`, target: '≤ 1.50×', ok: vsIdeal <= 1.5 },
      { name: `openhim-api.sh loop (${sample} ids sampled, ×${IDS / sample})`, value: `${(scriptAll / 1000).toFixed(1)} s  (${scriptPerId.toFixed(0)} ms/id)` },
      { name: '  taskctl speed-up', value: `${speedup.toFixed(0)}×`, target: '≥ 100×', ok: speedup >= 100 },
      { name: `peak RSS, ${MEMORY_IDS} ids (${(m.ms / 1000).toFixed(1)} s)`, value: `${rssMiB.toFixed(1)} MiB`, target: '< 100 MiB', ok: rssMiB < 100 },
    ]);
    const ok = vsIdeal <= 1.5 && speedup >= 100 && rssMiB < 100;
    return { ok, figures: { startup, bulk, requests, ideal, vsIdeal, scriptPerId, scriptAll, speedup, rssMiB, sample, concurrency: CONCURRENCY } };
  } finally {
    await fake.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run();
  process.exitCode = r.ok ? 0 : 1;
}

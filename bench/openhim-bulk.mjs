// Bulk: `taskctl openhim task pause` of 1,000 task ids against a loopback fake OpenHIM core that answers every
// request after 5 ms, compared in the same run with the sequential openhim-api.sh procedure over the same ids
// (per id: GET /authenticate, perl, sha512sum twice, curl PUT — bench/openhim-api.sh).
// Targets: ≥ 100× faster than the script; within 1.35× of the ideal time (requests sent × 5 ms ÷ concurrency,
// plus start-up); peak memory for 10,000 ids under 100 MiB. Beside it, the same requests written on raw
// sockets (bench/raw-floor.mjs), measured the same way: how close to the ideal this fake and this machine
// let any client come.
// Client CPU per request: (CPU of the 1,000-id run − CPU of a 1-id run) ÷ 1,000, as a ratio to the same
// requests sent by bare undici (bench/undici-floor.mjs) in this run; with TASKCTL_BENCH_BEFORE_BIN (another
// build's bin/taskctl.js) also against that build, target ≤ 0.5× (halved).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, QUICK, ROOT, loadServers, median, report, run as exec, taskctl, taskctlCpu } from './lib.mjs';

const USER = 'bench@example.org';
const PASSWORD = 'bench-password-1';
const LATENCY_MS = 5;
const IDS = 1000;
const MEMORY_IDS = 10_000;
// --concurrency 16 (BENCH_CONCURRENCY to change): the default 8 leaves the 5 ms latency dominant
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const VS_IDEAL = 1.35;
const BEFORE_BIN = process.env.TASKCTL_BENCH_BEFORE_BIN ? path.resolve(process.env.TASKCTL_BENCH_BEFORE_BIN) : undefined;

/** CPU ms (user + system) of one process, from GNU time */
async function cpuOf(cmd, args, opts) {
  const r = await exec('/usr/bin/time', ['-f', 'cpu=%U %S', cmd, ...args], opts);
  const m = /cpu=([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (r.code !== 0 || !m) throw new Error(`${path.basename(args[0])} failed: exit ${r.code} ${r.stderr.slice(0, 500)}`);
  return (Number(m[1]) + Number(m[2])) * 1000;
}

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
    const rawArgs = [path.join(ROOT, 'bench', 'raw-floor.mjs'), fake.url, USER, PASSWORD, String(CONCURRENCY)];
    /** one run of the raw-socket client over `list` */
    const raw = async (list) => {
      const before = sent();
      const r = await exec(process.execPath, rawArgs, { input: list.join('\n') });
      if (r.code !== 0 || !pausedAll(list)) throw new Error(`the raw-socket client did not pause the tasks: ${r.stderr.slice(0, 500)}`);
      return { ms: r.ms, requests: sent() - before };
    };

    // start-up: one id (the existence check and the PUT, sequential), less their 5 ms each; likewise raw
    const startups = [];
    const rawStartups = [];
    for (let i = 0; i < (quick ? 5 : 9); i++) {
      reset([ids[0]]);
      const before = sent();
      const r = await taskctl(['openhim', 'task', 'pause', ids[0]], { env });
      if (r.code !== 0) throw new Error(`taskctl pause of one id failed: ${r.code} ${r.stderr}`);
      startups.push(r.ms - (sent() - before) * LATENCY_MS);
      reset([ids[0]]);
      const w = await raw([ids[0]]);
      rawStartups.push(w.ms - w.requests * LATENCY_MS);
    }
    const startup = median(startups);
    const rawStartup = median(rawStartups);

    // taskctl over 1,000 ids, ids on stdin, runs interleaved with the raw-socket client's
    const rounds = quick ? 2 : 5;
    const times = [];
    const rawTimes = [];
    let requests = 0;
    let rawRequests = 0;
    for (let i = 0; i < rounds; i++) {
      reset(ids);
      const before = sent();
      const r = await taskctl(['openhim', 'task', 'pause', '-', '--concurrency', String(CONCURRENCY)], { env, input: ids.join('\n') });
      if (r.code !== 0 || !pausedAll(ids)) throw new Error(`taskctl pause of ${IDS} ids failed: exit ${r.code} ${r.stderr.slice(0, 500)}`);
      requests = sent() - before;
      times.push(r.ms);
      reset(ids);
      const w = await raw(ids);
      rawRequests = w.requests;
      rawTimes.push(w.ms);
    }
    const bulk = median(times);
    const ideal = (requests * LATENCY_MS) / CONCURRENCY + startup;
    const rawBulk = median(rawTimes);
    const rawIdeal = (rawRequests * LATENCY_MS) / CONCURRENCY + rawStartup;
    const rawVsIdeal = rawBulk / rawIdeal;

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

    // client CPU per request: each client's 1,000-id run less its 1-id run, interleaved, medians
    let cpu;
    if (fs.existsSync('/usr/bin/time')) {
      const clients = { taskctl: BIN, floor: null, ...(BEFORE_BIN ? { before: BEFORE_BIN } : {}) };
      const samples = Object.fromEntries(Object.keys(clients).map((k) => [k, { one: [], all: [] }]));
      const floorArgs = [path.join(ROOT, 'bench', 'undici-floor.mjs'), fake.url, USER, PASSWORD, String(CONCURRENCY)];
      const taskctlArgs = ['openhim', 'task', 'pause', '-', '--concurrency', String(CONCURRENCY)];
      for (let i = 0; i < (quick ? 3 : 7); i++) {
        for (const [name, bin] of Object.entries(clients)) {
          for (const [key, list] of [['one', [ids[0]]], ['all', ids]]) {
            reset(list);
            const ms = bin ? await cpuOf(process.execPath, [bin, ...taskctlArgs], { env, input: list.join('\n') }) : await cpuOf(process.execPath, floorArgs, { input: list.join('\n') });
            if (bin && !pausedAll(list)) throw new Error(`${name}: the tasks were not paused`);
            samples[name][key].push(ms);
          }
        }
      }
      const per = (name) => (median(samples[name].all) - median(samples[name].one)) / IDS;
      cpu = Object.fromEntries(Object.keys(clients).map((k) => [k, per(k)]));
    }

    report(`task pause of ${IDS} ids, ${LATENCY_MS} ms per request (median of ${rounds} runs, --concurrency ${CONCURRENCY})`, [
      { name: 'start-up (one id, minus its requests × 5 ms)', value: `${startup.toFixed(0)} ms` },
      { name: `taskctl: ${requests} requests`, value: `${bulk.toFixed(0)} ms` },
      { name: '  ideal (requests × 5 ms ÷ concurrency + start-up)', value: `${ideal.toFixed(0)} ms` },
      { name: '  vs ideal', value: `${vsIdeal.toFixed(2)}×`, target: `≤ ${VS_IDEAL.toFixed(2)}×`, ok: vsIdeal <= VS_IDEAL },
      { name: `raw sockets, same ${rawRequests} requests (start-up ${rawStartup.toFixed(0)} ms)`, value: `${rawBulk.toFixed(0)} ms` },
      { name: '  vs its ideal (what this fake and machine allow)', value: `${rawVsIdeal.toFixed(2)}×` },
      { name: `openhim-api.sh loop (${sample} ids sampled, ×${IDS / sample})`, value: `${(scriptAll / 1000).toFixed(1)} s  (${scriptPerId.toFixed(0)} ms/id)` },
      { name: '  taskctl speed-up', value: `${speedup.toFixed(0)}×`, target: '≥ 100×', ok: speedup >= 100 },
      { name: `peak RSS, ${MEMORY_IDS} ids (${(m.ms / 1000).toFixed(1)} s)`, value: `${rssMiB.toFixed(1)} MiB`, target: '< 100 MiB', ok: rssMiB < 100 },
      ...(cpu
        ? [
            { name: 'client CPU per request ((1,000 ids − 1 id) ÷ 1,000)', value: `${cpu.taskctl.toFixed(3)} ms` },
            { name: '  bare undici, same requests (floor)', value: `${cpu.floor.toFixed(3)} ms` },
            { name: '  vs floor', value: `${(cpu.taskctl / cpu.floor).toFixed(2)}×` },
            ...(cpu.before !== undefined
              ? [
                  { name: `  before (${path.relative(process.cwd(), BEFORE_BIN)})`, value: `${cpu.before.toFixed(3)} ms` },
                  { name: '  vs before', value: `${(cpu.taskctl / cpu.before).toFixed(2)}×`, target: '≤ 0.50×', ok: cpu.taskctl / cpu.before <= 0.5 },
                ]
              : []),
          ]
        : [{ name: 'client CPU per request', value: 'n/a (no /usr/bin/time)' }]),
    ]);
    // the CPU "halved" target is reported when a before-build is given, not part of the verdict: it depends on that build
    const ok = vsIdeal <= VS_IDEAL && speedup >= 100 && rssMiB < 100;
    return { ok, figures: { startup, bulk, requests, ideal, vsIdeal, rawStartup, rawBulk, rawVsIdeal, scriptPerId, scriptAll, speedup, rssMiB, sample, concurrency: CONCURRENCY, cpu } };
  } finally {
    await fake.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run();
  process.exitCode = r.ok ? 0 : 1;
}

// One request: `taskctl openhim api GET /tasks…` against a loopback fake OpenHIM core, compared in the
// same run with the documented openhim-api.sh procedure (GET /authenticate, perl, sha512 twice, curl)
// and with a bare curl using basic auth, and with the floor `node -e 0`.
// Targets: ≤ 0.9× the openhim-api.sh procedure, ≤ 1.5× the floor.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, QUICK, ROOT, interleave, loadServers, report, run as exec } from './lib.mjs';

const USER = 'bench@example.org';
const PASSWORD = 'bench-password-1';

export async function run({ quick = QUICK } = {}) {
  const { startOpenhim } = await loadServers();
  const fake = await startOpenhim({ flavor: 'master', users: [{ email: USER, password: PASSWORD, groups: ['admin'] }], lifetimeMs: 600_000 });
  const query = 'filterPage=0&filterLimit=10&filters=%7B%7D';
  const env = { OPENHIM_URL: fake.url, OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: PASSWORD, HOME: path.join(ROOT, '.cache', 'bench-home'), XDG_CONFIG_HOME: path.join(ROOT, '.cache', 'bench-home') };
  const script = path.join(ROOT, 'bench', 'openhim-api.sh');
  const node = process.execPath;
  const cases = {
    floor: () => exec(node, ['-e', '0']),
    taskctl: () => exec(node, [BIN, 'openhim', 'api', 'GET', '/tasks', '-q', 'filterPage=0', '-q', 'filterLimit=10', '-q', 'filters={}'], { env }),
    script: () => exec('bash', [script, USER, PASSWORD, '-s', `${fake.url}/tasks?${query}`]),
    curl: () => exec('curl', ['-s', '-u', `${USER}:${PASSWORD}`, `${fake.url}/tasks?${query}`]),
  };
  try {
    // every case must actually work before it is timed
    for (const [name, fn] of Object.entries(cases)) {
      const r = await fn();
      if (r.code !== 0 || (name !== 'floor' && !r.stdout.trim().startsWith('['))) throw new Error(`${name} did not list tasks: exit ${r.code} ${r.stdout} ${r.stderr}`);
    }
    const rounds = quick ? 10 : 30;
    const t = await interleave(cases, rounds);
    const vsScript = t.taskctl / t.script;
    const vsFloor = t.taskctl / t.floor;
    report(`one request (median of ${rounds} interleaved runs)`, [
      { name: 'node -e 0 (floor)', value: `${t.floor.toFixed(1)} ms` },
      { name: 'curl -u user:pass (basic, for reference)', value: `${t.curl.toFixed(1)} ms` },
      { name: 'openhim-api.sh procedure (token)', value: `${t.script.toFixed(1)} ms  ${(t.script / t.floor).toFixed(2)}× floor` },
      { name: 'taskctl openhim api GET /tasks', value: `${t.taskctl.toFixed(1)} ms`, },
      { name: '  vs openhim-api.sh', value: `${vsScript.toFixed(2)}×`, target: '≤ 0.90×', ok: vsScript <= 0.9 },
      { name: '  vs floor', value: `${vsFloor.toFixed(2)}×`, target: '≤ 1.50×', ok: vsFloor <= 1.5 },
    ]);
    return { ok: vsScript <= 0.9 && vsFloor <= 1.5, figures: { ...t, vsScript, vsFloor } };
  } finally {
    await fake.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run();
  process.exitCode = r.ok ? 0 : 1;
}

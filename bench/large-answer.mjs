// Peak memory for a large answer: `taskctl openhim api GET /tasks --json > file` against a loopback server
// that serves a ~50 MB JSON array (task-like objects, some non-ASCII text), compared in the same run with the
// same command on a 1 kB answer (the floor: node and taskctl themselves).
// Target: peak RSS < 3× the body size (issue 12; it was ~7-13× when the answer became a string and objects).
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { QUICK, ROOT, report, taskctl } from './lib.mjs';

/** A JSON array of about `bytes` bytes. */
function body(bytes) {
  const items = [];
  let size = 2;
  for (let i = 0; size < bytes; i++) {
    const t = JSON.stringify({
      _id: `5f${i.toString(16).padStart(22, '0')}`, status: i % 3 ? 'Completed' : 'Processing', remainingTransactions: i % 7, totalTransactions: 100 + (i % 50),
      created: new Date(1.7e12 + i * 1000).toISOString(), user: 'root@openhim.org',
      transactions: Array.from({ length: 4 }, (_, j) => ({ tid: `tx-${i}-${j}`, tstatus: 'Completed', rerunStatus: j % 2 ? 'Failed' : 'Completed' })),
      note: 'ü — a bit of text '.repeat(3),
    });
    size += t.length + 1;
    items.push(t);
  }
  return Buffer.from(`[${items.join(',')}]`);
}

export async function run({ quick = QUICK } = {}) {
  const bodies = { large: body(quick ? 20e6 : 50e6), floor: body(1000) };
  const server = http.createServer((req, res) => {
    const b = req.url === '/large' ? bodies.large : bodies.floor;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': b.length }).end(b);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const home = path.join(ROOT, '.cache', 'bench-home');
  const env = { OPENHIM_URL: `http://127.0.0.1:${server.address().port}`, OPENHIM_USERNAME: 'bench@example.org', OPENHIM_PASSWORD: 'bench-password-1', OPENHIM_AUTH: 'basic', HOME: home, XDG_CONFIG_HOME: home };
  try {
    const rss = {};
    for (const name of ['floor', 'large']) {
      const r = await taskctl(['openhim', 'api', 'GET', `/${name}`, '--json'], { env });
      if (r.code !== 0 || r.stdout.length < bodies[name].length) throw new Error(`api GET /${name} failed: exit ${r.code} ${r.stderr}`);
      rss[name] = r.maxRssKb * 1024;
    }
    const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
    const ratio = rss.large / bodies.large.length;
    report('large answer: peak memory of api GET --json', [
      { name: `body (${quick ? 'quick: 20' : '50'} MB JSON)`, value: mb(bodies.large.length) },
      { name: 'peak RSS, 1 kB answer (floor)', value: mb(rss.floor) },
      { name: 'peak RSS, large answer', value: mb(rss.large) },
      { name: '  above the floor, per body byte', value: `${((rss.large - rss.floor) / bodies.large.length).toFixed(2)}×` },
      { name: '  peak RSS / body size', value: `${ratio.toFixed(2)}×`, target: '< 3.00×', ok: ratio < 3 },
    ]);
    return { ok: ratio < 3, figures: { body: bodies.large.length, ...rss, ratio } };
  } finally {
    server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run();
  process.exitCode = r.ok ? 0 : 1;
}

// The floor for client CPU per request: the same requests as `openhim task pause` of N ids (one
// `GET /tasks` lookup per 100 ids, then one `PUT /tasks/:id` per id, Basic auth, JSON body, the answer
// read as text) sent with bare undici at the same concurrency, and nothing else. Run as a child process:
// node bench/undici-floor.mjs <url> <user> <password> <concurrency> < ids
import { Agent, request } from 'undici';

const [url, user, password, concurrency] = process.argv.slice(2);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const ids = input.split('\n').filter(Boolean);
const dispatcher = new Agent({ connections: Number(concurrency), keepAliveTimeout: 10_000 });
const headers = { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' };
async function send(method, path, body) {
  const r = await request(`${url}${path}`, { method, headers, body, dispatcher });
  const text = await r.body.text();
  if (r.statusCode >= 300) throw new Error(`${method} ${path}: ${r.statusCode} ${text}`);
  return text;
}
const lookups = [];
for (let i = 0; i < ids.length; i += 100) lookups.push(ids.slice(i, i + 100));
let next = 0;
const run = async (work) => {
  while (next < work.length) await work[next++]();
};
const parallel = (work) => ((next = 0), Promise.all(Array.from({ length: Number(concurrency) }, () => run(work))));
await parallel(lookups.map((chunk) => () => send('GET', `/tasks?filterLimit=${chunk.length}&filterPage=0&filters=${encodeURIComponent(JSON.stringify({ _id: { $in: chunk } }))}`).then(JSON.parse)));
await parallel(ids.map((id) => () => send('PUT', `/tasks/${id}`, JSON.stringify({ status: 'Paused' }))));
await dispatcher.close();

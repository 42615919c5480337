// The floor for wall time: the same requests as `openhim task pause` of N ids (one `GET /tasks` lookup per
// 100 ids, then one `PUT /tasks/:id` per id, Basic auth, JSON body) written by hand on `concurrency`
// keep-alive sockets of node:net, each answer framed (content-length or chunked) and nothing else: no HTTP
// library, no parsing, no checks. What it takes over the ideal is what the fake server and the machine cost
// at this rate, not the client. Run as a child process:
// node bench/raw-floor.mjs <url> <user> <password> <concurrency> < ids
import net from 'node:net';

const [url, user, password, concurrency] = process.argv.slice(2);
const { hostname, port, host } = new URL(url);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const ids = input.split('\n').filter(Boolean);
const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const lookups = [];
for (let i = 0; i < ids.length; i += 100) {
  const filters = encodeURIComponent(JSON.stringify({ _id: { $in: ids.slice(i, i + 100) } }));
  lookups.push(`GET /tasks?filterLimit=${Math.min(100, ids.length - i)}&filterPage=0&filters=${filters} HTTP/1.1\r\nhost: ${host}\r\nauthorization: ${auth}\r\naccept: application/json\r\n\r\n`);
}
const body = '{"status":"Paused"}';
const puts = ids.map((id) => `PUT /tasks/${id} HTTP/1.1\r\nhost: ${host}\r\nauthorization: ${auth}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);

/** one keep-alive connection: `send(text)` resolves with the status of its answer */
function connection() {
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  let buf = Buffer.alloc(0);
  let waiting = null;
  socket.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    const head = buf.indexOf('\r\n\r\n');
    if (head < 0) return;
    const headers = buf.subarray(0, head).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(headers);
    let end;
    if (length) end = head + 4 + Number(length[1]);
    else {
      const last = buf.indexOf('\r\n0\r\n\r\n', head);
      end = last < 0 ? Infinity : last + 7;
    }
    if (buf.length < end) return;
    buf = buf.subarray(end);
    const w = waiting;
    waiting = null;
    w.resolve(Number(headers.slice(9, 12)));
  });
  socket.on('error', (err) => waiting?.reject(err));
  return {
    send(text) {
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        socket.write(text);
      });
    },
    close: () => socket.end(),
  };
}

const conns = Array.from({ length: Number(concurrency) }, connection);
async function all(requests) {
  let next = 0;
  await Promise.all(
    conns.map(async (c) => {
      while (next < requests.length) {
        const status = await c.send(requests[next++]);
        if (status >= 300) throw new Error(`answered ${status}`);
      }
    }),
  );
}
await all(lookups);
await all(puts);
for (const c of conns) c.close();

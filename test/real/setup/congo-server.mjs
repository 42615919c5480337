// Runs CongoDB (installed by install.mjs) on 127.0.0.1 until SIGTERM/SIGINT.
// The harness preloads parent-watch.cjs, which sends SIGTERM if the harness dies first.
// Usage: node congo-server.mjs <congodb install dir> <port>
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, portText] = process.argv.slice(2);
const port = Number(portText);
if (!dir || !Number.isInteger(port) || port <= 0) {
  console.error('usage: node congo-server.mjs <congodb install dir> <port>');
  process.exit(2);
}

const { CongoServer } = await import(pathToFileURL(path.join(dir, 'congodb', 'index.js')).href);
const server = new CongoServer({ port, host: '127.0.0.1' });
await server.start();
console.log(`CongoDB listening on 127.0.0.1:${port} (pid ${process.pid})`);

let stopping = false;
async function stop(why) {
  if (stopping) return;
  stopping = true;
  console.log(`CongoDB stopping (${why})`);
  setTimeout(() => process.exit(0), 3000).unref();
  try {
    await server.stop();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));


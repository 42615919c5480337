/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured: requests go through the proxy unless NO_PROXY names
 * the host. The proxy here is a small forward proxy on 127.0.0.1 (absolute-form requests and CONNECT)
 * that records what it was asked to reach.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startOpenhim, type FakeOpenhim } from '../servers/openhim.js';
import { CANARY, runCli } from '../helpers/cli.js';

let fake: FakeOpenhim;
let proxy: http.Server;
let proxyUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  fake = await startOpenhim({ users: [{ email: 'p@example.org', password: CANARY.openhimPassword, groups: ['admin'] }] });
  proxy = http.createServer((req, res) => {
    // absolute-form: GET http://host:port/path
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '');
    const up = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  proxy.on('connect', (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = String(req.url).split(':');
    const up = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  setTimeout(() => proxy.close(), 60_000).unref();
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
  await fake.close();
});

const env = () => ({ OPENHIM_URL: fake.url, OPENHIM_USERNAME: 'p@example.org', OPENHIM_PASSWORD: CANARY.openhimPassword });

describe('proxies from the environment', () => {
  it('sends requests through HTTP_PROXY / HTTPS_PROXY', async () => {
    seen.length = 0;
    const r = await runCli(['openhim', 'api', 'GET', '/about'], { env: { ...env(), HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).currentCoreVersion).toBe('8.5.0');
    const host = new URL(fake.url).host;
    expect(seen.some((s) => s.includes(host))).toBe(true);
  });

  it('goes direct for hosts in NO_PROXY', async () => {
    seen.length = 0;
    const r = await runCli(['openhim', 'api', 'GET', '/about'], { env: { ...env(), HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' } });
    expect(r.code).toBe(0);
    expect(seen).toEqual([]);
  });
});

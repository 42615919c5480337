// The connection pool behind every request (src/http/undici.ts, `Lanes`): a request sent while every
// connection is busy goes out on the event-loop turn after a connection's answer was read, one turn
// sooner than undici's own Pool sends it; the connection limit and keep-alive reuse stay as they were.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent as AgentType, Dispatcher } from 'undici';
// @ts-expect-error -- undici's internal module, the one src/http/undici.ts builds on
import PlainAgent from 'undici/lib/dispatcher/agent.js';
import { Agent, exchange, lanesActive } from '../../src/http/undici.js';

interface Seen {
  path: string;
  port: number;
  res: http.ServerResponse;
}

/** a loopback server that holds every answer until the test releases it, and records who asked */
async function holdingServer() {
  const seen: Seen[] = [];
  const waiters: Array<() => void> = [];
  let open = 0;
  let maxOpen = 0;
  const server = http.createServer((req, res) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.on('finish', () => open--);
    seen.push({ path: req.url ?? '', port: req.socket.remotePort ?? 0, res });
    waiters.splice(0).forEach((w) => w());
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const stop = setTimeout(() => server.close(), 30_000).unref();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    maxOpen: () => maxOpen,
    /** resolves once `n` requests have arrived */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (seen.length >= n ? resolve() : waiters.push(check));
        check();
      }),
    answer: (path: string) => seen.find((s) => s.path === path)!.res.end('{"ok":true}'),
    close: async () => {
      clearTimeout(stop);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function send(d: Dispatcher, url: string, path: string) {
  return exchange(d, { method: 'GET', url: new URL(path, url), headers: {}, headersTimeout: 5000, bodyTimeout: 5000, stream: false, raw: false, limit: 1 << 20, tooLarge: () => new Error('too large') }).answer;
}

/**
 * Fills both connections of a 2-connection agent, then answers /a and, from /a's answer (as the runner
 * does), sends /c. Returns how many event-loop turns (check phases) passed before the server saw /c.
 */
async function turnsUntilNextRequest(AgentClass: typeof AgentType): Promise<number> {
  const s = await holdingServer();
  const agent = new AgentClass({ connections: 2, keepAliveTimeout: 10_000 });
  try {
    // first use of each connection, so both are reused afterwards (undici checks a reused one before writing)
    const warm = [send(agent, s.url, '/w1'), send(agent, s.url, '/w2')];
    await s.until(2);
    s.answer('/w1');
    s.answer('/w2');
    await Promise.all(warm);
    const a = send(agent, s.url, '/a');
    const b = send(agent, s.url, '/b');
    await s.until(4);
    let turns = 0;
    let seenAt = -1;
    const c = a.then(() => {
      const next = send(agent, s.url, '/c');
      const tick = () => {
        turns++;
        if (seenAt < 0 && turns < 50) setImmediate(tick);
      };
      setImmediate(tick);
      return next;
    });
    s.answer('/a');
    await s.until(5);
    seenAt = turns;
    s.answer('/b');
    s.answer('/c');
    await Promise.all([b, c]);
    return seenAt;
  } finally {
    await agent.destroy();
    await s.close();
  }
}

describe('Lanes: the pool every request goes through', () => {
  let closeLater: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closeLater.map((c) => c()));
    closeLater = [];
  });

  it('is in use with the undici this project installs (an update that renames its internals fails here)', () => {
    expect(lanesActive).toBe(true);
  });

  it('sends a request made from an answer one event-loop turn later, where undici’s own Pool takes two', async () => {
    expect(await turnsUntilNextRequest(Agent)).toBe(1);
    // the same measurement on the plain Pool: the test tells the two apart
    expect(await turnsUntilNextRequest(PlainAgent as typeof AgentType)).toBe(2);
  });

  it('keeps the connection limit and reuses its connections: 12 requests over 3 connections, all answered', async () => {
    const s = await holdingServer();
    const agent = new Agent({ connections: 3, keepAliveTimeout: 10_000 });
    closeLater.push(async () => {
      await agent.destroy();
      await s.close();
    });
    const paths = Array.from({ length: 12 }, (_, i) => `/r${i}`);
    const answers = paths.map((p) => send(agent, s.url, p));
    // answer whatever has arrived, wave after wave, until all 12 were answered
    for (let answered = 0; answered < 12; ) {
      await s.until(answered + 1);
      for (const x of s.seen.slice(answered)) x.res.end(`{"path":"${x.path}"}`);
      answered = s.seen.length;
    }
    const texts = (await Promise.all(answers)).map((a) => JSON.parse(a.text).path);
    expect(texts).toEqual(paths);
    expect(s.maxOpen()).toBeLessThanOrEqual(3);
    expect(new Set(s.seen.map((x) => x.port)).size).toBe(3);
  });
});

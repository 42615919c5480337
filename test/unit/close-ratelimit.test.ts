/**
 * The shared HttpClient's rate-limit behaviour, exercised as the Close provider uses it: against the
 * fake Close server's limiter and its 429 shapes. Virtual clocks where a wait is checked; no test
 * asserts a wall-clock time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, type ClientOptions } from '../../src/http/client.js';
import { SecretRegistry } from '../../src/http/redact.js';
import { closeDispatchers } from '../../src/http/transport.js';
import { CloseAuth } from '../../src/providers/close/auth.js';
import { startServer, jsonReply, type FakeServer } from '../servers/base.js';
import { startClose, type FakeClose } from '../servers/close.js';

const KEY = 'unit_close_key_77aa';
let servers: Array<FakeClose | FakeServer> = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  await closeDispatchers();
});

function clientFor(url: string, over: Partial<ClientOptions> = {}): HttpClient {
  const secrets = new SecretRegistry();
  return new HttpClient({
    baseUrl: url,
    transport: { insecure: false, connections: over.concurrency ?? 8, timeoutMs: 10_000, env: {} },
    retries: 3,
    timeoutMs: 10_000,
    verbose: false,
    dryRun: false,
    concurrency: 8,
    secrets,
    log: () => undefined,
    onDryRun: () => undefined,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms))),
    now: () => Date.now(),
    userAgent: 'taskctl-test',
    auth: new CloseAuth(KEY, secrets),
    ...over,
  });
}

/**
 * A virtual clock, shared by the client and (where given) the fake's limiter: time moves only when every
 * request on the wire has been answered and someone sleeps; then the earliest sleep ends and time is its
 * end. So what is sent in which rate window depends on the order of events, never on the machine's speed.
 */
function virtualClock() {
  let t = 1_000_000;
  const waits: number[] = [];
  const timers: Array<{ until: number; wake: () => void }> = [];
  let pumping = false;
  const clock = {
    waits,
    /** true while a request is on the wire (set once the client exists) */
    busy: () => false,
    now: () => t,
    sleep: (ms: number) =>
      new Promise<void>((wake) => {
        waits.push(ms);
        timers.push({ until: t + Math.max(0, ms), wake });
        void pump();
      }),
  };
  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (timers.length > 0) {
        // let whatever can run without time passing run first (answers, their follow-ups, new sleeps)
        do await new Promise((r) => setTimeout(r, 1));
        while (clock.busy());
        timers.sort((a, b) => a.until - b.until);
        const first = timers[0].until;
        t = Math.max(t, first);
        for (const due of timers.filter((x) => x.until <= first)) {
          timers.splice(timers.indexOf(due), 1);
          due.wake();
        }
      }
    } finally {
      pumping = false;
    }
  }
  return clock;
}

const BODY_429 = (reset: number) => ({ error: { message: 'API call count exceeded for this period', rate_endpoint_group: 'PUT /task/{id}/', rate_limit: 20, rate_reset: reset, rate_window: 1 } });

describe('429 handling (as Close needs it)', () => {
  it.each([
    ['the RateLimit reset (a decimal) first', { RateLimit: 'limit=20, remaining=0, reset=0.25', 'Retry-After': '3' }, 7, 250],
    ['else Retry-After', { 'Retry-After': '3' }, 7, 3000],
    ['else the body rate_reset', {}, 0.7, 700],
  ])('waits %s, then retries the PUT once', async (_name, headers, bodyReset, expected) => {
    const fake = await startClose({ apiKeys: [KEY] });
    servers.push(fake);
    const [t] = fake.seed(1);
    fake.failNext(1, 429, headers as Record<string, string>, BODY_429(bodyReset));
    const clock = virtualClock();
    const client = clientFor(fake.url, { now: clock.now, sleep: clock.sleep });
    const res = await client.request({ method: 'PUT', path: `/api/v1/task/${t.id}/`, json: { is_complete: true } });
    expect(res.status).toBe(200);
    expect(fake.tasks.get(t.id)!.is_complete).toBe(true);
    expect(fake.requests).toHaveLength(2);
    // the wait asked for, plus a little jitter (at most 250 ms) so parallel retries do not collide
    expect(clock.waits[0]).toBeGreaterThanOrEqual(expected);
    expect(clock.waits[0]).toBeLessThanOrEqual(expected + 250);
    expect(client.stats).toMatchObject({ requests: 2, retries: 1, rateLimited: 1 });
  });

  it('retries a POST on 429 too (Close did not act on it): exactly one task is created', async () => {
    const fake = await startClose({ apiKeys: [KEY] });
    servers.push(fake);
    fake.failNext(2, 429, { RateLimit: 'limit=20, remaining=0, reset=0.01' }, BODY_429(0.01));
    const clock = virtualClock();
    const client = clientFor(fake.url, { now: clock.now, sleep: clock.sleep });
    const res = await client.request({ method: 'POST', path: '/api/v1/task/', json: { _type: 'lead', lead_id: 'lead_a', text: 'x' } });
    expect(res.status).toBe(200);
    expect(fake.tasks.size).toBe(1);
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
  });

  it('a 429 pauses every request of the run, also one that never got a 429', async () => {
    const fake = await startClose({ apiKeys: [KEY] });
    servers.push(fake);
    const [a, b] = fake.seed(2);
    fake.failNext(1, 429, { RateLimit: 'limit=20, remaining=0, reset=0.5' }, BODY_429(0.5));
    const waits: number[] = [];
    let t = 1_000_000;
    let client!: HttpClient;
    let second: Promise<unknown> | undefined;
    let bWaiting!: () => void;
    const bWaits = new Promise<void>((r) => (bWaiting = r));
    client = clientFor(fake.url, {
      now: () => t,
      sleep: async (ms) => {
        waits.push(ms);
        if (!second) {
          // while A waits out its 429 (time stands still), B starts: it must wait for the same pause
          // before sending. A goes on once B waits too, or once B is done (then B did not wait: the test fails)
          second = client.request({ method: 'PUT', path: `/api/v1/task/${b.id}/`, json: { is_complete: true } });
          await Promise.race([bWaits, second]);
        } else bWaiting();
        t += ms;
      },
    });
    await client.request({ method: 'PUT', path: `/api/v1/task/${a.id}/`, json: { is_complete: true } });
    await second;
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(500);
    expect(waits[1]).toBeGreaterThanOrEqual(450);
    const bPuts = fake.requests.filter((r) => r.path.includes(b.id));
    expect(bPuts).toHaveLength(1);
    // B was sent after the pause, not during it
    expect(fake.tasks.get(b.id)!.is_complete).toBe(true);
  });

  it('after a burst of 429s concurrency is halved once (not once per 429), then climbs back one step per round, never above --concurrency; a lone 429 does not lower it', async () => {
    // the first attempt of each request of the burst (and of task_999) is refused; retries are accepted
    const refuse = new Set(Array.from({ length: 8 }, (_, i) => `/api/v1/task/task_${i}/`));
    const server = await startServer((req) => {
      if (refuse.delete(req.path)) return jsonReply(429, BODY_429(0.05), { RateLimit: 'limit=8, remaining=0, reset=0.05' });
      return jsonReply(200, { ok: true });
    });
    servers.push(server);
    const clock = virtualClock();
    const client = clientFor(server.url, { now: clock.now, sleep: clock.sleep });
    clock.busy = () => client.requestsOnWire > 0;
    const put = (i: number) => client.request({ method: 'PUT', path: `/api/v1/task/task_${i}/`, json: { is_complete: true } });
    // a burst of 8 parallel requests, all refused: one episode, 8 → 4 (never 8 → 4 → 2 → 1); their 8 good
    // retries then count towards the climb: 4 good answers → 5, and 4 more towards the next step
    expect((await Promise.all(Array.from({ length: 8 }, (_, i) => put(i)))).map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(client.concurrency).toBe(5);
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      await put(100 + i);
      seen.push(client.concurrency);
    }
    // one more parallel request per `limit` good answers: 1 more to 6, 6 more to 7, 7 more to 8, then no further
    expect(seen).toEqual([6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8]);
    // a single 429 among good answers (a server refusing now and then) only waits: the limit stays
    refuse.add('/api/v1/task/task_999/');
    await put(999);
    expect(client.concurrency).toBe(8);
    // a burst (a quarter of a round's answers or more) halves it again, once: 8 → 4, and the burst's 4
    // good retries already count a round towards the climb → 5 (one halving per 429 would have left 1)
    for (let i = 0; i < 4; i++) refuse.add(`/api/v1/task/task_${990 + i}/`);
    await Promise.all(Array.from({ length: 4 }, (_, i) => put(990 + i)));
    expect(client.concurrency).toBe(5);
  });

  it('a 429 whose RateLimit header gives no budget holds only the refused request; the others go on', async () => {
    const fake = await startClose({ apiKeys: [KEY] });
    servers.push(fake);
    const [a, b] = fake.seed(2);
    fake.failNext(1, 429, { RateLimit: 'reset=0.5' }, BODY_429(0.5), (req) => req.path.includes(a.id));
    const clock = virtualClock();
    const client = clientFor(fake.url, { now: clock.now, sleep: clock.sleep });
    await client.request({ method: 'PUT', path: `/api/v1/task/${a.id}/`, json: { is_complete: true } });
    await client.request({ method: 'PUT', path: `/api/v1/task/${b.id}/`, json: { is_complete: true } });
    // A waited its reset once; B, sent after A's 429, did not wait at all
    expect(clock.waits).toHaveLength(1);
    expect(clock.waits[0]).toBeGreaterThanOrEqual(500);
    expect(fake.requests.map((r) => r.path.includes(a.id))).toEqual([true, true, false]);
  });
});

describe('pacing from the RateLimit header against the fake limiter', () => {
  it('60 parallel PUTs under a 20 req/s limit: every task completed once, at most 5% answered 429', async () => {
    // the fake's limiter and the client share a virtual clock: each window holds what was sent in it
    // whatever the machine's speed
    const clock = virtualClock();
    const fake = await startClose({ apiKeys: [KEY], rateLimit: { requestsPerSecond: 20 }, latencyMs: 5, now: clock.now });
    servers.push(fake);
    const tasks = fake.seed(60);
    const client = clientFor(fake.url, { now: clock.now, sleep: clock.sleep });
    clock.busy = () => client.requestsOnWire > 0;
    const start = clock.now();
    const results = await Promise.all(tasks.map((t) => client.request({ method: 'PUT', path: `/api/v1/task/${t.id}/`, json: { is_complete: true } })));
    expect(results.map((r) => r.status)).toEqual(tasks.map(() => 200));
    expect(tasks.every((t) => fake.tasks.get(t.id)!.is_complete)).toBe(true);
    const g = fake.stats().byGroup['PUT /task/{id}/'];
    // every request the limiter let through was acted on exactly once
    expect(g.total - g.limited).toBe(60);
    // the reported budget kept the windows within the limit (none refused in practice; the target allows 5%)
    expect(g.limited).toBeLessThanOrEqual(3);
    // 60 at 20 a window takes at least three windows: the client waited for the resets. (It may take a
    // fourth: answers that overtake each other on the way make the client count its budget low, never high.)
    expect(clock.now() - start).toBeGreaterThanOrEqual(2000);
  });

  it('stops sending when the reported budget is spent and waits for the window to reset', async () => {
    let count = 0;
    const server = await startServer(() => {
      count++;
      // the server says 2 requests are left in a window that ends in 0.4 s
      return jsonReply(200, {}, { RateLimit: `limit=10, remaining=${Math.max(0, 3 - count)}, reset=0.4` });
    });
    servers.push(server);
    const clock = virtualClock();
    const client = clientFor(server.url, { now: clock.now, sleep: clock.sleep, concurrency: 1 });
    for (let i = 0; i < 4; i++) await client.request({ method: 'GET', path: '/api/v1/me/' });
    // requests 1-3 fit the budget; the 4th waited for the reset (~0.4 s), and only once
    expect(clock.waits).toHaveLength(1);
    expect(clock.waits[0]).toBeGreaterThanOrEqual(400);
    expect(clock.waits[0]).toBeLessThan(500);
  });
});

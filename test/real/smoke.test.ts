// Smoke test of the real OpenHIM 4.0.5 stack (harness + test helpers), independent of taskctl.
// Run: node test/real/setup/install.mjs && npx vitest run --config vitest.real.config.ts
import fs from 'node:fs';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRealStack } from './harness.js';
import {
  apiRequest,
  createPublicChannel,
  createTask,
  getTask,
  sendThroughRouter,
  startUpstream,
  waitFor,
  waitForTaskStatus,
  waitForTransaction,
  type Upstream,
} from './openhim-client.js';

const stack = useRealStack({ pollPeriodMillis: 500 });

let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

/** GET /heartbeat over node:https with the given TLS options; resolves the status or the TLS error code. */
function heartbeat(url: string, tls: https.RequestOptions): Promise<number | string> {
  return new Promise((resolve) => {
    https
      .get(`${url}/heartbeat`, tls, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('real OpenHIM 4.0.5 on CongoDB', () => {
  it('answers /heartbeat with 200 JSON carrying `now`', async () => {
    const res = await apiRequest(stack(), 'GET', '/heartbeat', undefined, { auth: 'none' });
    expect(res.status).toBe(200);
    expect(typeof res.json.now).toBe('number');
    expect(Math.abs(res.json.now - Date.now())).toBeLessThan(60_000);
  });

  it('serves the bundled certificate: localhost verifies with it, 127.0.0.1 fails the name check', async () => {
    const ca = fs.readFileSync(stack().certPath);
    expect(await heartbeat(stack().apiUrl, { ca })).toBe(200);
    expect(await heartbeat(stack().apiUrlIp, { ca })).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(await heartbeat(stack().apiUrl, {})).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('reports core version 4.0.5 on GET /about with token auth', async () => {
    const res = await apiRequest(stack(), 'GET', '/about');
    expect(res.status).toBe(200);
    expect(res.json.currentCoreVersion).toBe('4.0.5');
  });

  it('rejects Basic auth with 401 Unauthorized', async () => {
    const res = await apiRequest(stack(), 'GET', '/about', undefined, { auth: 'basic' });
    expect(res.status).toBe(401);
    expect(res.text).toBe('Unauthorized');
  });

  let tid: string;
  let channelId: string;

  it('records a transaction made through a public channel and the router', async () => {
    channelId = await createPublicChannel(stack(), { name: 'smoke-channel', urlPattern: '^/smoke/.*$', upstreamPort: upstream.port });
    expect(channelId).toMatch(/^[0-9a-f]{24}$/);
    tid = await sendThroughRouter(stack(), '/smoke/tx1', { n: 1 });
    const tx = await waitForTransaction(stack(), tid);
    expect(tx._id).toBe(tid);
    expect(tx.channelID).toBe(channelId);
    expect(tx.status).toBe('Successful');
    expect(tx.canRerun).toBe(true);
    expect(upstream.requests.map((r) => r.url)).toEqual(['/smoke/tx1']);
  });

  it('keeps a paused task Paused, and completes it after PUT {status:"Queued"}', async () => {
    expect(tid, 'needs the transaction of the previous test').toBeTruthy();
    const taskId = await createTask(stack(), [tid], { paused: true });

    // Processor polls every 500 ms here: several rounds pass without touching the task.
    await new Promise((r) => setTimeout(r, 1800));
    const paused = await getTask(stack(), taskId);
    expect(paused.status).toBe('Paused');
    expect(paused.remainingTransactions).toBe(1);

    const put = await apiRequest(stack(), 'PUT', `/tasks/${taskId}`, { status: 'Queued' });
    expect(put.status).toBe(200);
    expect(put.text).toBe('The Task was successfully updated');

    const done = await waitForTaskStatus(stack(), taskId, ['Completed'], { timeoutMs: 20_000 });
    expect(done.remainingTransactions).toBe(0);
    expect(done.transactions).toHaveLength(1);
    expect(done.transactions[0]).toMatchObject({ tid, tstatus: 'Completed', rerunStatus: 'Successful' });
    expect(upstream.requests.map((r) => r.url)).toEqual(['/smoke/tx1', '/smoke/tx1']);

    // The rerun is a child of the original, and the original records it ($pushAll patch in CongoDB).
    const rerunId: string = done.transactions[0].rerunID;
    const child = await waitForTransaction(stack(), rerunId);
    expect(child.parentID).toBe(tid);
    const original = await waitFor('original transaction marked as rerun', async () => {
      const tx = await waitForTransaction(stack(), tid);
      return tx.wasRerun ? tx : undefined;
    }, { timeoutMs: 5000 });
    expect(original.childIDs).toContain(rerunId);
  });
});

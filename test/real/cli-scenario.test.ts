/**
 * The built `taskctl` against a real OpenHIM core 4.0.5 (started and stopped by this file), with a
 * profile that uses `auth: token`, the only mode 4.0.5 accepts. The scenario is what an admin does:
 * status, raw API, find transactions, create/inspect/resume/watch/cancel/delete rerun tasks, rerun by
 * filter; plus a wrong password, an unknown task id, and TLS with and without the core's certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { useRealStack } from './harness.js';
import { createPublicChannel, getTask, sendThroughRouter, startUpstream, waitForTransaction, type Upstream } from './openhim-client.js';
import { runCli, sandboxDir } from '../helpers/cli.js';
import { openhimScenario } from '../helpers/openhim-scenario.js';

const stack = useRealStack({ pollPeriodMillis: 500 });
let upstream: Upstream;
let config: string;
const tids: string[] = [];

function profileEnv(extra: Record<string, string> = {}) {
  return { OPENHIM_PASSWORD: stack().rootPassword, ...extra };
}

async function taskctl(args: string[], extra: Record<string, string> = {}) {
  return runCli(['--config', config, ...args], { env: profileEnv(extra), secrets: [stack().rootPassword], timeoutMs: 60_000 });
}

beforeAll(async () => {
  upstream = await startUpstream();
  const s = stack();
  const dir = fs.mkdtempSync(path.join(sandboxDir(), 'real-'));
  config = path.join(dir, '.openhimrc');
  fs.writeFileSync(
    config,
    `profiles:\n  core:\n    provider: openhim\n    url: ${s.apiUrl}\n    username: ${s.rootEmail}\n    password: \${OPENHIM_PASSWORD}\n    auth: token\n    ca: ${s.certPath}\n`,
    { mode: 0o600 },
  );
  await createPublicChannel(s, { name: 'cli-scenario', urlPattern: '^/cli/.*$', upstreamPort: upstream.port });
  for (let i = 0; i < 4; i++) {
    const tid = await sendThroughRouter(s, `/cli/tx${i}`, { n: i });
    await waitForTransaction(s, tid);
    tids.push(tid);
  }
}, 120_000);

afterAll(async () => {
  await upstream?.close();
});

describe('taskctl against a real OpenHIM 4.0.5', () => {
  // the scenario's steps (test/helpers/openhim-scenario.ts); the sandbox runs the same ones (test/e2e/sandbox-scenario.test.ts)
  openhimScenario({
    taskctl,
    withPassword: (password, args) => runCli(['--config', config, ...args], { env: { OPENHIM_PASSWORD: password }, secrets: [password] }),
    getTask: (id) => getTask(stack(), id),
    tids: () => tids,
    channelId,
    version: '4.0.5',
    unknownTaskStatus: 500,
  });

  it('TLS: without the core certificate, exit 6 with how to fix it; --insecure works with a warning', async () => {
    const s = stack();
    const env = { OPENHIM_URL: s.apiUrl, OPENHIM_USERNAME: s.rootEmail, OPENHIM_PASSWORD: s.rootPassword, OPENHIM_AUTH: 'token' };
    const noCa = await runCli(['openhim', 'status'], { env, secrets: [s.rootPassword] });
    expect(noCa.code).toBe(6);
    expect(noCa.stderr).toContain('--ca <file>');
    const withCa = await runCli(['openhim', 'status', '--ca', s.certPath], { env, secrets: [s.rootPassword] });
    expect(withCa.code).toBe(0);
    const byIp = await runCli(['openhim', 'status', '--ca', s.certPath], { env: { ...env, OPENHIM_URL: s.apiUrlIp }, secrets: [s.rootPassword] });
    expect(byIp.code).toBe(6);
    expect(byIp.stderr).toContain('not valid for the host name "127.0.0.1"');
    const insecure = await runCli(['openhim', 'status', '--insecure'], { env: { ...env, OPENHIM_URL: s.apiUrlIp }, secrets: [s.rootPassword] });
    expect(insecure.code).toBe(0);
    expect(insecure.stderr).toContain('--insecure');
  });
});

async function channelId(): Promise<string> {
  // a string picked by --query prints bare (no JSON quotes), as jq -r would
  const r = await taskctl(['openhim', 'api', 'GET', '/channels', '--query', "[?name=='cli-scenario']._id | [0]"]);
  return r.stdout.trim();
}

/**
 * The real-core scenario (test/helpers/openhim-scenario.ts, which test/real/cli-scenario.test.ts runs against a
 * real OpenHIM 4.0.5) run against the sandbox: `taskctl sandbox serve`, and the built taskctl with a config-file
 * profile using `auth: token`, exactly as the real scenario talks to its core. The assertions are the same; where
 * the sandbox differs, the difference is named here (and in the step's title):
 *
 * - version: the sandbox emulates the 8.5.0 (master) core, so `status` reports 8.5.0, not 4.0.5;
 * - transactions: the sandbox has no router and no channels API; its transactions are the seeded demo
 *   (4 Successful, 6 Failed, 2 Completed with error(s)) on one channel, found through `transaction list`;
 * - unknown task ids: 4.0.5 answers GET 500 and PUT 200, 8.5.0 (and the sandbox) 404; taskctl says
 *   "not found" (exit 5) for both, which is what the scenario asserts;
 * - `--count`: 4.0.5 answers the bulkrerun representation with an array, 8.5.0 with {"count":n};
 * - processor: 8.5.0 (7.1+) keeps no progress while running and a pause loses it (see README); the scenario's
 *   steps (resume → Completed, cancel of a paused task) end the same on both;
 * - TLS: the sandbox serves plain HTTP on 127.0.0.1, so the scenario's certificate checks do not apply.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, baseEnv, freePortRun, runCli } from '../helpers/cli.js';
import { openhimScenario } from '../helpers/openhim-scenario.js';

const PASSWORD = 'openhim-password';
let home: string;
let config: string;
let url: string;
let child: ChildProcess;
let exited: Promise<number | null>;
let tids: string[] = [];

async function taskctl(args: string[], extra: Record<string, string> = {}) {
  return runCli(['--config', config, ...args], { env: { ...baseEnv(home), OPENHIM_PASSWORD: PASSWORD, ...extra }, cwd: home, timeoutMs: 60_000 });
}
async function getTask(id: string) {
  const r = await taskctl(['openhim', 'task', 'get', id, '--all', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ status: string; transactions: Array<{ tid: string; rerunStatus?: string }> }>();
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-sbx-scn-'));
  const port = await freePortRun();
  child = spawn(process.execPath, [BIN, 'sandbox', 'serve', '--port', String(port), '--state', path.join(home, 'sandbox.json')], { env: baseEnv(home), cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  exited = new Promise((resolve) => child.on('close', (code) => (clearTimeout(killer), resolve(code))));
  for (let i = 0; i < 300 && !err.includes('Ctrl-C or SIGTERM stops it') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  expect(err).toContain('Ctrl-C or SIGTERM stops it');
  url = /OPENHIM_URL=(\S+)/.exec(out)![1];
  config = path.join(home, '.openhimrc');
  fs.writeFileSync(config, `profiles:\n  core:\n    provider: openhim\n    url: ${url}\n    username: root@openhim.org\n    password: \${OPENHIM_PASSWORD}\n    auth: token\n`, { mode: 0o600 });
  // the real scenario sends four requests through the router; the sandbox's are seeded
  const r = await taskctl(['openhim', 'transaction', 'list', '--status', 'Successful', '--json']);
  tids = r.json<Array<{ _id: string }>>().map((t) => t._id);
  expect(tids).toHaveLength(4);
}, 120_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  expect(await exited).toBe(0);
});

describe('the real-core scenario against the sandbox (token auth, through sandbox serve)', () => {
  openhimScenario({
    taskctl,
    withPassword: (password, args) => runCli(['--config', config, ...args], { env: { ...baseEnv(home), OPENHIM_PASSWORD: password }, cwd: home, secrets: [password] }),
    getTask,
    tids: () => tids,
    // the real scenario finds its channel through GET /channels; the sandbox has no channels API
    channelId: async () => {
      const channel = (await taskctl(['openhim', 'transaction', 'list', '--query', '[0].channelID'])).stdout.trim();
      expect(channel).toMatch(/^[0-9a-f]{24}$/);
      return channel;
    },
    version: '8.5.0',
    unknownTaskStatus: 404,
  });
});

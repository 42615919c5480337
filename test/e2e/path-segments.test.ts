/**
 * Ids that become URL path segments, for every provider, through the built binary: an empty id, `.`, `..`
 * or one with `/` exits 2 naming the value and sends NOTHING (URL parsing would turn `human claim ..` into
 * `POST /api/human/claim`); a valid id arrives percent-encoded (the fakes record the raw request path).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY, runCli } from '../helpers/cli.js';
import { startConductor, type FakeConductor } from '../servers/conductor.js';
import { startClose, type FakeClose } from '../servers/close.js';
import { startOpenhim, type FakeOpenhim } from '../servers/openhim.js';
import { startSpaaza, type FakeSpaaza } from '../servers/spaaza.js';

let conductor: FakeConductor;
let oss: FakeConductor;
let close: FakeClose;
let openhim: FakeOpenhim;
let spaaza: FakeSpaaza;
const USER = 'segments@example.org';

beforeAll(async () => {
  [conductor, oss, close, openhim, spaaza] = await Promise.all([
    startConductor({ lifetimeMs: 100_000 }),
    startConductor({ mode: 'oss', unknownRoute: 'no-static-404', lifetimeMs: 100_000 }),
    startClose({ apiKeys: [CANARY.closeApiKey], lifetimeMs: 100_000 }),
    startOpenhim({ lifetimeMs: 100_000, users: [{ email: USER, password: CANARY.openhimPassword, groups: ['admin'] }] }),
    startSpaaza({ tokenSecret: CANARY.spaazaSecret, lifetimeMs: 100_000 }),
  ]);
});
afterAll(async () => {
  await Promise.all([conductor, oss, close, openhim, spaaza].map((s) => s.close()));
});

const envs = {
  conductor: () => ({ CONDUCTOR_SERVER_URL: conductor.url, CONDUCTOR_AUTH_KEY: conductor.keyId, CONDUCTOR_AUTH_SECRET: conductor.keySecret }),
  oss: () => ({ CONDUCTOR_SERVER_URL: oss.url }),
  close: () => ({ CLOSE_URL: close.url, CLOSE_API_KEY: CANARY.closeApiKey }),
  openhim: () => ({ OPENHIM_URL: openhim.url, OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: CANARY.openhimPassword }),
  spaaza: () => ({ SPAAZA_URL: spaaza.url, SPAAZA_TOKEN_ID: spaaza.tokenId, SPAAZA_TOKEN_SECRET: CANARY.spaazaSecret, SPAAZA_CHAIN: String(spaaza.chain) }),
};
const servers = () => ({ conductor, oss, close, openhim, spaaza });

const bad: Array<[keyof typeof envs, string[], string]> = [
  ['conductor', ['conductor', 'human', 'claim', '..'], '..'],
  ['conductor', ['conductor', 'human', 'get', '.'], '.'],
  ['conductor', ['conductor', 'human', 'release', 'a/b'], 'a/b'],
  ['conductor', ['conductor', 'human', 'skip', 't1', ''], ''],
  ['oss', ['conductor', 'human', 'complete', '--workflow-id', '..', '--task-ref', 'approve'], '..'],
  ['oss', ['conductor', 'human', 'update', '--workflow-id', 'wf', '--task-ref', 'a/b', '--data', '{}'], 'a/b'],
  ['close', ['close', 'task', 'get', '..'], '..'],
  ['close', ['close', 'task', 'delete', 'task_a/b', '--yes'], 'task_a/b'],
  ['close', ['close', 'task', 'complete', ''], ''],
  ['openhim', ['openhim', 'task', 'get', '..'], '..'],
  ['openhim', ['openhim', 'task', 'pause', '.'], '.'],
  ['openhim', ['openhim', 'task', 'delete', 'a/b', '--yes'], 'a/b'],
  ['spaaza', ['spaaza', 'task', 'get', '..'], '..'],
  ['spaaza', ['spaaza', 'task', 'run', '.'], '.'],
  ['spaaza', ['spaaza', 'task', 'delete', '7/execute', '--yes'], '7/execute'],
  ['spaaza', ['spaaza', 'task', 'get', ''], ''],
];

describe('ids that cannot be one path segment exit 2 and send nothing', () => {
  it.each(bad)('%s: taskctl %j', async (provider, args, value) => {
    const srv = servers()[provider];
    const before = srv.requests.length;
    const r = await runCli(args, { env: envs[provider]() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`"${value}"`);
    expect(r.stdout).toBe('');
    expect(srv.requests.length).toBe(before);
  });
});

describe('valid ids arrive percent-encoded, one segment each', () => {
  it('conductor: a task id with % and a workflow id with ":" and "ü"', async () => {
    conductor.addTask({ taskId: 'ab%cd', assignee: { user: conductor.callerUser, userType: 'CONDUCTOR_USER' } });
    let r = await runCli(['conductor', 'human', 'claim', 'ab%cd'], { env: envs.conductor() });
    expect(r.code).toBe(0);
    expect(conductor.requests.at(-1)!.path).toBe('/api/human/tasks/ab%25cd/claim');
    oss.addWorkflow({ workflowId: 'wf:ü', tasks: [{ taskId: 'h1', referenceTaskName: 'approve', status: 'IN_PROGRESS' }] });
    r = await runCli(['conductor', 'human', 'complete', '--workflow-id', 'wf:ü', '--task-ref', 'approve'], { env: envs.oss() });
    expect(r.code).toBe(0);
    expect(oss.requests.at(-1)!.path).toBe('/api/tasks/wf%3A%C3%BC/approve/COMPLETED/sync');
  });

  it('close, openhim and spaaza: the path carries exactly the id', async () => {
    const t = close.addTask();
    let r = await runCli(['close', 'task', 'get', t.id], { env: envs.close() });
    expect(r.code).toBe(0);
    expect(close.requests.at(-1)!.path).toBe(`/api/v1/task/${t.id}/`);
    r = await runCli(['openhim', 'task', 'get', '5f0000000000000000000000'], { env: envs.openhim() });
    expect(r.code).toBe(5);
    expect(openhim.requests.at(-1)!.path).toBe('/tasks/5f0000000000000000000000');
    r = await runCli(['spaaza', 'task', 'get', '424242'], { env: envs.spaaza() });
    expect(r.code).toBe(5);
    expect(spaaza.requests.at(-1)!.path).toBe('/tasks/424242');
  });
});

/**
 * Every command in the tree, run with canary secrets against the fake servers, twice: for real with
 * --verbose, and with --dry-run --verbose. No secret, derived credential (Basic base64, Bearer pair,
 * minted JWT, OpenHIM password hash) or cookie may appear on stdout or stderr. A command added to the
 * tree without an entry in SAMPLES fails this test, so the scan keeps covering everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { allCommands } from '../../src/commands/index.js';

const COMMANDS = await allCommands();
import type { CommandSpec } from '../../src/commands/types.js';
import { CANARY, runCli, sandboxDir } from '../helpers/cli.js';
import { startOpenhim, type FakeOpenhim } from '../servers/openhim.js';
import { startConductor, type FakeConductor } from '../servers/conductor.js';
import { startClose, type FakeClose } from '../servers/close.js';
import { startSpaaza, type FakeSpaaza } from '../servers/spaaza.js';

function leaves(specs: readonly CommandSpec[], p: string[] = []): string[] {
  return specs.flatMap((s) => (s.subcommands?.length ? leaves(s.subcommands, [...p, s.name]) : [[...p, s.name].join(' ')]));
}

const OPENHIM_USER = 'canary@example.org';
let openhim: FakeOpenhim;
let conductor: FakeConductor;
let close: FakeClose;
let spaaza: FakeSpaaza;
let ids: Record<string, string>;
let env: Record<string, string>;
let derived: string[];

beforeAll(async () => {
  openhim = await startOpenhim({ flavor: 'master', users: [{ email: OPENHIM_USER, password: CANARY.openhimPassword, groups: ['admin'] }] });
  conductor = await startConductor({ keyId: 'canary-key-id', keySecret: CANARY.conductorSecret });
  close = await startClose({ apiKeys: [CANARY.closeApiKey] });
  spaaza = await startSpaaza({ tokenId: 'canary-token-id', tokenSecret: CANARY.spaazaSecret });
  const tid = openhim.addTransaction({ status: 'Failed' });
  const task = openhim.createTask({ status: 'Paused', tids: [tid] } as never);
  // one human task per verb: complete/skip/claim… change a task's state for the next verb
  const human = (claimed = false) =>
    conductor.addTask({ assignee: { user: conductor.callerUser, userType: 'CONDUCTOR_USER' }, ...(claimed ? { claimant: { user: conductor.callerUser, userType: 'CONDUCTOR_USER' } } : {}) } as never).taskId;
  const done = openhim.createTask({ status: 'Completed', transactions: [{ tid, tstatus: 'Completed', rerunStatus: 'Successful', rerunID: '6b0513ab86b2e93ee54440f7' }] } as never);
  const closeTask = close.addTask({ _type: 'lead' } as never);
  const exportTask = spaaza.addTask({} as never);
  spaaza.setState(exportTask.id, 'DONE');
  ids = {
    openhimTask: task._id,
    openhimDone: done._id,
    tid,
    humanComplete: human(true),
    humanUpdate: human(true),
    humanGet: human(),
    humanClaim: human(),
    humanRelease: human(true),
    humanSkip: human(),
    humanReassign: human(),
    closeTask: closeTask.id, closeLead: closeTask.lead_id as string, spaazaTask: String(exportTask.id),
  };
  env = {
    OPENHIM_URL: openhim.url,
    OPENHIM_USERNAME: OPENHIM_USER,
    OPENHIM_PASSWORD: CANARY.openhimPassword,
    CONDUCTOR_SERVER_URL: conductor.url,
    CONDUCTOR_AUTH_KEY: 'canary-key-id',
    CONDUCTOR_AUTH_SECRET: CANARY.conductorSecret,
    CLOSE_URL: close.url,
    CLOSE_API_KEY: CANARY.closeApiKey,
    SPAAZA_URL: spaaza.url,
    SPAAZA_TOKEN_ID: 'canary-token-id',
    SPAAZA_TOKEN_SECRET: CANARY.spaazaSecret,
    SPAAZA_CHAIN: '1764',
  };
  derived = [
    Buffer.from(`${OPENHIM_USER}:${CANARY.openhimPassword}`).toString('base64'),
    crypto.createHash('sha512').update(`d9bcb40e-ae65-478f-962e-5e5e5e7d0a01${CANARY.openhimPassword}`).digest('hex'),
    Buffer.from(`${CANARY.closeApiKey}:`).toString('base64'),
    `canary-token-id:${CANARY.spaazaSecret}`,
  ];
});

afterAll(async () => {
  await Promise.all([openhim.close(), conductor.close(), close.close(), spaaza.close()]);
});

/** Arguments that make each command do its real work. */
function samples(): Record<string, string[][]> {
  const payload = path.join(sandboxDir(), 'canary-payload.json');
  fs.writeFileSync(payload, JSON.stringify({ status: 'Paused' }));
  const out = path.join(sandboxDir(), `canary-download-${Date.now()}.csv`);
  const future = new Date(Date.now() + 86_400_000).toISOString();
  // a project file holding literal secrets: `config trust` shows its profiles and URLs, never their secrets
  const rcDir = path.join(sandboxDir(), 'canary-project');
  fs.mkdirSync(rcDir, { recursive: true });
  const rc = path.join(rcDir, '.openhimrc');
  fs.writeFileSync(
    rc,
    `profiles:\n  rc-core:\n    provider: openhim\n    url: ${openhim.url}\n    username: ${OPENHIM_USER}\n    password: ${CANARY.openhimPassword}\n  rc-crm:\n    provider: close\n    apiKey: ${CANARY.closeApiKey}\n`,
    { mode: 0o600 },
  );
  return {
    'openhim status': [[]],
    'openhim api': [['GET', '/about', '-i']],
    'openhim task create': [['--tids', ids.tid, '--paused']],
    'openhim task update': [[ids.openhimTask, '--file', payload]],
    'openhim task pause': [[ids.openhimTask]],
    'openhim task resume': [[ids.openhimTask]],
    'openhim task cancel': [[ids.openhimTask]],
    'openhim task get': [[ids.openhimTask]],
    'openhim task list': [[]],
    'openhim task delete': [['5f0000000000000000000000']],
    'openhim task watch': [[ids.openhimDone, '--interval', '50']],
    'openhim transaction list': [['--count']],
    'openhim transaction rerun': [['--status', 'Failed', '--paused']],
    'conductor api': [['POST', '/api/human/tasks/search', '--data', '{"searchType":"ADMIN","start":0,"size":5}']],
    'conductor human complete': [[ids.humanComplete, '--field', 'ok:=true']],
    'conductor human update': [[ids.humanUpdate, '--field', 'note=x']],
    'conductor human list': [['--search-type', 'ADMIN']],
    'conductor human get': [[ids.humanGet]],
    'conductor human claim': [[ids.humanClaim]],
    'conductor human release': [[ids.humanRelease]],
    'conductor human skip': [[ids.humanSkip]],
    'conductor human reassign': [[ids.humanReassign, '--to', 'user:someone']],
    'close api': [['GET', '/api/v1/me/']],
    'close task list': [[]],
    'close task get': [[ids.closeTask]],
    'close task create': [['--lead', ids.closeLead, '--text', 'canary']],
    'close task update': [[ids.closeTask, '--text', 'x']],
    'close task complete': [[ids.closeTask]],
    'close task reopen': [[ids.closeTask]],
    'close task delete': [['task_doesnotexist0000000000000000000000000']],
    'spaaza api': [['GET', '/tasks']],
    'spaaza task create': [['--desc', 'canary', '--export-index', 'users', '--export-format', 'csv', '--at', future]],
    'spaaza task update': [[ids.spaazaTask, '--desc', 'changed']],
    'spaaza task list': [[]],
    'spaaza task get': [[ids.spaazaTask]],
    'spaaza task delete': [['999999']],
    'spaaza task run': [[ids.spaazaTask]],
    'spaaza task wait': [[ids.spaazaTask, '--interval', '50']],
    'spaaza task download': [[ids.spaazaTask, '-o', out]],
    'profile list': [[]],
    'profile show': [[]],
    'profile add': [
      ['canary', '--provider', 'close', '--secret-stdin'],
      ['canary-spare', '--provider', 'close', '--secret-stdin'],
    ],
    'profile remove': [['canary-spare']],
    'profile use': [['canary']],
    'profile test': [['canary']],
    'config path': [[], ['--config', rc]],
    'config trust': [[rc]],
    'config untrust': [[rc]],
    completion: [['bash']],
    'sandbox status': [[]],
    'sandbox reset': [[]],
    // serve runs until stopped (test/e2e/sandbox.test.ts stops it); here its option checking and error path
    'sandbox serve': [['--faults', 'nope']],
  };
}

describe('no secret reaches the output of any command', () => {
  it('has a sample for every command in the tree', () => {
    const missing = leaves(COMMANDS).filter((c) => !(c in samples()));
    expect(missing).toEqual([]);
  });

  it('every command, for real and with --dry-run, with --verbose', async () => {
    const s = samples();
    const ran: string[] = [];
    for (const cmd of leaves(COMMANDS)) {
      for (const args of s[cmd] ?? []) {
        for (const extra of [['--verbose', '--yes'], ['--dry-run', '--verbose', '--yes']]) {
          const argv = [...cmd.split(' '), ...args, ...extra];
          // runCli rejects if a CANARY value appears; the derived credentials are checked here
          const r = await runCli(argv, { env, input: `${CANARY.closeApiKey}\n`, secrets: derived, timeoutMs: 20_000 });
          expect(r.code, `${argv.join(' ')}\n${r.stderr}`).not.toBeNull();
          ran.push(`${argv.join(' ')} → ${r.code}`);
        }
      }
    }
    // the scan is only meaningful if the commands did run: most of them must succeed for real
    if (process.env.SHOW_RUNS) console.log(ran.join("\n"));
    const ok = ran.filter((l) => l.endsWith("→ 0")).length;
    expect(ok).toBeGreaterThan(ran.length / 2);
  }, 300_000);
});

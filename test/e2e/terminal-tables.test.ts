/**
 * Tables that fit, at a real terminal (tmux): at 80 and 120 columns the rows of `openhim transaction
 * list` fit the width (low-priority columns drop, long cells end in …); --wide shows every column;
 * --columns picks them; --local-time shows local times (tables and detail blocks); piped, the TSV stays whole.
 * A transient line (watch's "waiting for the task processor") leaves the screen once it is no longer true.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, CANARY, sandboxDir } from '../helpers/cli.js';
import { startOpenhim, type FakeOpenhim } from '../servers/openhim.js';

const SOCKET = `taskctl-tables-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const USER = 'tables@example.org';
const LONG_PATH = '/fhir/Patient/1234567890/_history/77?_format=json&_pretty=true&_elements=identifier,name,birthDate';

async function screenUntil(session: string, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  let screen = '';
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    // -J joins lines the terminal wrapped, so a row wider than the terminal shows as one long line
    screen = tmux('capture-pane', '-p', '-J', '-t', session);
    if (pattern.test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screen never matched ${pattern}:\n${screen}`);
}

let srv: FakeOpenhim;
let home: string;
let n = 0;

/** Starts taskctl in a fresh tmux window of `width` columns; returns the session name. */
function startAtTerminal(width: number, args: string, extraEnv = ''): string {
  const session = `t${n++}`;
  const env = `env -i PATH="${process.env.PATH}" HOME=${home} XDG_CONFIG_HOME=${home}/cfg TERM=xterm-256color NO_COLOR=1 TZ=Asia/Kolkata OPENHIM_URL=${srv.url} OPENHIM_USERNAME=${USER} OPENHIM_PASSWORD=${CANARY.openhimPassword} ${extraEnv}`;
  tmux('new-session', '-d', '-s', session, '-x', String(width), '-y', '30', `cd ${home} && ${env} ${process.execPath} ${BIN} ${args}; echo "EXIT=$?"; sleep 60`);
  return session;
}

/** Runs taskctl in a fresh tmux window of `width` columns; returns the screen once it exited. */
async function atTerminal(width: number, args: string, extraEnv = ''): Promise<{ screen: string; lines: string[] }> {
  const session = startAtTerminal(width, args, extraEnv);
  const screen = await screenUntil(session, /EXIT=\d+/);
  expect(screen).not.toContain(CANARY.openhimPassword);
  const lines = screen.split('\n').filter((l) => l.trim() && !l.startsWith('EXIT='));
  return { screen, lines };
}

describe('tables at a terminal', () => {
  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(sandboxDir(), 'tables-'));
    srv = await startOpenhim({ lifetimeMs: 120_000, users: [{ email: USER, password: CANARY.openhimPassword, groups: ['admin'] }] });
    for (let i = 0; i < 3; i++) {
      srv.addTransaction({ status: i === 1 ? 'Failed' : 'Successful', path: `${LONG_PATH}&i=${i}`, method: 'GET', channelID: '5e1f0a2b3c4d5e6f7a8b9c0d', timestamp: `2026-03-0${i + 1}T10:00:00.000Z` });
    }
  });
  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      /* already gone */
    }
    await srv?.close();
  });

  it('at 80 columns every row fits: low-priority columns drop, the long path is cut with …', async () => {
    const { screen, lines } = await atTerminal(80, 'openhim transaction list');
    expect(screen).toContain('EXIT=0');
    expect(lines).toHaveLength(4); // header + 3 rows, none wrapped
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^ID\s+TIMESTAMP\s+STATUS\s+PATH/);
    expect(lines[0]).not.toContain('CHANNEL');
    expect(lines.slice(1).every((l) => l.endsWith('…'))).toBe(true);
    expect(lines[2]).toMatch(/\s+2026-03-02T10:00:00\.000Z\s+Failed\s+\/fhir\/Patient/);
  });

  it('at 120 columns more columns fit, still within the width', async () => {
    const { lines } = await atTerminal(120, 'openhim transaction list');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(120);
    expect(lines[0]).toMatch(/^ID\s+TIMESTAMP\s+STATUS\s+METHOD\s+PATH\s+RERUNS$/);
    expect(lines[1]).toMatch(/\s\/fhir\/Patient\/\S+…\s+0$/);
    expect(lines).toHaveLength(4);
  });

  it('--wide shows every column uncut (the terminal wraps); --columns picks and orders them', async () => {
    const wide = await atTerminal(80, 'openhim transaction list --wide');
    expect(wide.lines[0]).toMatch(/^ID\s+TIMESTAMP\s+STATUS\s+METHOD\s+PATH\s+CHANNEL\s+RERUNS$/);
    expect(wide.screen).toContain(`${LONG_PATH}&i=0`);
    const picked = await atTerminal(80, 'openhim transaction list --columns status,id');
    expect(picked.lines[0]).toMatch(/^STATUS\s+ID$/);
    expect(picked.lines[2]).toMatch(/^Failed\s+[0-9a-f]{24}$/);
  });

  it('--local-time (or TASKCTL_LOCAL_TIME=1) shows times in the local zone', async () => {
    const flag = await atTerminal(120, 'openhim transaction list --local-time --columns id,timestamp');
    expect(flag.lines.at(-1)).toMatch(/^[0-9a-f]{24}\s+2026-03-01 15:30:00 \+05:30$/);
    const env = await atTerminal(120, 'openhim transaction list --columns timestamp', 'TASKCTL_LOCAL_TIME=1');
    expect(env.lines.at(-1)).toBe('2026-03-01 15:30:00 +05:30');
  });

  it('--local-time also shows the times of a detail block in the local zone; JSON stays ISO UTC', async () => {
    const t = srv.createTask({ tids: [...srv.transactions.keys()].slice(0, 1), created: '2026-03-04T10:00:00.000Z', status: 'Paused' });
    const flag = await atTerminal(120, `openhim task get ${t._id} --local-time`);
    expect(flag.screen).toMatch(/^Created:\s+2026-03-04 15:30:00 \+05:30$/m);
    const env = await atTerminal(120, `openhim task get ${t._id}`, 'TASKCTL_LOCAL_TIME=1');
    expect(env.screen).toMatch(/^Created:\s+2026-03-04 15:30:00 \+05:30$/m);
    const utc = await atTerminal(120, `openhim task get ${t._id}`);
    expect(utc.screen).toMatch(/^Created:\s+2026-03-04T10:00:00\.000Z$/m);
    const json = await atTerminal(120, `openhim task get ${t._id} --local-time --query created`);
    expect(json.screen).toContain('2026-03-04T10:00:00.000Z');
  });

  it('watch: "waiting for the task processor" stands on screen while true and is gone once the task is Processing', async () => {
    const tids = [srv.addTransaction(), srv.addTransaction(), srv.addTransaction()];
    const t = srv.createTask({ tids, batchSize: 1 });
    const session = startAtTerminal(80, `openhim task watch ${t._id} --interval 100`);
    const waiting = await screenUntil(session, /waiting for the task processor to pick it up/);
    expect(waiting).toContain(`task ${t._id}: waiting for the task processor to pick it up`);
    await srv.processor.tick(); // the processor claims it: Processing, first rerun done
    const processing = await screenUntil(session, /rerun \[.*\] 1\/3 .*Processing/);
    expect(processing).not.toContain('waiting for the task processor');
    await srv.runUntilIdle();
    const done = await screenUntil(session, /EXIT=\d+/);
    expect(done).toContain('EXIT=0');
    expect(done).toContain(`task ${t._id} completed: 3 of 3 reruns successful`);
    expect(done).not.toContain('waiting for the task processor');
  });

  it('piped, the same table is whole TSV: no column dropped, nothing cut, UTC times', async () => {
    // tabs shown as | so the screen keeps them
    const { screen } = await atTerminal(80, "openhim transaction list --local-time | tr '\\t' '|'");
    expect(screen).toContain('id|timestamp|status|method|path|channel|reruns');
    expect(screen).toContain(`2026-03-01T10:00:00.000Z|Successful|GET|${LONG_PATH}&i=0|5e1f0a2b3c4d5e6f7a8b9c0d|0`);
  });
});

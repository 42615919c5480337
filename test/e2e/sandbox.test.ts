/**
 * The sandbox through the built binary: --sandbox on a fresh HOME (state persisted between processes),
 * every tree's main verbs, `sandbox serve` for other tools (fetch, openhim-api.sh, taskctl via env vars,
 * --faults), reset and status, and a broken .openhimrc being irrelevant.
 */
import { describe, expect, it } from 'vitest';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT, baseEnv, freePortRun, runCli, startCli } from '../helpers/cli.js';

function freshHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'taskctl-sbx-'));
}

function sb(home: string, args: string[], extra: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}) {
  return runCli(['--sandbox', ...args], { env: { ...baseEnv(home), ...extra.env }, cwd: extra.cwd ?? home, timeoutMs: extra.timeoutMs ?? 30_000 });
}

describe('e2e: --sandbox', () => {
  it("the README's first set-up command, exactly, on a fresh HOME: reruns the seeded failed transactions and waits until the emulated processor has run them", async () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const setup = readme.slice(readme.indexOf('## Set-up'));
    const line = setup.split('\n').find((l) => l.startsWith('npm ci && node bin/taskctl.js '))!;
    const command = line.replace(/\s+#.*$/, '').replace('npm ci && node bin/taskctl.js ', '');
    // the README promises the main job, done to the end, with no server
    expect(command).toBe('--sandbox openhim transaction rerun --status Failed --yes --wait');
    const home = freshHome();
    const r = await runCli(command.split(' '), { env: baseEnv(home), cwd: home, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const taskId = r.stdout.split('\n')[0];
    expect(taskId).toMatch(/^[0-9a-f]{24}$/);
    expect(r.stdout).toMatch(/^Status\tCompleted$/m);
    expect(r.stdout).toMatch(/^Rerun\t6\/6 \(100%\)$/m);
    expect(r.stdout).toMatch(/^Successful\t6$/m);
    expect(r.stdout).toMatch(/^Failed\t0$/m);
    expect(r.stderr).toContain('taskctl: sandbox: emulated servers with demo data, nothing real is touched\n');
    expect(r.stderr).toContain(`taskctl: sandbox: state in ${path.join(baseEnv(home).XDG_STATE_HOME ?? path.join(home, '.local', 'state'), 'taskctl', 'sandbox.json')}; \`taskctl sandbox reset\` starts over\n`);
    expect(r.stderr).toContain('6 transactions match');
    expect(r.stderr).toContain(`task ${taskId} completed: 6 of 6 reruns successful`);
    const file = path.join(baseEnv(home).XDG_STATE_HOME ?? path.join(home, '.local', 'state'), 'taskctl', 'sandbox.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // the next process sees what the first did, and the first-use note is not repeated
    const g = await sb(home, ['openhim', 'task', 'get', taskId, '--json']);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stderr).not.toContain('emulated servers with demo data');
    const task = g.json<{ status: string; transactions: Array<{ tstatus: string; rerunStatus: string }> }>();
    expect(task.status).toBe('Completed');
    expect(task.transactions.map((t) => t.rerunStatus)).toEqual(Array(6).fill('Successful'));
  });

  it('a rerun task created without --wait is run by the processor: caught up at the next start, live while watched', async () => {
    const home = freshHome();
    const r = await sb(home, ['openhim', 'transaction', 'rerun', '--status', 'Completed with error(s)', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const taskId = r.stdout.trim();
    expect(taskId).toMatch(/^[0-9a-f]{24}$/);
    const w = await sb(home, ['openhim', 'task', 'watch', taskId, '--interval', '100', '--json']);
    // the seeded 'Completed with error(s)' transactions fail again on rerun
    const g = await sb(home, ['openhim', 'task', 'get', taskId, '--json']);
    const task = g.json<{ status: string; transactions: Array<{ rerunStatus: string }> }>();
    expect(task.status, w.stderr).toBe('Completed');
    expect(task.transactions.map((t) => t.rerunStatus)).toEqual(['Failed', 'Failed']);
  });

  it('commands running at the same time lose nothing: every request is a transaction on the state file', async () => {
    const home = freshHome();
    await sb(home, ['sandbox', 'status']); // not a --sandbox command: creates nothing
    // six processes at once on a fresh HOME: each would seed and save its own state if writes were last-writer-wins
    const texts = ['one', 'two', 'three', 'four'];
    const runs = await Promise.all([
      ...texts.map((t) => sb(home, ['close', 'task', 'create', '--lead', 'lead_sandboxdemo', '--text', `parallel ${t}`, '--json'], { timeoutMs: 60_000 })),
      ...['a', 'b'].map((d) => sb(home, ['spaaza', 'task', 'create', '--desc', `parallel ${d}`, '--export-index', 'users', '--export-format', 'json', '--at', '+1h', '--json'], { timeoutMs: 60_000 })),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    // the seeded demo was created once: the first-use note appears in exactly one process
    expect(runs.filter((r) => r.stderr.includes('emulated servers with demo data')).length).toBe(1);
    const close = (await sb(home, ['close', 'task', 'list', '--type', 'all', '--json'])).json<Array<{ text: string }>>();
    expect(close.map((t) => t.text).filter((t) => t.startsWith('parallel')).sort()).toEqual(texts.map((t) => `parallel ${t}`).sort());
    expect(close).toHaveLength(7 + texts.length);
    const spaazaIds = runs.slice(texts.length).map((r) => r.json<{ id: number }>().id);
    expect(new Set(spaazaIds).size).toBe(2);
    const spaaza = (await sb(home, ['spaaza', 'task', 'list', '--json'])).json<Array<{ id: number; desc: string }>>();
    expect(spaaza.filter((t) => t.desc.startsWith('parallel')).map((t) => t.id).sort()).toEqual([...spaazaIds].sort());
  }, 120_000);

  it('a watch in one process sees what another process does meanwhile (resume), and finishes', async () => {
    const home = freshHome();
    const paused = (await sb(home, ['openhim', 'task', 'list', '--status', 'Paused', '--json'])).json<Array<{ _id: string }>>();
    expect(paused).toHaveLength(1);
    const id = paused[0]._id;
    const watch = startCli(['--sandbox', 'openhim', 'task', 'watch', id, '--interval', '100', '--wait-timeout', '60s'], { env: baseEnv(home), cwd: home, timeoutMs: 90_000 });
    let seenPaused = '';
    watch.child.stderr!.on('data', (d: Buffer) => (seenPaused += d.toString()));
    for (let i = 0; i < 300 && !seenPaused.includes('Paused'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(seenPaused).toContain('Paused');
    const resume = await sb(home, ['openhim', 'task', 'resume', id]);
    expect(resume.code, resume.stderr).toBe(0);
    const w = await watch.result;
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/^Status\tCompleted$/m);
    expect(w.stdout).toMatch(/^Successful\t2$/m);
  }, 120_000);

  it('XDG_STATE_HOME decides where the state lives; TASKCTL_SANDBOX=1 is --sandbox', async () => {
    const home = freshHome();
    const state = path.join(home, 'state');
    const r = await runCli(['openhim', 'status'], { env: { ...baseEnv(home), TASKCTL_SANDBOX: '1', XDG_STATE_HOME: state }, cwd: home, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Server\tSandbox \(taskctl's emulated OpenHIM, not a real server/);
    expect(r.stdout).toContain('Version\t8.5.0');
    expect(fs.existsSync(path.join(state, 'taskctl', 'sandbox.json'))).toBe(true);
  });

  it('create in one process, list in the next (state persisted), for Close and Spaaza', async () => {
    const home = freshHome();
    const c = await sb(home, ['close', 'task', 'create', '--lead', 'lead_sandboxdemo', '--text', 'from process one', '--json']);
    expect(c.code, c.stderr).toBe(0);
    const id = c.json<{ id: string }>().id;
    expect(id).toMatch(/^task_/);
    const l = await sb(home, ['close', 'task', 'list', '--json']);
    expect(l.code, l.stderr).toBe(0);
    const tasks = l.json<Array<{ id: string; text: string; _type: string }>>();
    expect(tasks.find((t) => t.id === id)?.text).toBe('from process one');
    expect(new Set(tasks.map((t) => t._type))).toEqual(new Set(['lead', 'incoming_email', 'missed_call', 'opportunity_due']));

    const s = await sb(home, ['spaaza', 'task', 'create', '--desc', 'mine', '--export-index', 'users', '--export-format', 'json', '--at', new Date(Date.now() + 3_600_000).toISOString(), '--json']);
    expect(s.code, s.stderr).toBe(0);
    const sid = String(s.json<{ id: number }>().id);
    const run = await sb(home, ['spaaza', 'task', 'run', sid]);
    expect(run.code, run.stderr).toBe(0);
    const out = path.join(home, 'users.json');
    const d = await sb(home, ['spaaza', 'task', 'download', sid, '-o', out]);
    expect(d.code, d.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(fs.readFileSync(out, 'utf8')))).toBe(true);
  });

  it("every tree's main verbs: conductor human tasks by id and by task reference with iterations, close complete, spaaza csv", async () => {
    const home = freshHome();
    const list = await sb(home, ['conductor', 'human', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const human = list.json<Array<{ taskId: string; displayName: string; state: string }>>();
    expect(human.map((t) => t.state)).toEqual(['ASSIGNED', 'ASSIGNED', 'ASSIGNED']);
    const expense = human.find((t) => t.displayName.startsWith('Approve expense'))!;
    const claim = await sb(home, ['conductor', 'human', 'claim', expense.taskId]);
    expect(claim.code, claim.stderr).toBe(0);
    const done = await sb(home, ['conductor', 'human', 'complete', expense.taskId, '--field', 'approved:=true']);
    expect(done.code, done.stderr).toBe(0);
    const ref = await sb(home, ['conductor', 'human', 'complete', '--workflow-id', 'wf-batch-12', '--task-ref', 'signoff', '--iteration', '0', '--field', 'ok:=true']);
    expect(ref.code, ref.stderr).toBe(0);
    const after = await sb(home, ['conductor', 'human', 'list', '--search-type', 'ADMIN', '--state', 'COMPLETED', '--json']);
    expect(after.json<Array<{ displayName: string }>>().map((t) => t.displayName).sort()).toEqual(['Approve expense #1001', 'Sign off batch, round 1']);

    const open = (await sb(home, ['close', 'task', 'list', '--incomplete', '--json'])).json<Array<{ id: string }>>();
    const comp = await sb(home, ['close', 'task', 'complete', open[0].id, open[1].id]);
    expect(comp.code, comp.stderr).toBe(0);
    expect((await sb(home, ['close', 'task', 'list', '--incomplete', '--json'])).json<unknown[]>()).toHaveLength(open.length - 2);

    const sp = (await sb(home, ['spaaza', 'task', 'list', '--status', 'READY', '--json'])).json<Array<{ id: number }>>();
    expect(sp).toHaveLength(1);
    expect((await sb(home, ['spaaza', 'task', 'run', String(sp[0].id)])).code).toBe(0);
    const csv = path.join(home, 'ledger.csv');
    expect((await sb(home, ['spaaza', 'task', 'download', String(sp[0].id), '-o', csv])).code).toBe(0);
    expect(fs.readFileSync(csv, 'utf8').split('\n')[0]).toBe('id,chain_id,index,timestamp,value');

    const show = await sb(home, ['profile', 'show']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('sandbox (spaaza)');
    expect(show.stdout).toMatch(/tokenSecret\t\*\*\*\tsandbox/);
    const plist = await sb(home, ['profile', 'list']);
    expect(plist.code, plist.stderr).toBe(0);
    expect(plist.stdout.trim().split('\n').slice(1).map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual(['sandbox openhim', 'sandbox conductor', 'sandbox close', 'sandbox spaaza']);
    const test = await sb(home, ['profile', 'test']);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stderr.match(/^✓ sandbox \(\w+\): connected and authenticated to taskctl's emulator, not a real server$/gm)).toHaveLength(4);
  }, 120_000);

  it('an unreadable state file is replaced by the seeded demo, with a warning (once)', async () => {
    const home = freshHome();
    const file = path.join(baseEnv(home).XDG_STATE_HOME, 'taskctl', 'sandbox.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"not": "a sandbox"');
    const r = await sb(home, ['close', 'task', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`taskctl: warning: the sandbox state in ${file} was unreadable`);
    // the seeded demo's seven Close tasks
    expect(r.json<unknown[]>()).toHaveLength(7);
    const again = await sb(home, ['close', 'task', 'list', '--json']);
    expect(again.stderr).toBe('');
  });

  it('a broken .openhimrc in the cwd is irrelevant under --sandbox (and is an error without it)', async () => {
    const home = freshHome();
    const dir = fs.mkdtempSync(path.join(home, 'proj-'));
    fs.writeFileSync(path.join(dir, '.openhimrc'), 'profiles: [oops\n');
    const without = await runCli(['openhim', 'task', 'list'], { env: baseEnv(home), cwd: dir });
    expect(without.code).toBe(3);
    const r = await sb(home, ['openhim', 'task', 'list'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Paused');
  });
});

describe('e2e: sandbox reset and status', () => {
  it('status tells what the state holds; reset asks, needs --yes without a terminal, and restores the demo', async () => {
    const home = freshHome();
    const env = baseEnv(home);
    const none = await runCli(['sandbox', 'status', '--json'], { env, cwd: home });
    expect(none.json()).toMatchObject({ sandbox: true, exists: false });
    await sb(home, ['close', 'task', 'create', '--lead', 'lead_x', '--text', 'extra']);
    const st = await runCli(['sandbox', 'status', '--json'], { env, cwd: home });
    expect(st.json<{ counts: { close: { tasks: number } } }>().counts.close.tasks).toBe(8);
    const refused = await runCli(['sandbox', 'reset'], { env, cwd: home });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('confirmation needed');
    const reset = await runCli(['sandbox', 'reset', '--yes'], { env, cwd: home });
    expect(reset.code, reset.stderr).toBe(0);
    const again = await runCli(['sandbox', 'status', '--json'], { env, cwd: home });
    expect(again.json<{ counts: { close: { tasks: number }; openhim: { transactions: number } } }>().counts).toMatchObject({ close: { tasks: 7 }, openhim: { transactions: 12 } });
  });
});

interface Served {
  stdout: string;
  env: Record<string, string>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; stderr: string }>;
}

/** Starts `taskctl sandbox serve` and waits until it prints its environment block. */
async function serve(home: string, args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'sandbox', 'serve', ...args], { env: baseEnv(home), cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => (clearTimeout(killer), resolve(code))));
  for (let i = 0; i < 300 && !stderr.includes('Ctrl-C or SIGTERM stops it'); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(stderr).toContain('Ctrl-C or SIGTERM stops it');
  const env: Record<string, string> = {};
  for (const m of stdout.matchAll(/([A-Z_]+)=(\S+)/g)) env[m[1]] = m[2];
  return {
    stdout,
    env,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      const code = await exited;
      return { code, stderr };
    },
  };
}

function basic(user: string, pw: string) {
  return `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
}

describe('e2e: sandbox serve', () => {
  it('serves each emulator at the root of its own port, answers as the real servers do, works for taskctl and openhim-api.sh, stops on SIGTERM', async () => {
    const home = freshHome();
    const port = await freePortRun();
    const s = await serve(home, ['--port', String(port)]);
    expect(s.env.OPENHIM_URL).toBe(`http://127.0.0.1:${port}`);
    expect(s.env.CONDUCTOR_SERVER_URL).toBe(`http://127.0.0.1:${port + 1}`);
    expect(s.env.CLOSE_URL).toBe(`http://127.0.0.1:${port + 2}`);
    expect(s.env.SPAAZA_URL).toBe(`http://127.0.0.1:${port + 3}`);
    expect(s.stdout).toContain('profiles:\n  sandbox-openhim:\n    provider: openhim');
    try {
      const q = '/tasks?filterLimit=100&filterPage=0&filters=%7B%7D';
      const ok = await fetch(`${s.env.OPENHIM_URL}${q}`, { headers: { authorization: basic('root@openhim.org', 'openhim-password') } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as Array<{ status: string }>).map((t) => t.status)).toEqual(['Paused']);
      const bad = await fetch(`${s.env.OPENHIM_URL}${q}`, { headers: { authorization: basic('root@openhim.org', 'wrong') } });
      expect([bad.status, await bad.text()]).toEqual([401, 'Unauthorized']);
      const close = await fetch(`${s.env.CLOSE_URL}/api/v1/task/?_type=all`, { headers: { authorization: basic(s.env.CLOSE_API_KEY, '') } });
      expect(close.status).toBe(200);
      expect(close.headers.get('ratelimit')).toMatch(/^limit=\d+, remaining=\d+, reset=[\d.]+$/);

      // the original openhim-api.sh procedure (token auth) against it
      const out = await new Promise<string>((resolve, reject) =>
        execFile('bash', [path.join(ROOT, 'bench', 'openhim-api.sh'), 'root@openhim.org', 'openhim-password', '-s', `${s.env.OPENHIM_URL}/tasks?filterLimit=10&filterPage=0&filters=%7B%7D`], { timeout: 20_000 }, (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        ),
      );
      expect(JSON.parse(out)).toHaveLength(1);

      // taskctl with the printed environment variables (the normal, non-sandbox path)
      const r = await runCli(['openhim', 'transaction', 'list', '--status', 'Failed', '--json'], { env: { ...baseEnv(home), ...s.env }, cwd: home });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json<unknown[]>()).toHaveLength(6);

      // one sandbox: a --sandbox command of another process (same state file) changes what serve answers
      const c = await sb(home, ['close', 'task', 'create', '--lead', 'lead_sandboxdemo', '--text', 'made beside serve', '--json']);
      expect(c.code, c.stderr).toBe(0);
      const listed = await fetch(`${s.env.CLOSE_URL}/api/v1/task/?_type=all`, { headers: { authorization: basic(s.env.CLOSE_API_KEY, '') } });
      expect(((await listed.json()) as { data: Array<{ id: string; text: string }> }).data.find((t) => t.id === c.json<{ id: string }>().id)?.text).toBe('made beside serve');
    } finally {
      const stopped = await s.stop();
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).toContain('sandbox stopped (SIGTERM)');
    }
  }, 120_000);

  it('--faults injects 429s that taskctl rides out; a bad spec exits 2', async () => {
    const home = freshHome();
    const bad = await runCli(['sandbox', 'serve', '--faults', '429:ten'], { env: baseEnv(home), cwd: home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"429:ten" is not a fault');
    const port = await freePortRun();
    const s = await serve(home, ['--port', String(port), '--faults', '429:40%']);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const res = await fetch(`${s.env.SPAAZA_URL}/tasks`, { headers: { authorization: `Bearer ${s.env.SPAAZA_TOKEN_ID}:${s.env.SPAAZA_TOKEN_SECRET}` } });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      expect(statuses).toContain(429);
      expect(statuses).toContain(200);
      const r = await runCli(['spaaza', 'task', 'list', '--retries', '12', '--json'], { env: { ...baseEnv(home), ...s.env }, cwd: home, timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json<unknown[]>()).toHaveLength(2);
    } finally {
      // Ctrl-C stops it as SIGTERM does, state saved
      const stopped = await s.stop('SIGINT');
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).toMatch(/sandbox stopped \(SIGINT\); state saved in /);
    }
  }, 120_000);
});

/** The ```sh block of the README that follows `marker`, as its lines. */
function readmeBlock(marker: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const from = readme.indexOf(marker);
  expect(from, marker).toBeGreaterThan(-1);
  const start = readme.indexOf('```sh\n', from) + '```sh\n'.length;
  return readme.slice(start, readme.indexOf('```', start));
}

/** bash running `script` with `taskctl` on PATH (the built binary) in a fresh HOME. */
function bash(home: string, script: string, env: Record<string, string> = {}) {
  const bin = path.join(home, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'taskctl'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: home, env: { ...baseEnv(home), PATH: `${bin}:${process.env.PATH}`, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('close', (code) => (clearTimeout(killer), resolve({ code, stdout, stderr })));
  });
}

describe('e2e: the README sandbox blocks run as written', () => {
  it('the tour, one command per provider, on a fresh HOME', async () => {
    const home = freshHome();
    const tour = readmeBlock('A short tour, one command per provider');
    const r = await bash(home, `set -e -o pipefail\n${tour}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\tresumed\t200/);
    expect(r.stdout).toMatch(/^Result\tcompleted$/m);
    expect(r.stdout).toContain('Call back about the renewal');
    expect(fs.readFileSync(path.join(home, 'ledger.csv'), 'utf8').split('\n')[0]).toBe('id,chain_id,index,timestamp,value');
    expect(r.stdout).toMatch(/^Sandbox\ttaskctl's built-in emulators \(not real servers\)$/m);
  }, 120_000);

  it('the CI job step: serve with --faults, a script against it, kill', async () => {
    const home = freshHome();
    const port = await freePortRun();
    const step = readmeBlock('### `sandbox serve`: test your scripts against it').replaceAll('8480', String(port));
    fs.mkdirSync(path.join(home, 'scripts'));
    // "your script": the main job, against the servers the environment variables name (no --sandbox)
    fs.writeFileSync(path.join(home, 'scripts', 'rerun-failed.sh'), '#!/bin/sh\nexec taskctl openhim transaction rerun --status Failed --yes --wait --retries 8\n', { mode: 0o755 });
    const runnerTemp = fs.mkdtempSync(path.join(home, 'runner-'));
    const r = await bash(home, `set -e\n${step}\nwait "$sandbox" || echo "serve exited $?"`, { RUNNER_TEMP: runnerTemp });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/task [0-9a-f]{24} completed: 6 of 6 reruns successful/);
    expect(r.stdout).not.toContain('serve exited');
    expect(fs.existsSync(path.join(runnerTemp, 'sandbox.json'))).toBe(true);
  }, 120_000);
});

/**
 * Configuration you can trust, through the built binary: project files are used only once trusted (an
 * attacker's URL receives nothing before), user + project files merge, hostile or odd files are exit 3
 * naming the file, and every config write keeps the file (format, comments, symlink, mode) and loses no
 * concurrent change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { BIN, CANARY, baseEnv, runCli, sandboxDir } from '../helpers/cli.js';

/** A home of its own per test: user file, state (trust store) and cache. */
function freshHome() {
  const home = fs.mkdtempSync(path.join(sandboxDir(), 'trust-'));
  const env = { HOME: home, XDG_CONFIG_HOME: path.join(home, 'cfg'), XDG_STATE_HOME: path.join(home, 'state'), XDG_CACHE_HOME: path.join(home, 'cache') };
  const userFile = path.join(home, 'cfg', 'taskctl', 'config.yaml');
  const repo = path.join(home, 'repo');
  fs.mkdirSync(path.join(repo, 'src', 'deep'), { recursive: true });
  return { home, env, userFile, repo, sub: path.join(repo, 'src', 'deep') };
}

function writeFile(file: string, text: string | Buffer, mode = 0o600): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return file;
}

/** Any server: records every request it receives and answers 200 {}. */
let attacker: http.Server;
let attackerUrl: string;
const received: { method?: string; url?: string; headers: http.IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  attacker = http.createServer((req, res) => {
    received.push({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end('{"currentCoreVersion":"8.5.0","serverTimezone":"UTC","now":"2026-01-01T00:00:00Z"}');
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => attacker.close(() => r())));

describe('trust', () => {
  it('an untrusted project file pointing at another host receives nothing: exit 3 naming the file and the command', async () => {
    const h = freshHome();
    const rc = writeFile(path.join(h.repo, '.openhimrc'), `profiles:\n  core:\n    provider: openhim\n    url: ${attackerUrl}\n    username: me@example.org\n    password: \${CI_DEPLOY_TOKEN}\n`);
    const env = { ...h.env, OPENHIM_PASSWORD: CANARY.openhimPassword, CI_DEPLOY_TOKEN: 'deploy-token-canary-1' };
    const before = received.length;
    for (const args of [['openhim', 'status'], ['openhim', 'status', '--dry-run', '--verbose'], ['openhim', 'api', 'GET', '/about']]) {
      const r = await runCli(args, { cwd: h.sub, env, secrets: ['deploy-token-canary-1'] });
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toContain(`project config ${rc} is not trusted; nothing was sent`);
      expect(r.stderr).toContain(`taskctl config trust ${rc}`);
      expect(r.stdout).toBe('');
    }
    expect(received.length).toBe(before);

    // config path shows it, untrusted; config trust shows profiles and URLs, needs --yes without a terminal
    const p = await runCli(['config', 'path', '--json'], { cwd: h.sub, env });
    expect(p.code).toBe(0);
    expect(p.json()).toEqual([
      { file: h.userFile, role: 'user', exists: false, trust: 'always', profiles: 0 },
      { file: rc, role: 'project', exists: true, trust: 'untrusted', profiles: 1 },
    ]);
    const ask = await runCli(['config', 'trust'], { cwd: h.sub, env });
    expect(ask.code).toBe(2);
    expect(ask.stderr).toContain(`core (openhim) → ${attackerUrl}`);
    expect(ask.stderr).toContain('pass --yes to confirm without a terminal');
    const ok = await runCli(['config', 'trust', '--yes'], { cwd: h.sub, env });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain(`core (openhim) → ${attackerUrl}`);
    const store = path.join(h.env.XDG_STATE_HOME, 'taskctl', 'trust.json');
    expect(fs.statSync(store).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(fs.readFileSync(store, 'utf8')).files)).toEqual([rc]);

    // trusted: used
    const used = await runCli(['openhim', 'api', 'GET', '/about'], { cwd: h.sub, env, secrets: ['deploy-token-canary-1'] });
    expect(used.code).toBe(0);
    expect(received.length).toBe(before + 1);

    // changed since: untrusted again, nothing sent
    fs.appendFileSync(rc, '# edited\n');
    const changed = await runCli(['openhim', 'api', 'GET', '/about'], { cwd: h.sub, env });
    expect(changed.code).toBe(3);
    expect(changed.stderr).toContain(`project config ${rc} changed since it was trusted`);
    expect(received.length).toBe(before + 1);

    // --config / TASKCTL_CONFIG name the file explicitly: trusted
    expect((await runCli(['openhim', 'api', 'GET', '/about', '--config', rc], { cwd: h.sub, env, secrets: ['deploy-token-canary-1'] })).code).toBe(0);
    expect((await runCli(['openhim', 'api', 'GET', '/about'], { cwd: h.sub, env: { ...env, TASKCTL_CONFIG: rc }, secrets: ['deploy-token-canary-1'] })).code).toBe(0);
    expect(received.length).toBe(before + 3);

    // untrust
    await runCli(['config', 'trust', '--yes'], { cwd: h.sub, env });
    const un = await runCli(['config', 'untrust'], { cwd: h.sub, env });
    expect(un.code).toBe(0);
    expect(un.stderr).toContain(`${rc} is no longer trusted`);
    expect((await runCli(['openhim', 'status'], { cwd: h.sub, env })).code).toBe(3);
    expect(received.length).toBe(before + 3);
  });

  it('user and project files merge: project profiles added, its defaults win per provider; list and show name the files', async () => {
    const h = freshHome();
    writeFile(h.userFile, `defaults:\n  openhim: mine\nprofiles:\n  mine:\n    provider: openhim\n    url: https://mine.example:8080\n    username: a@b.c\n    password: \${PW}\n  crm:\n    provider: close\n    apiKey: \${CK}\n`);
    const rc = writeFile(path.join(h.repo, '.openhimrc'), `defaults:\n  openhim: proj\nprofiles:\n  proj:\n    provider: openhim\n    url: https://proj.example:8080\n    username: p@b.c\n    password: \${PW}\n`);
    expect((await runCli(['config', 'trust', '--yes'], { cwd: h.sub, env: h.env })).code).toBe(0);
    const list = await runCli(['profile', 'list', '--json'], { cwd: h.sub, env: h.env });
    expect(list.code).toBe(0);
    expect(list.json()).toEqual([
      { name: 'mine', provider: 'openhim', url: 'https://mine.example:8080', default: false, file: h.userFile },
      { name: 'crm', provider: 'close', url: 'https://api.close.com', default: false, file: h.userFile },
      { name: 'proj', provider: 'openhim', url: 'https://proj.example:8080', default: true, file: rc },
    ]);
    // a user-file profile works inside the project (it used to be hidden: exit 3)
    const show = await runCli(['profile', 'show', 'crm', '--json'], { cwd: h.sub, env: { ...h.env, CK: CANARY.closeApiKey } });
    expect(show.code).toBe(0);
    expect(show.json()).toMatchObject({ name: 'crm', file: h.userFile, fields: { apiKey: { value: '***' } } });
  });
});

describe('profile show and profile add tell the truth', () => {
  it('profile show prints every field with <unset $VAR> for an unset placeholder, then exits 3', async () => {
    const h = freshHome();
    writeFile(h.userFile, `profiles:\n  core:\n    provider: openhim\n    url: https://core.example:8080\n    username: a@b.c\n    password: \${NOT_SET_PW}\n`);
    const r = await runCli(['profile', 'show', 'core'], { env: h.env });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('url\thttps://core.example:8080');
    expect(r.stdout).toContain('username\ta@b.c');
    expect(r.stdout).toContain('password\t<unset $NOT_SET_PW>');
    expect(r.stderr).toContain('NOT_SET_PW is not set');
  });

  it('profile add of an existing name needs --yes without a terminal, and changes nothing before', async () => {
    const h = freshHome();
    const add = (extra: string[]) => runCli(['profile', 'add', 'crm', '--provider', 'close', '--secret-env', 'CLOSE_API_KEY', ...extra], { env: h.env });
    expect((await add([])).code).toBe(0);
    const before = fs.readFileSync(h.userFile, 'utf8');
    const again = await add([]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('Profile "crm" (close) exists');
    expect(fs.readFileSync(h.userFile, 'utf8')).toBe(before);
    const yes = await add(['--yes']);
    expect(yes.code).toBe(0);
    expect(yes.stderr).toContain('replaced profile "crm"');
  });
});

describe('hostile and odd files: exit 3 naming the file, never a crash', () => {
  const cases: [string, string | Buffer, RegExp, string?][] = [
    ['userinfo in the URL', 'profiles:\n  x:\n    provider: openhim\n    url: http://user:hunter2-secret@127.0.0.1:9\n    username: a@b.c\n    password: p\n', /the url has a user name or password in it/, 'hunter2-secret'],
    ['Latin-1', Buffer.concat([Buffer.from('profiles:\n  x:\n    provider: openhim\n    url: http://127.0.0.1:9\n    username: caf'), Buffer.from([0xe9]), Buffer.from('@b.c\n')]), /is not UTF-8/],
    ['over 1 MiB', `# ${'x'.repeat(1024 * 1024)}\nprofiles: {}\n`, /larger than 1 MiB/],
    ['100,000-deep JSON', `{"profiles":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /nests deeper than 64 levels/],
    ['a YAML alias bomb', `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n`, /YAML aliases expand too much/],
    ['a YAML error on line 4', 'profiles:\n  x:\n    provider: openhim\n    provider: close\n    url: http://127.0.0.1:9\n', /\.openhimrc\.yaml:4:5: invalid YAML: Map keys must be unique/],
  ];
  for (const [what, content, message, secret] of cases) {
    it(what, async () => {
      const h = freshHome();
      const name = what.includes('JSON') ? '.openhimrc.json' : '.openhimrc.yaml';
      const file = writeFile(path.join(h.repo, name), content);
      const r = await runCli(['--config', file, 'openhim', 'status', '--verbose'], { env: h.env, secrets: secret ? [secret] : [] });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/Maximum call stack|at .*\.js:\d+/);
    });
  }

  it('profile names are own keys: constructor and __proto__ are unknown names, not crashes', async () => {
    const h = freshHome();
    const file = writeFile(path.join(h.repo, '.openhimrc.json'), '{"profiles":{"__proto__":{"provider":"close","apiKey":"k"}}}');
    const c = await runCli(['--config', file, '-p', 'constructor', 'openhim', 'status'], { env: h.env });
    expect(c.code).toBe(3);
    expect(c.stderr).toContain('unknown profile "constructor"');
    expect((await runCli(['--config', file, 'openhim', 'status'], { env: { ...h.env, TASKCTL_PROFILE: 'constructor' } })).code).toBe(3);
    const p = await runCli(['--config', file, 'profile', 'list', '--json'], { env: h.env });
    expect(p.code).toBe(0);
    expect(p.json()).toEqual([{ name: '__proto__', provider: 'close', url: 'https://api.close.com', default: false, file }]);
  });

  it('a file writable by others is refused; one writable by its group warns', async () => {
    const h = freshHome();
    const file = writeFile(path.join(h.repo, '.openhimrc'), `profiles:\n  x:\n    provider: close\n    apiKey: \${K}\n`, 0o666);
    const r = await runCli(['--config', file, 'profile', 'list'], { env: h.env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file} is writable by other users (mode 666)`);
    fs.chmodSync(file, 0o660);
    const g = await runCli(['--config', file, 'profile', 'list'], { env: h.env });
    expect(g.code).toBe(0);
    expect(g.stderr).toContain(`warning: ${file} is writable by its group (mode 660)`);
  });

  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  it.skipIf(!root)('a project file owned by another user (nobody) is refused, even for the password in the environment', async () => {
    const h = freshHome();
    const rc = writeFile(path.join(h.repo, '.openhimrc'), `profiles:\n  core:\n    provider: openhim\n    url: ${attackerUrl}\n    username: a@b.c\n`, 0o644);
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    fs.chownSync(rc, nobody, nobody);
    const before = received.length;
    const r = await runCli(['openhim', 'status'], { cwd: h.sub, env: { ...h.env, OPENHIM_PASSWORD: CANARY.openhimPassword } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${rc} is owned by another user (uid ${nobody})`);
    // trusting it does not help: ownership is checked first
    expect((await runCli(['config', 'trust', '--yes'], { cwd: h.sub, env: h.env })).code).toBe(3);
    expect(received.length).toBe(before);
  });
});

describe('writes keep the file and lose nothing', () => {
  it('profile use on a JSON .openhimrc keeps it JSON (indentation too) and trusted', async () => {
    const h = freshHome();
    const json = `{\n    "defaults": {\n        "openhim": "core"\n    },\n    "profiles": {\n        "core": {"provider": "openhim", "url": "${attackerUrl}", "username": "a@b.c", "password": "\${PW}"},\n        "spare": {"provider": "openhim", "url": "${attackerUrl}", "username": "b@b.c", "password": "\${PW}"}\n    }\n}\n`;
    const rc = writeFile(path.join(h.repo, '.openhimrc'), json);
    expect((await runCli(['config', 'trust', '--yes'], { cwd: h.sub, env: h.env })).code).toBe(0);
    const r = await runCli(['profile', 'use', 'spare'], { cwd: h.sub, env: h.env });
    expect(r.code, r.stderr).toBe(0);
    const text = fs.readFileSync(rc, 'utf8');
    const data = JSON.parse(text);
    expect(data.defaults.openhim).toBe('spare');
    expect(data.profiles.core.password).toBe('${PW}');
    expect(text).toContain('\n    "defaults": {\n        "openhim": "spare"');
    // rewritten by taskctl itself: still trusted
    const show = await runCli(['profile', 'show', '--json'], { cwd: h.sub, env: { ...h.env, PW: 'x' } });
    expect(show.code, show.stderr).toBe(0);
  });

  it('YAML keeps its comments, order and ${VAR} placeholders; a symlinked user file stays a symlink, its mode kept', async () => {
    const h = freshHome();
    const real = writeFile(path.join(h.home, 'dotfiles', 'taskctl.yaml'), `# my profiles\ndefaults:\n  openhim: a # the usual one\nprofiles:\n  # production\n  a:\n    provider: openhim\n    url: https://a.example:8080\n    username: a@b.c\n    password: \${A_PW}\n  b:\n    provider: openhim\n    url: https://b.example:8080\n    username: b@b.c\n    password: \${B_PW}\n`, 0o640);
    fs.mkdirSync(path.dirname(h.userFile), { recursive: true });
    fs.symlinkSync(real, h.userFile);
    expect((await runCli(['profile', 'use', 'b'], { env: h.env })).code).toBe(0);
    expect((await runCli(['profile', 'add', 'crm', '--provider', 'close', '--secret-env', 'CLOSE_API_KEY'], { env: h.env })).code).toBe(0);
    expect(fs.lstatSync(h.userFile).isSymbolicLink()).toBe(true);
    expect(fs.statSync(real).mode & 0o777).toBe(0o640);
    const text = fs.readFileSync(real, 'utf8');
    expect(text).toContain('# my profiles\n');
    expect(text).toContain('openhim: b # the usual one');
    expect(text).toContain('  # production\n  a:');
    expect(text.indexOf('  a:')).toBeLessThan(text.indexOf('  b:'));
    expect(text).toContain('password: ${A_PW}');
    expect(YAML.parse(text).profiles.crm).toEqual({ provider: 'close', apiKey: '${CLOSE_API_KEY}' });
    expect(fs.readdirSync(path.dirname(real))).toEqual(['taskctl.yaml']);
  });

  it('concurrent profile add (several real processes) loses no profile', async () => {
    const h = freshHome();
    const env = { ...baseEnv(h.home), ...h.env };
    const one = (name: string) =>
      new Promise<number | null>((resolve) => {
        const c = spawn(process.execPath, [BIN, 'profile', 'add', name, '--provider', 'close', '--secret-env', 'CLOSE_API_KEY'], { env, stdio: 'ignore' });
        c.on('close', resolve);
      });
    const names = Array.from({ length: 4 }, (_, w) => Array.from({ length: 4 }, (_, i) => `w${w}-p${i}`));
    // four writers at once, each adding its names one after the other
    const codes = (await Promise.all(names.map(async (list) => { const out: (number | null)[] = []; for (const n of list) out.push(await one(n)); return out; }))).flat();
    const profiles = YAML.parse(fs.readFileSync(h.userFile, 'utf8')).profiles;
    // each either succeeded (and is there) or hit the lock timeout (exit 1, nothing changed)
    names.flat().forEach((n, i) => expect(codes[i] === 0 ? n in profiles : codes[i] === 1 && !(n in profiles), `${n}: exit ${codes[i]}`).toBe(true));
    expect(codes.filter((c) => c === 0).length).toBeGreaterThan(0);
    expect(fs.statSync(h.userFile).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(h.userFile))).toEqual(['config.yaml']);
  }, 120_000);

  it('a stale lock and the temporary file of a killed writer do not block: the next write cleans them up', async () => {
    const h = freshHome();
    writeFile(h.userFile, 'profiles: {}\n');
    const lock = `${h.userFile}.lock`;
    fs.mkdirSync(lock);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    writeFile(path.join(path.dirname(h.userFile), '.config.yaml.4242.deadbeef.taskctl-tmp'), 'half a file');
    const r = await runCli(['profile', 'add', 'crm', '--provider', 'close', '--secret-env', 'CLOSE_API_KEY'], { env: h.env });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(path.dirname(h.userFile))).toEqual(['config.yaml']);
  });

  it('a writer killed with SIGKILL at any moment leaves a whole file; the next writer cleans up after it', async () => {
    const h = freshHome();
    writeFile(h.userFile, '# keep me\nprofiles:\n  base:\n    provider: close\n    apiKey: ${K}\n');
    const env = { ...baseEnv(h.home), ...h.env };
    for (let i = 0; i < 6; i++) {
      const c = spawn(process.execPath, [BIN, 'profile', 'add', `k${i}`, '--provider', 'close', '--secret-env', 'CLOSE_API_KEY'], { env, stdio: 'ignore' });
      // kill it somewhere between start-up and the end of its write (the moment varies; the promise does not)
      await new Promise((r) => setTimeout(r, 40 * i));
      c.kill('SIGKILL');
      await new Promise((r) => c.on('close', r));
      const text = fs.readFileSync(h.userFile, 'utf8');
      expect(text.startsWith('# keep me\n')).toBe(true);
      expect(YAML.parse(text).profiles.base).toEqual({ provider: 'close', apiKey: '${K}' });
    }
    const r = await runCli(['profile', 'add', 'after', '--provider', 'close', '--secret-env', 'CLOSE_API_KEY'], { env: h.env, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(YAML.parse(fs.readFileSync(h.userFile, 'utf8')).profiles.after).toBeDefined();
    expect(fs.readdirSync(path.dirname(h.userFile))).toEqual(['config.yaml']);
  }, 60_000);

  it('a lock held by a live writer: waits, then exit 1 with nothing changed', async () => {
    const h = freshHome();
    writeFile(h.userFile, 'profiles: {}\n');
    const lock = `${h.userFile}.lock`;
    fs.mkdirSync(lock);
    // a live holder refreshes its lock
    const keep = setInterval(() => {
      const now = new Date();
      fs.utimesSync(lock, now, now);
    }, 500);
    try {
      const r = await runCli(['profile', 'add', 'crm', '--provider', 'close', '--secret-env', 'CLOSE_API_KEY'], { env: h.env, timeoutMs: 60_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('is locked by another taskctl');
      expect(r.stderr).toContain('nothing was changed');
      expect(fs.readFileSync(h.userFile, 'utf8')).toBe('profiles: {}\n');
    } finally {
      clearInterval(keep);
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }, 90_000);
});

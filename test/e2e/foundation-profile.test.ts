/**
 * `taskctl profile …` and configuration rules through the built binary: non-interactive add with
 * --secret-stdin / --secret-env, 0600 files, list/show with sources, use/remove with the confirmation
 * rules, test against a fake server, selection precedence, and config errors (exit 3 naming file,
 * profile and field).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { startOpenhim, type FakeOpenhim } from '../servers/openhim.js';
import { CANARY, runCli, sandboxDir, writeConfig } from '../helpers/cli.js';

const USER = 'admin@example.org';
const PW = CANARY.openhimPassword;

function freshHome() {
  const home = fs.mkdtempSync(path.join(sandboxDir(), 'home-'));
  return { HOME: home, XDG_CONFIG_HOME: path.join(home, 'cfg'), file: path.join(home, 'cfg', 'taskctl', 'config.yaml') };
}

describe('profile add / list / show / use / remove', () => {
  let fake: FakeOpenhim;
  beforeAll(async () => {
    fake = await startOpenhim({ users: [{ email: USER, password: PW, groups: ['admin'] }] });
  });
  afterAll(() => fake.close());

  it('adds a profile from flags and --secret-stdin into a 0600 user config file, then uses it', async () => {
    const h = freshHome();
    const env = { HOME: h.HOME, XDG_CONFIG_HOME: h.XDG_CONFIG_HOME };
    const r = await runCli(['profile', 'add', 'core', '--provider', 'openhim', '--url', fake.url, '--username', USER, '--auth', 'basic', '--secret-stdin', '--default'], { env, input: `${PW}\n` });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`added profile "core" (openhim) in ${h.file} (mode 600), default for openhim`);
    expect(fs.statSync(h.file).mode & 0o777).toBe(0o600);
    const saved = YAML.parse(fs.readFileSync(h.file, 'utf8'));
    expect(saved).toEqual({ profiles: { core: { provider: 'openhim', url: fake.url, username: USER, auth: 'basic', password: PW } }, defaults: { openhim: 'core' } });

    const status = await runCli(['openhim', 'status', '--json'], { env });
    expect(status.code).toBe(0);
    expect(status.json<{ auth: string }>().auth).toBe('basic');

    const test = await runCli(['profile', 'test', 'core'], { env });
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/^Version\t8\.5\.0$/m);
    expect(test.stderr).toContain('✓ core: connected and authenticated');
  });

  it('--secret-env stores a ${VAR} placeholder; show resolves it, masks it and names the sources', async () => {
    const h = freshHome();
    const env = { HOME: h.HOME, XDG_CONFIG_HOME: h.XDG_CONFIG_HOME };
    expect((await runCli(['profile', 'add', 'core', '--provider', 'openhim', '--url', fake.url, '--username', USER, '--secret-env', 'CORE_PASSWORD'], { env })).code).toBe(0);
    expect(fs.readFileSync(h.file, 'utf8')).toContain('password: ${CORE_PASSWORD}');

    const show = await runCli(['profile', 'show', 'core', '--json'], { env: { ...env, CORE_PASSWORD: PW, OPENHIM_USERNAME: 'other@example.org' } });
    expect(show.code).toBe(0);
    const doc = show.json<{ fields: Record<string, { value: unknown; source: string }> }>();
    expect(doc.fields.password).toEqual({ value: '***', source: `${h.file} (\${CORE_PASSWORD})` });
    expect(doc.fields.username).toEqual({ value: 'other@example.org', source: 'env:OPENHIM_USERNAME' });
    expect(doc.fields.url).toEqual({ value: fake.url, source: h.file });
    expect(doc.fields.insecure).toEqual({ value: false, source: 'default' });

    const table = await runCli(['profile', 'show', 'core'], { env: { ...env, CORE_PASSWORD: PW } });
    expect(table.stdout).toContain(`password\t***\t${h.file} (\${CORE_PASSWORD})`);
  });

  it('list shows providers, URLs and defaults; use switches the default; remove needs --yes without a terminal', async () => {
    const h = freshHome();
    const env = { HOME: h.HOME, XDG_CONFIG_HOME: h.XDG_CONFIG_HOME };
    await runCli(['profile', 'add', 'a', '--provider', 'openhim', '--url', 'https://a.example:8080', '--username', USER, '--secret-env', 'A_PW', '--default'], { env });
    await runCli(['profile', 'add', 'b', '--provider', 'openhim', '--url', 'https://b.example:8080', '--username', USER, '--secret-env', 'B_PW'], { env });
    await runCli(['profile', 'add', 'crm', '--provider', 'close', '--secret-env', 'CLOSE_KEY'], { env });

    let list = await runCli(['profile', 'list', '--json'], { env });
    expect(list.json()).toEqual([
      { name: 'a', provider: 'openhim', url: 'https://a.example:8080', default: true, file: h.file },
      { name: 'b', provider: 'openhim', url: 'https://b.example:8080', default: false, file: h.file },
      { name: 'crm', provider: 'close', url: 'https://api.close.com', default: false, file: h.file },
    ]);
    expect((await runCli(['profile', 'use', 'b'], { env })).code).toBe(0);
    list = await runCli(['profile', 'list'], { env });
    expect(list.stdout.split('\n')[0]).toBe('name\tprovider\turl\tdefault\tfile');
    expect(list.stdout).toContain(`b\topenhim\thttps://b.example:8080\tyes\t${h.file}`);

    const refused = await runCli(['profile', 'remove', 'b'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes to confirm without a terminal');
    expect(YAML.parse(fs.readFileSync(h.file, 'utf8')).profiles.b).toBeDefined();

    const removed = await runCli(['profile', 'remove', 'b', '--yes'], { env });
    expect(removed.code).toBe(0);
    const saved = YAML.parse(fs.readFileSync(h.file, 'utf8'));
    expect(saved.profiles.b).toBeUndefined();
    expect(saved.defaults.openhim).toBeUndefined();
  });

  it('add without a secret source and without a terminal is exit 2 and writes nothing', async () => {
    const h = freshHome();
    const r = await runCli(['profile', 'add', 'core', '--provider', 'openhim', '--url', fake.url, '--username', USER], { env: { HOME: h.HOME, XDG_CONFIG_HOME: h.XDG_CONFIG_HOME } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the profile needs its password');
    expect(fs.existsSync(h.file)).toBe(false);
    const bad = await runCli(['profile', 'add', 'x', '--provider', 'jira', '--url', fake.url], { env: { HOME: h.HOME, XDG_CONFIG_HOME: h.XDG_CONFIG_HOME } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--provider "jira": expected one of openhim, conductor, close, spaaza');
  });

  it('profile test with a wrong password exits 4', async () => {
    const file = writeConfig(`profiles:\n  core:\n    provider: openhim\n    url: ${fake.url}\n    username: ${USER}\n    password: \${PW}\n`);
    const r = await runCli(['--config', file, 'profile', 'test', 'core'], { env: { PW: 'not-the-password' }, secrets: ['not-the-password'] });
    expect(r.code).toBe(4);
  });
});

describe('profile selection and config errors', () => {
  const cfg = `defaults:\n  openhim: one\nprofiles:\n  one:\n    provider: openhim\n    url: http://127.0.0.1:1\n    username: a@b.c\n    password: \${PW}\n  two:\n    provider: openhim\n    url: http://127.0.0.1:2\n    username: a@b.c\n    password: \${PW}\n  crm:\n    provider: close\n    apiKey: \${KEY}\n`;

  const urlOf = async (args: string[], env: Record<string, string> = {}) => {
    const r = await runCli([...args, 'profile', 'show', '--json'], { env: { PW: 'x', KEY: 'y', ...env } });
    return { r, doc: r.code === 0 ? r.json<{ name: string; provider: string }[]>() : [] };
  };

  it('--profile > TASKCTL_PROFILE (same provider only) > defaults', async () => {
    const file = writeConfig(cfg);
    let { doc } = await urlOf(['--config', file]);
    expect(doc.find((d) => d.provider === 'openhim')?.name).toBe('one');
    ({ doc } = await urlOf(['--config', file], { TASKCTL_PROFILE: 'two' }));
    expect(doc.find((d) => d.provider === 'openhim')?.name).toBe('two');
    // a TASKCTL_PROFILE of another provider is ignored by the openhim tree
    ({ doc } = await urlOf(['--config', file], { TASKCTL_PROFILE: 'crm' }));
    expect(doc.find((d) => d.provider === 'openhim')?.name).toBe('one');
    expect(doc.find((d) => d.provider === 'close')?.name).toBe('crm');
    const r = await runCli(['--config', file, 'openhim', 'status'], { env: { TASKCTL_PROFILE: 'nope', PW: 'x' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('unknown profile "nope" (from TASKCTL_PROFILE) (known profiles: one, two, crm)');
  });

  it('several profiles of a provider and no default: exit 3 asking to choose', async () => {
    const file = writeConfig(cfg.replace('defaults:\n  openhim: one\n', ''));
    const r = await runCli(['--config', file, 'openhim', 'status'], { env: { PW: 'x' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('several openhim profiles (one, two) and no default');
  });

  it('schema violations name the file, profile and field', async () => {
    const cases: [string, string][] = [
      ['profiles:\n  x:\n    provider: jira\n    url: http://a\n', 'profiles.x.provider: expected provider to be one of openhim|conductor|close|spaaza, received "jira"'],
      ['profiles:\n  x:\n    provider: openhim\n    url: http://a\n    usernme: a@b.c\n', 'profiles.x: unknown field "usernme"'],
      ['profiles:\n  x:\n    provider: openhim\n    url: http://a\n    auth: bsic\n', 'profiles.x.auth:'],
      ['profiles:\n  x:\n    provider: spaaza\n    url: http://a\n    chain: lots\n', 'profiles.x.chain: expected an integer, received "lots"'],
      ['profiles:\n  x:\n    provider: openhim\n    url: not a url\n    username: a\n    password: b\n', 'profiles.x.url: expected an http(s) URL, received "not a url"'],
      ['profiles:\n  x:\n    provider: openhim\n    username: a\n', 'profiles.x.url: expected string, received nothing'],
      ['profiles:\n  x:\n    provider: openhim\n    url: http://a\n    insecure: sometimes\n', 'profiles.x.insecure:'],
    ];
    for (const [yaml, expected] of cases) {
      const file = writeConfig(yaml);
      const r = await runCli(['--config', file, '-p', 'x', 'openhim', 'status']);
      expect(r.code, yaml).toBe(3);
      expect(r.stderr, yaml).toContain(file);
      expect(r.stderr, yaml).toContain(expected);
    }
  });

  it('a secret never appears in a schema error', async () => {
    const file = writeConfig(`profiles:\n  x:\n    provider: openhim\n    url: http://a\n    username: a\n    password: 12345678901\n`);
    const r = await runCli(['--config', file, 'openhim', 'status'], { secrets: ['12345678901'] });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('profiles.x.password: ');
  });

  it('YAML and JSON syntax errors report file, line and column', async () => {
    const y = writeConfig('profiles:\n  x:\n    provider: openhim\n   url: [unclosed\n');
    const r1 = await runCli(['--config', y, 'openhim', 'status']);
    expect(r1.code).toBe(3);
    expect(r1.stderr).toMatch(new RegExp(`${y.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML`));
    const j = writeConfig('{\n  "profiles": {,\n}', '.openhimrc.json');
    const r2 = await runCli(['--config', j, 'openhim', 'status']);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toContain(`${j}:2:16: invalid JSON`);
  });

  it('never executes a JavaScript config file', async () => {
    const marker = path.join(sandboxDir(), 'executed');
    const js = writeConfig(`require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = {};`, 'config.cjs');
    const r = await runCli(['--config', js, 'openhim', 'status']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('JavaScript config files are never executed');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('warns when a file holding a literal secret is readable by others', async () => {
    const file = writeConfig(`profiles:\n  x:\n    provider: openhim\n    url: http://127.0.0.1:9\n    username: a@b.c\n    password: ${PW}\n`);
    fs.chmodSync(file, 0o644);
    const r = await runCli(['--config', file, 'profile', 'list']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${file} holds a secret and is readable by others (mode 644); run: chmod 600 ${file}`);
    fs.chmodSync(file, 0o600);
    const quiet = await runCli(['--config', file, 'profile', 'list']);
    expect(quiet.stderr).not.toContain('readable by others');
  });

  it('env-only profiles show up in list and show with env sources', async () => {
    const r = await runCli(['profile', 'show', '--json'], { env: { OPENHIM_URL: 'http://127.0.0.1:9', OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: PW } });
    expect(r.code).toBe(0);
    const [p] = r.json<{ name: string; fields: Record<string, { value: unknown; source: string }> }[]>();
    expect(p.name).toBe('(env)');
    expect(p.fields.password).toEqual({ value: '***', source: 'env:OPENHIM_PASSWORD' });
  });
});

describe('help, completion and output switches', () => {
  it('every command group and leaf has help that ends with examples', async () => {
    for (const args of [[], ['openhim'], ['openhim', 'status'], ['openhim', 'api'], ['profile', 'add'], ['profile', 'show'], ['completion']]) {
      const r = await runCli([...args, '--help']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(" ")).toMatch(/Examples:\n {2}\$ \S+/);
    }
  });

  it('help exit-codes and help environment document the contract', async () => {
    const codes = await runCli(['help', 'exit-codes']);
    expect(codes.code).toBe(0);
    for (const c of ['0 ', '1 ', '2 ', '3 ', '4 ', '5 ', '6 ', '7 ', '130']) expect(codes.stdout).toContain(`\n  ${c}`);
    const envHelp = await runCli(['help', 'environment']);
    expect(envHelp.stdout).toContain('OPENHIM_PASSWORD');
    expect(envHelp.stdout).toContain('TASKCTL_PROFILE');
  });

  it('completion prints scripts for bash, zsh and fish, and __complete lists candidates', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runCli(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('taskctl __complete');
    }
    expect((await runCli(['completion', 'tcsh'])).code).toBe(2);
    const words = await runCli(['__complete', 'pro']);
    expect(words.stdout.trim().split('\n')).toEqual(['profile']);
    const flags = await runCli(['__complete', 'openhim', 'api', '--inc']);
    expect(flags.stdout.trim()).toBe('--include');
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    const r = await runCli(['--version']);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('an invalid --query is exit 2 before anything is sent', async () => {
    const r = await runCli(['profile', 'list', '--query', '[[['], { env: { OPENHIM_URL: 'http://127.0.0.1:9' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid --query expression');
  });

  it('no colour without a terminal unless FORCE_COLOR; --no-color wins', async () => {
    const env = { OPENHIM_URL: 'http://127.0.0.1:9', OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: PW };
    const plain = await runCli(['openhim', 'status'], { env });
    expect(plain.stderr).not.toMatch(/\x1b\[/);
    const forced = await runCli(['openhim', 'status'], { env: { ...env, FORCE_COLOR: '1' } });
    expect(forced.stderr).toMatch(/\x1b\[31mtaskctl:/);
    const off = await runCli(['openhim', 'status', '--no-color'], { env: { ...env, FORCE_COLOR: '1' } });
    expect(off.stderr).not.toMatch(/\x1b\[/);
    const noColor = await runCli(['openhim', 'status'], { env: { ...env, FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(noColor.stderr).not.toMatch(/\x1b\[/);
  });
});

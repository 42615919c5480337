/**
 * taskctl at a real terminal (tmux gives it a pseudo-terminal): `profile add` prompts for what the
 * flags did not give and masks the secret as it is typed; `profile remove` asks before removing and
 * a "no" leaves the file alone. Colour and aligned tables appear on a terminal only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, sandboxDir, trustConfig } from '../helpers/cli.js';

const SOCKET = `taskctl-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

async function screenUntil(session: string, pattern: RegExp, timeoutMs = 8000): Promise<string> {
  let screen = '';
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    screen = tmux('capture-pane', '-p', '-t', session);
    if (pattern.test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screen never matched ${pattern}:\n${screen}`);
}

function start(session: string, home: string, args: string): void {
  const cmd = `cd ${home} && env -i PATH="${process.env.PATH}" HOME=${home} XDG_CONFIG_HOME=${home}/cfg TERM=xterm-256color ${process.execPath} ${BIN} ${args}; echo "EXIT=$?"; sleep 60`;
  tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', cmd);
}

describe('at a terminal', () => {
  let home: string;
  beforeAll(() => {
    home = fs.mkdtempSync(path.join(sandboxDir(), 'tty-'));
  });
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      /* already gone */
    }
  });

  it('profile add prompts for each field and masks the password', async () => {
    start('add', home, 'profile add local');
    await screenUntil('add', /Provider/);
    tmux('send-keys', '-t', 'add', 'Enter'); // openhim, the first choice
    await screenUntil('add', /Server URL/);
    tmux('send-keys', '-t', 'add', 'https://localhost:8080', 'Enter');
    await screenUntil('add', /Username/);
    tmux('send-keys', '-t', 'add', 'Enter'); // the offered default
    await screenUntil('add', /Authentication/);
    tmux('send-keys', '-t', 'add', 'Enter'); // auto
    await screenUntil('add', /Password: how should the profile get it\?/);
    tmux('send-keys', '-t', 'add', 'Enter'); // type it now
    await screenUntil('add', /Password \(input hidden\)/);
    tmux('send-keys', '-t', 'add', 'typed-secret-123');
    const typing = await screenUntil('add', /\*{16}/);
    expect(typing).not.toContain('typed-secret-123');
    tmux('send-keys', '-t', 'add', 'Enter');
    await screenUntil('add', /Test the connection now\?/);
    tmux('send-keys', '-t', 'add', 'n', 'Enter');
    const done = await screenUntil('add', /EXIT=\d+/);
    expect(done).toContain('EXIT=0');
    expect(done).not.toContain('typed-secret-123');
    const file = path.join(home, 'cfg', 'taskctl', 'config.yaml');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toContain('password: typed-secret-123');
  });

  it('profile remove asks first; "no" keeps the profile, "yes" removes it', async () => {
    const file = path.join(home, 'cfg', 'taskctl', 'config.yaml');
    start('no', home, 'profile remove local');
    await screenUntil('no', /Remove profile "local"/);
    tmux('send-keys', '-t', 'no', 'n', 'Enter');
    const no = await screenUntil('no', /EXIT=\d+/);
    expect(no).toContain('EXIT=2');
    expect(no).toContain('cancelled; nothing was sent');
    expect(fs.readFileSync(file, 'utf8')).toContain('local:');

    start('yes', home, 'profile remove local');
    await screenUntil('yes', /Remove profile "local"/);
    tmux('send-keys', '-t', 'yes', 'y', 'Enter');
    expect(await screenUntil('yes', /EXIT=\d+/)).toContain('EXIT=0');
    expect(fs.readFileSync(file, 'utf8')).not.toContain('local:');
  });

  it.each([
    ['Ctrl-C', 'C-c'],
    ['Esc', 'Escape'],
  ])('%s at a prompt: exit 130, "cancelled; nothing was sent", the file untouched', async (name, key) => {
    const file = path.join(home, 'cfg', 'taskctl', 'config.yaml');
    const before = '# kept\nprofiles:\n  spare:\n    provider: openhim\n    url: https://spare.example:8080\n';
    fs.writeFileSync(file, before, { mode: 0o600 });
    const session = `cancel-${key}`;
    start(session, home, 'profile remove spare');
    await screenUntil(session, /Remove profile "spare"/);
    tmux('send-keys', '-t', session, key);
    const screen = await screenUntil(session, /EXIT=\d+/);
    expect(screen, name).toContain('EXIT=130');
    expect(screen, name).toContain('cancelled; nothing was sent');
    expect(screen, name).not.toMatch(/unexpected error|force closed/i);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('profile add over an existing name asks first, then offers the current values and keeps its ${VAR}', async () => {
    const file = path.join(home, 'cfg', 'taskctl', 'config.yaml');
    fs.writeFileSync(file, '# mine\nprofiles:\n  crm:\n    provider: close\n    url: https://close.internal.example\n    apiKey: ${CLOSE_API_KEY}\n', { mode: 0o600 });
    start('re', home, 'profile add crm');
    await screenUntil('re', /Profile "crm" \(close, https:\/\/close\.internal\.example\) exists .* Replace it\?/s);
    tmux('send-keys', '-t', 're', 'y', 'Enter');
    await screenUntil('re', /Provider/);
    tmux('send-keys', '-t', 're', 'Enter'); // close, the current provider
    await screenUntil('re', /Server URL \(https:\/\/close\.internal\.example\)/);
    tmux('send-keys', '-t', 're', 'Enter'); // the current URL
    await screenUntil('re', /API key: how should the profile get it\?/);
    expect(tmux('capture-pane', '-p', '-t', 're')).toContain('keep ${CLOSE_API_KEY}');
    tmux('send-keys', '-t', 're', 'Enter'); // keep it
    await screenUntil('re', /Test the connection now\?/);
    tmux('send-keys', '-t', 're', 'n', 'Enter');
    expect(await screenUntil('re', /EXIT=\d+/)).toContain('EXIT=0');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('# mine\n');
    expect(text).toContain('url: https://close.internal.example');
    expect(text).toContain('apiKey: ${CLOSE_API_KEY}');
  });

  it('tables are aligned with bold headers on a terminal', async () => {
    fs.writeFileSync(path.join(home, '.openhimrc'), 'profiles:\n  a-long-profile-name:\n    provider: close\n    apiKey: ${K}\n  b:\n    provider: openhim\n    url: https://x:8080\n');
    // a project file is used once trusted (the sessions below keep their state under $HOME/.local/state)
    await trustConfig(path.join(home, '.openhimrc'), { HOME: home, XDG_CONFIG_HOME: `${home}/cfg`, XDG_STATE_HOME: undefined });
    start('list', home, 'profile list');
    const screen = await screenUntil('list', /EXIT=\d+/);
    expect(screen).toMatch(/NAME\s+PROVIDER\s+URL/);
    expect(screen).toMatch(/a-long-profile-name\s{2}close\s+https:\/\/api\.close\.com/);
    expect(screen).toMatch(/\nb\s{19,}openhim/);
  });
});

/**
 * Completion, really completed by each shell: bash through its completion function (COMP_WORDS +
 * COMPREPLY, as bash calls it), zsh and fish interactively in a real terminal (tmux), pressing Tab.
 * Values come from the same declarations as the help; profile names from the config; files only where
 * an option takes a path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, sandboxDir } from '../helpers/cli.js';

const SOCKET = `taskctl-complete-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const has = (shell: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`]);
    return true;
  } catch {
    return false;
  }
};

let home: string;
let env: Record<string, string>;

beforeAll(() => {
  home = fs.mkdtempSync(path.join(sandboxDir(), 'complete-'));
  const bin = path.join(home, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'taskctl'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  fs.mkdirSync(path.join(home, 'cfg', 'taskctl'), { recursive: true });
  fs.writeFileSync(
    path.join(home, 'cfg', 'taskctl', 'config.yaml'),
    'profiles:\n  local:\n    provider: openhim\n    url: https://localhost:8080\n  crm:\n    provider: close\n    apiKey: ${CLOSE_API_KEY}\n',
    { mode: 0o600 },
  );
  fs.mkdirSync(path.join(home, 'work'));
  fs.writeFileSync(path.join(home, 'work', 'task.json'), '{}');
  env = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'cfg'),
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_STATE_HOME: path.join(home, 'state'),
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
  };
});
afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    /* none started */
  }
});

describe('bash', () => {
  /** Calls the completion function as bash does for `words` (the last one being completed). */
  function bashComplete(lines: string[]): string {
    const script = [
      'source <(taskctl completion bash)',
      'complete -p taskctl',
      'comp() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _taskctl_complete; printf "%s\\n" "${COMPREPLY[@]}"; echo ---; }',
      ...lines,
    ].join('\n');
    return execFileSync('bash', ['--norc', '--noprofile', '-c', script], { env, cwd: path.join(home, 'work'), encoding: 'utf8' });
  }

  /** The candidates bash offers for each `comp …` line, one list per line. */
  function completions(lines: string[]): string[][] {
    const [, ...rest] = bashComplete(lines).split('\n');
    return rest.join('\n').split('---\n').map((b) => b.split('\n').filter(Boolean));
  }

  it('registers a completion function without the -o default file fallback', () => {
    expect(bashComplete([]).trim()).toBe('complete -F _taskctl_complete taskctl');
  });

  it('completes enum values, profile names, help topics and shells; files only for a path', () => {
    const blocks = completions([
      'comp taskctl openhim task list --status P',
      'comp taskctl -p ""',
      'comp taskctl profile use c',
      'comp taskctl help gl',
      'comp taskctl completion ""',
      'comp taskctl openhim task create --file ta',
      'comp taskctl openhim task list --user ta',
      'comp taskctl conductor human list --state IN',
      'comp taskctl spaaza task create --export-format ""',
      'comp taskctl close task update task_1 --priority ""',
    ]);
    expect(blocks[0]).toEqual(['Processing', 'Paused', 'Pending\\ Async']);
    expect(blocks[1]).toEqual(['local', 'crm']);
    expect(blocks[2]).toEqual(['crm']);
    expect(blocks[3]).toEqual(['global-options']);
    expect(blocks[4]).toEqual(['bash', 'zsh', 'fish']);
    expect(blocks[5]).toEqual(['task.json']);
    expect(blocks[6]).toEqual([]); // --user takes an email, not a file
    expect(blocks[7]).toEqual(['IN_PROGRESS']);
    expect(blocks[8]).toEqual(['csv', 'json']);
    expect(blocks[9]).toEqual(['high', 'medium']);
  });

  it('completes --columns with the command\'s column names, after those already typed', () => {
    const blocks = completions([
      'comp taskctl openhim task list --columns ""',
      'comp taskctl openhim task list --columns id,st',
      'comp taskctl openhim task list --columns ID,STATUS,',
      'comp taskctl openhim task create --columns ""',
      'comp taskctl conductor human list --columns task',
    ]);
    expect(blocks[0]).toEqual(['id', 'status', 'transactions', 'batch', 'user', 'created', 'execution-time']);
    expect(blocks[1]).toEqual(['id,status']);
    expect(blocks[2]).toEqual(['ID,STATUS,transactions', 'ID,STATUS,batch', 'ID,STATUS,user', 'ID,STATUS,created', 'ID,STATUS,execution-time']);
    expect(blocks[3]).toEqual([]); // a command with no table offers no columns
    expect(blocks[4]).toEqual(['task-id', 'task-ref']);
  });

  it('a broken config gives no profile names and no noise', () => {
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', 'source <(taskctl completion bash); COMP_WORDS=(taskctl -p ""); COMP_CWORD=2; _taskctl_complete; echo "n=${#COMPREPLY[@]}"'], {
      env: { ...env, TASKCTL_CONFIG: path.join(home, 'work', 'task.json.missing') },
      encoding: 'utf8',
    });
    expect(out).toBe('n=0\n');
  });
});

describe.skipIf(!has('zsh'))('zsh (interactive, Tab in a real terminal)', () => {
  // zsh without rc files; then compinit, the script and a plain prompt, typed as a user would
  const start = `zsh -f -i`;
  const init = 'autoload -U compinit && compinit -u && source <(taskctl completion zsh) && PROMPT="READY> "';

  async function zshTab(session: string, keys: string, expected: RegExp): Promise<string> {
    const envs = Object.entries(env)
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '20', `cd ${home}/work && env -i ${envs} ${start}`);
    tmux('send-keys', '-t', session, '-l', init);
    tmux('send-keys', '-t', session, 'Enter');
    return tabAfterPrompt(session, keys, expected);
  }

  it('completes an enum value with a space, a profile name, a shell, and a file for --file', { timeout: 90_000 }, async () => {
    expect(await zshTab('z1', 'taskctl openhim task list --status Pe', /READY> taskctl openhim task list --status Pending\\ Async\s*$/m)).toBeTruthy();
    expect(await zshTab('z2', 'taskctl -p lo', /READY> taskctl -p local\s*$/m)).toBeTruthy();
    expect(await zshTab('z3', 'taskctl profile show cr', /READY> taskctl profile show crm\s*$/m)).toBeTruthy();
    expect(await zshTab('z4', 'taskctl completion fi', /READY> taskctl completion fish\s*$/m)).toBeTruthy();
    expect(await zshTab('z5', 'taskctl openhim task create --file ta', /READY> taskctl openhim task create --file task\.json\s*$/m)).toBeTruthy();
  });

  it('offers no file names where the value is not a path', async () => {
    const screen = await zshTab('z6', 'taskctl openhim task list --user ta', /READY> taskctl openhim task list --user ta/);
    await new Promise((r) => setTimeout(r, 1500));
    const after = tmux('capture-pane', '-p', '-t', 'z6');
    expect(after).not.toContain('task.json');
    expect(screen).not.toContain('task.json');
  });
});

async function tabAfterPrompt(session: string, keys: string, expected: RegExp): Promise<string> {
  const screen = () => tmux('capture-pane', '-p', '-t', session);
  const until = async (re: RegExp) => {
    for (let i = 0; i < 150; i++) {
      if (re.test(screen())) return screen();
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`screen never matched ${re}:\n${screen()}`);
  };
  await until(/^READY>\s*$/m);
  tmux('send-keys', '-t', session, '-l', keys);
  tmux('send-keys', '-t', session, 'Tab');
  return until(expected);
}

describe.skipIf(!has('fish'))('fish (interactive, Tab in a real terminal)', () => {
  async function fishTab(session: string, keys: string, expected: RegExp): Promise<string> {
    const envs = Object.entries(env)
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    const init = 'set -g fish_autosuggestion_enabled 0; function fish_prompt; printf "READY> "; end; function fish_greeting; end; taskctl completion fish | source';
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '20', `cd ${home}/work && env -i ${envs} fish --no-config -C '${init}'`);
    return tabAfterPrompt(session, keys, expected);
  }

  it('completes an enum value with a space, a profile name, a help topic, and a file for --file', { timeout: 90_000 }, async () => {
    expect(await fishTab('f1', 'taskctl openhim task list --status Pe', /READY> taskctl openhim task list --status Pending\\ Async\s*$/m)).toBeTruthy();
    expect(await fishTab('f2', 'taskctl -p lo', /READY> taskctl -p local\s*$/m)).toBeTruthy();
    expect(await fishTab('f3', 'taskctl help glo', /READY> taskctl help global-options\s*$/m)).toBeTruthy();
    expect(await fishTab('f4', 'taskctl openhim task create --file ta', /READY> taskctl openhim task create --file task\.json\s*$/m)).toBeTruthy();
  });

  it('offers no file names where the value is not a path', async () => {
    await fishTab('f5', 'taskctl openhim task list --user ta', /READY> taskctl openhim task list --user ta/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(tmux('capture-pane', '-p', '-t', 'f5')).not.toContain('task.json');
  });
});

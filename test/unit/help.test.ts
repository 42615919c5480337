/**
 * Help that reads well, and stays that way: every command's --help is a committed file under
 * __snapshots__/help/, so a change to any help text is a visible diff in review
 * (update with `npx vitest run test/unit/help.test.ts -u`, then read the diff).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { allCommands } from '../../src/commands/index.js';
import type { CommandSpec } from '../../src/commands/types.js';
import { runInProcess } from '../helpers/inprocess.js';

const SNAPSHOTS = path.join(__dirname, '__snapshots__', 'help');

function paths(specs: readonly CommandSpec[], prefix: string[] = []): string[][] {
  return specs.filter((s) => !s.hidden).flatMap((s) => [[...prefix, s.name], ...paths(s.subcommands ?? [], [...prefix, s.name])]);
}

/** lines wider than `width`, except examples and one word that cannot be broken */
function overlong(text: string, width: number): string[] {
  return text.split('\n').filter((l) => l.length > width && !l.startsWith('  $ ') && /\s\S+\s/.test(l.trim()));
}

const ALL = [[], ...paths(await allCommands())];
const fileFor = (p: string[]) => path.join(SNAPSHOTS, `${p.length ? p.join('_') : 'taskctl'}.txt`);

describe('--help of every command (80 columns, no terminal)', () => {
  it.each(ALL.map((p) => [p.join(' ') || '(root)', p] as const))('%s', async (_name, p) => {
    const r = await runInProcess([...p, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    // the layout: usage first, the pointer to the global options last, examples just before it
    expect(r.stdout).toMatch(/^Usage: taskctl /);
    if (p.length) expect(r.stdout).toMatch(/\nExamples:\n( {2}\$ taskctl .*\n| {2}\$ .*\n)+\nGlobal options \(.*\): taskctl help global-options\n$/);
    expect(r.stdout).not.toContain('Global Options:');
    expect(overlong(r.stdout, 80)).toEqual([]);
    await expect(r.stdout).toMatchFileSnapshot(fileFor(p));
  });

  it('no snapshot is left over from a command that is gone', () => {
    const expected = new Set(ALL.map((p) => path.basename(fileFor(p))));
    const stale = fs.existsSync(SNAPSHOTS) ? fs.readdirSync(SNAPSHOTS).filter((f) => !expected.has(f)) : [];
    expect(stale).toEqual([]);
  });

  it('`taskctl help <command>` is the same page as `<command> --help`', async () => {
    const a = await runInProcess(['help', 'openhim', 'task', 'list']);
    const b = await runInProcess(['openhim', 'task', 'list', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('help wraps to the terminal width at a terminal', async () => {
    const r = await runInProcess(['profile', 'add', '--help'], { stdoutTTY: true, columns: 70 });
    expect(r.stdout).toMatch(/\n {25}tokenSecret\) from the first line of stdin\n/);
    expect(overlong(r.stdout, 70)).toEqual([]);
  });
});

describe('help topics', () => {
  it('global-options lists every global option with its default, and nothing else has them', async () => {
    const r = await runInProcess(['help', 'global-options']);
    expect(r.code).toBe(0);
    for (const f of ['--profile <name>', '--json', '--query <jmespath>', '--dry-run', '--timeout <ms>', '--wide', '--columns <a,b,…>', '--local-time', '--no-color', '--version', '--help']) {
      expect(r.stdout).toContain(f);
    }
    expect(r.stdout).toContain('(default: 30000)');
    await expect(r.stdout).toMatchFileSnapshot(path.join(SNAPSHOTS, '..', 'help-topic-global-options.txt'));
  });

  it('an unknown topic or command exits 2 with the closest names, and prints no help on stdout', async () => {
    const bogus = await runInProcess(['help', 'bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stdout).toBe('');
    expect(bogus.stderr).toBe(
      'taskctl: no help topic or command "bogus" (topics: global-options, exit-codes, environment; commands: openhim, conductor, close, spaaza, sandbox, profile, config, completion)\n',
    );
    const typo = await runInProcess(['help', 'exit-code']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('taskctl: no help topic or command "exit-code" (did you mean exit-codes?)\n');
    const deep = await runInProcess(['help', 'openhim', 'tsk', 'list']);
    expect(deep.code).toBe(2);
    expect(deep.stderr).toBe('taskctl: unknown command "openhim tsk" (did you mean task?)\n');
  });
});

/** Through the real binary: `--version --json`, `help <topic>`, and an unknown help topic. */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { ROOT, runCli } from '../helpers/cli.js';

const pkg = JSON.parse(fs.readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string };

describe('version and help topics through the binary', () => {
  it('--version --json prints {"version","node"}; --version alone stays the bare version', async () => {
    const j = await runCli(['--version', '--json']);
    expect(j.code).toBe(0);
    expect(j.json()).toEqual({ version: pkg.version, node: process.versions.node });
    expect(j.stderr).toBe('');
    const plain = await runCli(['--version']);
    expect(plain.stdout).toBe(`${pkg.version}\n`);
  });

  it('`taskctl help bogus` exits 2 with a hint on stderr and nothing on stdout', async () => {
    const r = await runCli(['help', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^taskctl: no help topic or command "bogus" \(topics: global-options, exit-codes, environment; commands: openhim, /);
    const typo = await runCli(['help', 'global-option']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('(did you mean global-options?)');
  });

  it('`taskctl help global-options` lists the options that every --help page points to', async () => {
    const r = await runCli(['help', 'global-options']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Global options\n/);
    expect(r.stdout).toContain('--local-time');
    const page = await runCli(['openhim', 'status', '--help']);
    expect(page.stdout.trimEnd().split('\n').at(-1)).toBe('Global options (--profile, --json, --dry-run, …): taskctl help global-options');
    expect(page.stdout).not.toContain('--no-color');
  });
});

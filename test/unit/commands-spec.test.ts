/** Every command declared in the tree is usable: help with examples, a handler, no clashing flags. */
import { describe, expect, it } from 'vitest';
import { allCommands } from '../../src/commands/index.js';

const COMMANDS = await allCommands();
import type { CommandSpec } from '../../src/commands/types.js';
import { GLOBAL_OPTIONS } from '../../src/cli.js';

function leaves(specs: readonly CommandSpec[], path: string[] = []): { path: string; spec: CommandSpec }[] {
  return specs.flatMap((s) => (s.subcommands?.length ? leaves(s.subcommands, [...path, s.name]) : [{ path: [...path, s.name].join(' '), spec: s }]));
}

const longFlag = (flags: string) => /--[a-z0-9-]+/.exec(flags)?.[0];
const shortFlag = (flags: string) => /(^|[ ,])(-[a-zA-Z])\b/.exec(flags)?.[2];

describe('command declarations', () => {
  const all = leaves(COMMANDS);

  it('every leaf command has a handler and at least one example that runs taskctl', () => {
    expect(all.length).toBeGreaterThan(5);
    for (const { path, spec } of all) {
      expect(spec.load, path).toBeTypeOf('function');
      expect(spec.examples?.length, path).toBeGreaterThan(0);
      expect(spec.examples!.some((e) => /taskctl /.test(e)), path).toBe(true);
    }
  });

  it('no command option shadows a global option', () => {
    const globalsLong = new Set(GLOBAL_OPTIONS.map((g) => longFlag(g.flags)));
    const globalsShort = new Set(GLOBAL_OPTIONS.map((g) => shortFlag(g.flags)).filter(Boolean));
    for (const { path, spec } of all) {
      for (const o of spec.options ?? []) {
        expect(globalsLong.has(longFlag(o.flags)), `${path} ${o.flags}`).toBe(false);
        const s = shortFlag(o.flags);
        if (s) expect(globalsShort.has(s), `${path} ${o.flags}`).toBe(false);
      }
    }
  });

  it('every handler module loads and exports run', async () => {
    for (const { path, spec } of all) {
      const mod = await spec.load!();
      expect(mod.run, path).toBeTypeOf('function');
    }
  });
});

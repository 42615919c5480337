/**
 * Start-up is a feature: `--help` and `--version` load commander and the command declarations only.
 * This follows the built entry's static imports (what Node loads before main() runs) and checks that
 * no HTTP, schema or prompt code is among them; those chunks load only when a command runs.
 * (npm test builds dist/ before vitest starts.)
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';

const DIST = path.join(ROOT, 'dist');

/** The entry and every chunk it imports statically (import … from "./x.js" / import "./x.js"). */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = fs.readFileSync(file, 'utf8');
  for (const m of code.matchAll(/(?:^|[;}\s])import\s*(?:[^'"()]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) {
    staticClosure(path.resolve(path.dirname(file), m[1]), seen);
  }
  return seen;
}

/** Every chunk of dist, as one text. */
function allChunks(): string {
  return fs
    .readdirSync(path.join(DIST, 'chunks'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => fs.readFileSync(path.join(DIST, 'chunks', f), 'utf8'))
    .join('\n');
}

/** Strings only these libraries' code contains. */
const MARKERS: Record<string, string> = {
  undici: 'llhttp',
  zod: '$ZodType',
  '@inquirer/prompts': 'ExitPromptError',
  yaml: 'YAMLParseError',
  jmespath: 'ExpressionReference',
};

describe('the start-up bundle', () => {
  const loaded = [...staticClosure(path.join(DIST, 'taskctl.js'))];
  const code = loaded.map((f) => fs.readFileSync(f, 'utf8')).join('\n');

  it('has the markers this test relies on somewhere in dist (so the check below can fail)', () => {
    const all = allChunks();
    for (const [lib, marker] of Object.entries(MARKERS)) expect(all.includes(marker), `${lib} marker ${marker}`).toBe(true);
  });

  it('--help and --version load no HTTP, schema, prompt, YAML or JMESPath code', () => {
    expect(loaded.length).toBeGreaterThan(0);
    for (const [lib, marker] of Object.entries(MARKERS)) expect(code.includes(marker), `${lib} is loaded at start-up`).toBe(false);
  });

  it('commander is what the entry loads to parse the command line', () => {
    expect(code).toContain('commander.unknownOption');
  });
});

describe('the sandbox is loaded only when used', () => {
  // a string only the sandbox's code holds (its seeded demo), and one only its emulators hold
  const SANDBOX_MARKERS = ['Wallet ledger, last 24 h (sandbox)', 'Invalid batch size specified'];
  const entry = fs.readFileSync(path.join(DIST, 'taskctl.js'), 'utf8');
  const runtime = /import\("\.\/(chunks\/runtime-[^"]+\.js)"\)/.exec(entry)?.[1];

  it('dist holds the sandbox (so the checks below can fail)', () => {
    const all = allChunks();
    for (const m of SANDBOX_MARKERS) expect(all.includes(m), m).toBe(true);
  });

  it('neither start-up nor a command against a real server (the runtime chunk and what it imports statically) loads it', () => {
    expect(runtime).toBeDefined();
    const files = [...staticClosure(path.join(DIST, 'taskctl.js')), ...staticClosure(path.join(DIST, runtime!))];
    const code = files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    for (const m of SANDBOX_MARKERS) expect(code.includes(m), `${m} is loaded without --sandbox`).toBe(false);
  });
});

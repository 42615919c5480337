/**
 * Examples that rot: every `taskctl …` line of the README's ```sh blocks and every command's --help
 * example runs through the built binary against the local fakes (env profiles point at them), so an
 * example whose flags, values or dates stop being valid fails CI. A run passes when taskctl accepted the
 * command line: not a usage error (2), not a configuration error (3), no crash. Ids in examples do not
 * exist on the fakes, so "not found" (5) and API errors (1) are fine. Lines that cannot run here are
 * skipped by the rules in CANNOT_RUN, each with its reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCommands } from '../../src/commands/index.js';
import type { CommandSpec } from '../../src/commands/types.js';
import { CANARY, ROOT, runCli, sandboxDir } from '../helpers/cli.js';
import { startClose, type FakeClose } from '../servers/close.js';
import { startConductor, type FakeConductor } from '../servers/conductor.js';
import { startOpenhim, type FakeOpenhim } from '../servers/openhim.js';
import { startSpaaza, type FakeSpaaza } from '../servers/spaaza.js';

/** Lines that cannot run against a local fake, and why. */
const CANNOT_RUN: Array<[RegExp, string]> = [
  [/[|<>]|\$\(|`|&&|;/, 'a shell pipeline, list, redirection or substitution: its other half is not taskctl'],
  [/…/, 'an elided placeholder (…), not a value'],
  [/\bprofile (test|show|list)\b/, 'reads the reader\'s own profiles (covered by the profile tests)'],
  [/\$[A-Za-z{]/, 'uses a shell variable set by an earlier line'],
  [/\\$/, 'continues on the next line'],
  [/\b(profile (add|remove|use)|config (trust|untrust))\b/, 'changes the user\'s config (covered by the profile and config tests)'],
  [/\b(sandbox)\b/, 'starts or resets the sandbox (its own tests)'],
  [/\b(watch|wait)\b/, 'waits for a task to finish (its own tests with a fake that advances)'],
  [/--file |--input |--tids-file |-o |--output /, 'reads or writes a file the example assumes'],
  [/(\bdelete\b|\bcancel\b|transaction rerun|\brm\b)(?!.*--yes)/, 'asks for confirmation: needs a terminal (or --yes)'],
  [/\s-\s*$|\s-\s/, 'reads ids from standard input'],
  [/--insecure|--ca /, 'needs a TLS server'],
  [/-p |--profile |--config /, 'names a profile or config file of the reader'],
];

function leaves(specs: readonly CommandSpec[]): string[] {
  return specs.flatMap((s) => [...(s.examples ?? []), ...leaves(s.subcommands ?? [])]);
}

function readmeLines(): string[] {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const out: string[] = [];
  for (const block of text.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    for (const raw of block[1].split('\n')) {
      if (raw.trim().startsWith('taskctl ')) out.push(raw.trim());
    }
  }
  return out;
}

/** Splits a command line into argv the way sh would for the quoting examples use ('…', "…"). */
function argv(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"((?:\\.|[^"])*)"|(\S+)/g)) out.push(m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]));
  return out.slice(1);
}

const all = [...new Set([...readmeLines(), ...leaves(await allCommands())].map((e) => e.replace(/\s+#.*$/, '').trim()).filter((e) => e.startsWith('taskctl ')))];
const runnable = all.filter((e) => !CANNOT_RUN.some(([re]) => re.test(e)));

let openhim: FakeOpenhim;
let conductor: FakeConductor;
let close: FakeClose;
let spaaza: FakeSpaaza;
beforeAll(async () => {
  [openhim, conductor, close, spaaza] = await Promise.all([
    startOpenhim({ lifetimeMs: 300_000, users: [{ email: 'root@openhim.org', password: CANARY.openhimPassword, groups: ['admin'] }] }),
    startConductor({ lifetimeMs: 300_000 }),
    startClose({ apiKeys: [CANARY.closeApiKey], lifetimeMs: 300_000 }),
    startSpaaza({ tokenSecret: CANARY.spaazaSecret, lifetimeMs: 300_000 }),
  ]);
});
afterAll(async () => {
  await Promise.all([openhim, conductor, close, spaaza].map((s) => s.close()));
});

describe('README and --help examples', () => {
  it('finds examples, and runs most of them', () => {
    expect(all.length).toBeGreaterThan(40);
    expect(runnable.length).toBeGreaterThan(all.length / 3);
  });

  it.each(runnable)('%s', async (line) => {
    const env = {
      OPENHIM_URL: openhim.url,
      OPENHIM_USERNAME: 'root@openhim.org',
      OPENHIM_PASSWORD: CANARY.openhimPassword,
      CONDUCTOR_SERVER_URL: conductor.url,
      CONDUCTOR_AUTH_KEY: conductor.keyId,
      CONDUCTOR_AUTH_SECRET: conductor.keySecret,
      CLOSE_URL: close.url,
      CLOSE_API_KEY: CANARY.closeApiKey,
      SPAAZA_URL: spaaza.url,
      SPAAZA_TOKEN_ID: spaaza.tokenId,
      SPAAZA_TOKEN_SECRET: CANARY.spaazaSecret,
      SPAAZA_CHAIN: String(spaaza.chain),
    };
    const r = await runCli(argv(line), { env, cwd: sandboxDir(), timeoutMs: 30_000 });
    const why = `${line}\nexit ${r.code}\n${r.stderr}`;
    expect([2, 3], why).not.toContain(r.code);
    expect(r.code, why).not.toBeNull();
    expect(r.stderr, why).not.toMatch(/unexpected error/);
  });
});

/**
 * Examples that rot: every `taskctl …` line of the README's ```sh blocks and every command's --help
 * example runs through the built binary against the local fakes (env profiles point at them), so an
 * example whose flags, values or dates stop being valid fails CI. A run passes when taskctl accepted the
 * command line: not a usage error (2), not a configuration error (3), no crash. Ids in examples do not
 * exist on the fakes, so "not found" (5) and API errors (1) are fine. A pipeline, `&&` list or redirection
 * runs as written in bash (pipefail), each in a fresh directory. Lines that cannot run here are skipped by
 * the rules in CANNOT_RUN, each with its reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCommands } from '../../src/commands/index.js';
import type { CommandSpec } from '../../src/commands/types.js';
import { CANARY, ROOT, runCli, runShell, sandboxDir } from '../helpers/cli.js';
import { startClose, type FakeClose } from '../servers/close.js';
import { startConductor, type FakeConductor } from '../servers/conductor.js';
import { startOpenhim, type FakeOpenhim } from '../servers/openhim.js';
import { startSpaaza, type FakeSpaaza } from '../servers/spaaza.js';

/** Lines that cannot run against a local fake, and why. */
const CANNOT_RUN: Array<[RegExp, string]> = [
  [/\$\(|`|\$[A-Za-z{]|~\//, 'uses a shell variable, substitution or home path set up by the reader or an earlier line'],
  [/(^|[^&])&($|[^&])/, 'starts a background job (its own tests)'],
  [/…/, 'an elided placeholder (…), not a value'],
  [/\bprofile (test|show|list)\b/, 'reads the reader\'s own profiles (covered by the profile tests)'],
  [/\\$/, 'continues on the next line'],
  [/\b(profile (add|remove|use)|config (trust|untrust))\b/, 'changes the user\'s config (covered by the profile and config tests)'],
  [/\bsandbox\b/, 'starts, resets or uses the sandbox (run as written by the sandbox tests)'],
  [/--file (?!-)|--input |--tids-file (?!-)|\s<\s/, 'reads a file the example assumes'],
  [/(\bdelete\b|\bcancel\b|transaction rerun|\brm\b)(?!.*--yes)/, 'asks for confirmation: needs a terminal (or --yes)'],
  [/--wait(?![-\w])|\|.*\b(watch|wait) -/, 'waits for the tasks it starts to finish (their own tests, with a fake that advances)'],
  [/--insecure|--ca /, 'needs a TLS server'],
  [/-p |--profile |--config /, 'names a profile or config file of the reader'],
];

/** A line with a pipe, a list or a redirection runs in bash; each command in it must be taskctl or one of these. */
const SHELL = /[|<>]|&&|;/;
const OTHER_COMMANDS = new Set(['gzip']);

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
const commandsOf = (line: string) => line.split(/\|\||&&|[|;]/).map((c) => c.trim().split(/\s+/)[0]);
const runnable = all.filter((e) => !CANNOT_RUN.some(([re]) => re.test(e)) && commandsOf(e).every((c) => c === 'taskctl' || OTHER_COMMANDS.has(c)));

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
    // what the pipelines' first halves look for, so their second halves get input: the task the Spaaza
    // examples name (an earlier example may have deleted it) and a transaction that failed just now
    if (!spaaza.tasks.has(12345)) spaaza.addTask({ id: 12345, desc: 'Wallet ledger', state: { code: 'DONE' } });
    openhim.addTransaction({ status: 'Failed', timestamp: Date.now() - 60_000 });
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
    // a fresh directory each: examples write files (-o ledger.csv) and must not find another's
    const cwd = fs.mkdtempSync(path.join(sandboxDir(), 'example-'));
    // a directory an example writes into (-o exports/) is one the reader has
    for (const m of line.matchAll(/(?:-o|--output) (\S+)\/(?=\s|$)/g)) fs.mkdirSync(path.join(cwd, m[1]), { recursive: true });
    const r = SHELL.test(line) ? await runShell(line, { env, cwd, timeoutMs: 30_000 }) : await runCli(argv(line), { env, cwd, timeoutMs: 30_000 });
    const why = `${line}\nexit ${r.code}\n${r.stderr}`;
    expect([2, 3], why).not.toContain(r.code);
    expect(r.code, why).not.toBeNull();
    expect(r.stderr, why).not.toMatch(/unexpected error/);
  });
});

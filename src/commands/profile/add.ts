/**
 * `profile add <name>`: add a profile to the user config file (or the --config file).
 * A name that exists there is replaced only after a confirmation (`--yes` without a terminal). At a terminal
 * it prompts for what the flags did not give, offering the current values, and for the secret offers a
 * `${VAR}` placeholder, the current one, or hidden input; it ends with an optional connection test.
 * Without a terminal: flags plus --secret-stdin or --secret-env. The file is written 0600 through the locked writer.
 */
import path from 'node:path';
import type { Handler } from '../types.js';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { PROVIDERS, PROVIDER_FACTS, isProvider, type Provider } from '../../config/providers.js';
import { hasUserinfo, readConfigFile, userConfigPath, type RawProfile } from '../../config/load.js';
import { editConfigFile } from '../../config/write.js';

const AUTH_MODES = ['auto', 'basic', 'token', 'session'] as const;
const SECRET_LABEL: Record<Provider, string> = { openhim: 'Password', conductor: 'Key secret', close: 'API key', spaaza: 'Access token secret' };
const PLACEHOLDER = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

function checkUrl(v: string): true | string {
  if (hasUserinfo(v)) return 'no user name or password in the URL: they go in their own fields';
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? true : 'expected an http(s) URL';
  } catch {
    return 'expected a URL such as https://localhost:8080';
  }
}

/** The profile of that name in the file we write, if any. */
async function existingProfile(ctx: Context, target: string, name: string): Promise<RawProfile | undefined> {
  let file;
  try {
    file = await readConfigFile(target, ctx.explicitConfig ? 'explicit' : 'user', ctx.env);
  } catch (err) {
    if (/does not exist/.test((err as Error).message)) return undefined;
    throw err;
  }
  return Object.hasOwn(file.profiles, name) ? file.profiles[name] : undefined;
}

export const run: Handler = async (ctx, { args, opts }) => {
  const name = String(args[0]);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new UsageError(`invalid profile name "${name}"`, { hint: 'use letters, digits, ".", "_" and "-"' });
  if (opts.secretStdin && opts.secretEnv) throw new UsageError('--secret-stdin and --secret-env cannot be used together');
  if (opts.secretEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(opts.secretEnv))) {
    throw new UsageError(`--secret-env "${opts.secretEnv}": expected an environment variable name such as OPENHIM_PASSWORD`);
  }
  const interactive = ctx.canPrompt;
  const need = (flag: string, what: string): never => {
    throw new UsageError(`${what} is missing: pass ${flag}`, { hint: 'without a terminal, profile add takes everything from flags' });
  };
  const target = ctx.explicitConfig ? path.resolve(ctx.cwd, ctx.explicitConfig) : userConfigPath(ctx.env);

  const current = await existingProfile(ctx, target, name);
  if (current) await ctx.confirm(`Profile "${name}" (${current.provider}${typeof current.url === 'string' ? `, ${current.url}` : ''}) exists in ${target}. Replace it?`);
  const cur = (k: string) => (current && typeof current[k] === 'string' ? (current[k] as string) : undefined);

  let provider = opts.provider as string | undefined;
  if (provider !== undefined && !isProvider(provider)) throw new UsageError(`--provider "${provider}": expected one of ${PROVIDERS.join(', ')}`);
  const curProvider = current && isProvider(current.provider) ? current.provider : undefined;
  if (!provider) provider = interactive ? await ctx.promptSelect('Provider', PROVIDERS, curProvider) : need('--provider', 'the provider');
  const p = provider as Provider;
  const facts = PROVIDER_FACTS[p];
  const same = curProvider === p;
  const keep = (k: string) => (same ? cur(k) : undefined);
  const profile: Record<string, unknown> = { provider: p };

  let url = opts.url as string | undefined;
  if (!url && interactive) url = await ctx.promptText(facts.defaults.url ? 'Server URL' : 'Server URL', keep('url') ?? (facts.defaults.url as string | undefined), checkUrl);
  if (!url && !facts.defaults.url) url = need('--url', 'the server URL');
  if (url) {
    const ok = checkUrl(url);
    if (ok !== true) throw new UsageError(`--url: ${ok}`);
    profile.url = url.replace(/\/+$/, '');
  }

  const onlyFor = (flag: string, value: unknown, allowed: Provider) => {
    if (value !== undefined && p !== allowed) throw new UsageError(`${flag} is for ${allowed} profiles, not ${p}`);
  };
  onlyFor('--username', opts.username, 'openhim');
  onlyFor('--auth', opts.auth, 'openhim');
  onlyFor('--key-id', opts.keyId, 'conductor');
  onlyFor('--token-id', opts.tokenId, 'spaaza');
  onlyFor('--chain', opts.chain, 'spaaza');

  if (p === 'openhim') {
    profile.username = (opts.username as string | undefined) ?? (interactive ? await ctx.promptText('Username (email)', keep('username') ?? 'root@openhim.org') : need('--username', 'the username'));
    let auth = opts.auth as string | undefined;
    if (auth === undefined && interactive) auth = await ctx.promptSelect('Authentication (auto: basic, then token on 401)', AUTH_MODES, (keep('auth') as (typeof AUTH_MODES)[number]) ?? 'auto');
    auth ??= 'auto';
    if (!(AUTH_MODES as readonly string[]).includes(auth)) throw new UsageError(`--auth "${auth}": expected one of ${AUTH_MODES.join(', ')}`);
    profile.auth = auth;
  }
  if (p === 'conductor') {
    const keyId = (opts.keyId as string | undefined) ?? (interactive ? await ctx.promptText('Application key id (empty for Conductor OSS without auth)', keep('keyId') ?? '') : undefined);
    if (keyId) profile.keyId = keyId;
  }
  if (p === 'spaaza') {
    profile.tokenId = (opts.tokenId as string | undefined) ?? (interactive ? await ctx.promptText('Access token id', keep('tokenId')) : need('--token-id', 'the access token id'));
    if (opts.chain !== undefined) profile.chain = opts.chain;
    else if (interactive) {
      const chain = await ctx.promptText('Chain id (optional)', same && current?.chain !== undefined ? String(current.chain) : '', (v) => (v === '' || /^\d+$/.test(v) ? true : 'expected a number'));
      if (chain) profile.chain = Number(chain);
    }
  }
  if (ctx.globals.ca) profile.ca = path.resolve(ctx.cwd, ctx.globals.ca);
  else if (interactive && keep('ca')) profile.ca = keep('ca');
  if (ctx.globals.insecure) profile.insecure = true;
  else if (interactive && same && current?.insecure !== undefined) profile.insecure = current.insecure;

  // the secret: never from a flag's value
  const secretField = facts.secret;
  const label = SECRET_LABEL[p];
  const secretOptional = p === 'conductor' && !profile.keyId;
  const envVar = Object.entries(facts.env).find(([, f]) => f === secretField)![0];
  if (opts.secretEnv) profile[secretField] = `\${${String(opts.secretEnv)}}`;
  else if (opts.secretStdin) {
    const text = await ctx.readStdin();
    const secret = text.split(/\r?\n/)[0].trim();
    if (!secret) throw new UsageError('--secret-stdin: standard input was empty');
    ctx.secrets.add(secret);
    profile[secretField] = secret;
  } else if (interactive && !secretOptional) {
    const existing = keep(secretField);
    const existingVar = existing ? PLACEHOLDER.exec(existing)?.[1] : undefined;
    const choices = [
      ...(existing ? [existingVar ? `keep \${${existingVar}}` : 'keep the current one'] : []),
      'type it now (hidden; stored in the file)',
      `read it from an environment variable (stores a placeholder such as \${${envVar}})`,
    ];
    const how = await ctx.promptSelect(`${label}: how should the profile get it?`, choices, choices[0]);
    if (how.startsWith('keep')) profile[secretField] = existing;
    else if (how.startsWith('read')) {
      const v = await ctx.promptText('Environment variable name', existingVar ?? envVar, (s) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? true : 'expected a name such as ' + envVar));
      profile[secretField] = `\${${v}}`;
    } else {
      const secret = (await ctx.promptSecret(`${label} (input hidden)`)).trim();
      if (!secret) throw new UsageError(`no ${label.toLowerCase()} given`);
      ctx.secrets.add(secret);
      profile[secretField] = secret;
    }
  } else if (!secretOptional) {
    throw new UsageError(`the profile needs its ${secretField}`, { hint: '--secret-stdin reads it from standard input; --secret-env VAR stores the placeholder ${VAR}' });
  }

  if (ctx.globals.dryRun) {
    ctx.out.line(`would write profile "${name}" (${p}) to ${target}`);
    return;
  }
  let replaced = false;
  const written = await editConfigFile(
    target,
    (doc) => {
      // decided under the lock: another writer may have added it meanwhile
      replaced = doc.get(['profiles', name]) !== undefined;
      doc.set(['profiles', name], profile);
      if (opts.default) doc.set(['defaults', p], name);
    },
    { env: ctx.env },
  );
  const { statSync } = await import('node:fs');
  const mode = (statSync(written.target).mode & 0o777).toString(8);
  ctx.out.result({ name, provider: p, file: target, replaced, default: Boolean(opts.default) }, () =>
    ctx.info(`${replaced ? 'replaced' : 'added'} profile "${name}" (${p}) in ${target} (mode ${mode})${opts.default ? `, default for ${p}` : ''}`),
  );

  if (interactive && !ctx.globals.json) {
    if (await ctx.promptYesNo('Test the connection now?', true)) {
      const { run: test } = await import('./test.js');
      ctx.reloadConfig();
      await test(ctx, { args: [name], opts: {} } as unknown as Parameters<Handler>[1]);
    }
  }
};

/**
 * `profile add <name>`: add or replace a profile in the user config file (or the --config file).
 * At a terminal it prompts for what the flags did not give (the secret masked); without one, flags
 * plus --secret-stdin or --secret-env. The file is written 0600.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Handler } from '../types.js';
import { UsageError } from '../../errors.js';
import { PROVIDERS, PROVIDER_FACTS, isProvider, type Provider } from '../../config/providers.js';
import { userConfigPath } from '../../config/load.js';
import { openForEdit } from '../../config/write.js';

const AUTH_MODES = ['auto', 'basic', 'token', 'session'] as const;

function checkUrl(v: string): true | string {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? true : 'expected an http(s) URL';
  } catch {
    return 'expected a URL such as https://localhost:8080';
  }
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

  let provider = opts.provider as string | undefined;
  if (provider !== undefined && !isProvider(provider)) throw new UsageError(`--provider "${provider}": expected one of ${PROVIDERS.join(', ')}`);
  if (!provider) provider = interactive ? await ctx.promptSelect('Provider', PROVIDERS) : need('--provider', 'the provider');
  const p = provider as Provider;
  const facts = PROVIDER_FACTS[p];
  const profile: Record<string, unknown> = { provider: p };

  let url = opts.url as string | undefined;
  if (!url && !facts.defaults.url) url = interactive ? await ctx.promptText('Server URL', undefined, checkUrl) : need('--url', 'the server URL');
  if (url) {
    const ok = checkUrl(url);
    if (ok !== true) throw new UsageError(`--url "${url}": ${ok}`);
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
    profile.username = (opts.username as string | undefined) ?? (interactive ? await ctx.promptText('Username (email)', 'root@openhim.org') : need('--username', 'the username'));
    const auth = (opts.auth as string | undefined) ?? 'auto';
    if (!(AUTH_MODES as readonly string[]).includes(auth)) throw new UsageError(`--auth "${auth}": expected one of ${AUTH_MODES.join(', ')}`);
    profile.auth = auth;
  }
  if (p === 'conductor') {
    const keyId = (opts.keyId as string | undefined) ?? (interactive ? await ctx.promptText('Key id (empty for Conductor OSS without auth)', '') : undefined);
    if (keyId) profile.keyId = keyId;
  }
  if (p === 'spaaza') {
    profile.tokenId = (opts.tokenId as string | undefined) ?? (interactive ? await ctx.promptText('Access token id') : need('--token-id', 'the access token id'));
    if (opts.chain !== undefined) profile.chain = opts.chain;
    else if (interactive) {
      const chain = await ctx.promptText('Chain id (optional)', '', (v) => (v === '' || /^\d+$/.test(v) ? true : 'expected a number'));
      if (chain) profile.chain = Number(chain);
    }
  }
  if (ctx.globals.ca) profile.ca = path.resolve(ctx.cwd, ctx.globals.ca);
  if (ctx.globals.insecure) profile.insecure = true;

  // the secret: never from a flag's value
  const secretField = facts.secret;
  const secretOptional = p === 'conductor' && !profile.keyId;
  if (opts.secretEnv) profile[secretField] = `\${${String(opts.secretEnv)}}`;
  else if (opts.secretStdin) {
    const text = await ctx.readStdin();
    const secret = text.split(/\r?\n/)[0].trim();
    if (!secret) throw new UsageError('--secret-stdin: standard input was empty');
    ctx.secrets.add(secret);
    profile[secretField] = secret;
  } else if (interactive && !secretOptional) {
    const secret = (await ctx.promptSecret(`${secretField} (input hidden)`)).trim();
    if (!secret) throw new UsageError(`no ${secretField} given`);
    ctx.secrets.add(secret);
    profile[secretField] = secret;
  } else if (!secretOptional) {
    throw new UsageError(`the profile needs its ${secretField}`, { hint: '--secret-stdin reads it from standard input; --secret-env VAR stores the placeholder ${VAR}' });
  }

  const explicit = ctx.globals.config ?? (ctx.env.TASKCTL_CONFIG || undefined);
  const target = explicit ? path.resolve(ctx.cwd, explicit) : userConfigPath(ctx.env);
  if (ctx.globals.dryRun) {
    ctx.out.line(`would write profile "${name}" (${p}) to ${target}`);
    return;
  }
  const file = openForEdit(target);
  const replaced = file.get(['profiles', name]) !== undefined;
  file.set(['profiles', name], profile);
  if (opts.default) file.set(['defaults', p], name);
  file.save();

  if (!explicit) {
    // a project .openhimrc found from the current directory takes precedence over the user file
    const inEffect = await ctx.config().catch(() => null);
    if (inEffect && inEffect.filepath !== target) ctx.warn(`${inEffect.filepath} is the config in effect here; the profile was written to ${target}`);
  }
  const mode = (fs.statSync(target).mode & 0o777).toString(8);
  ctx.out.result({ name, provider: p, file: target, replaced, default: Boolean(opts.default) }, () =>
    ctx.info(`${replaced ? 'replaced' : 'added'} profile "${name}" (${p}) in ${target} (mode ${mode})${opts.default ? `, default for ${p}` : ''}`),
  );
};

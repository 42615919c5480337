/** Shared by the `profile` verbs: loading the config, listing names, printing a resolved profile. */
import type { Context } from '../../context.js';
import { ConfigError } from '../../errors.js';
import type { ConfigFile, LoadedConfig } from '../../config/load.js';
import { PROVIDER_FACTS, PROVIDERS, type Provider } from '../../config/providers.js';
import type { ResolvedProfile } from '../../config/resolve.js';
import { MASK } from '../../http/redact.js';

export async function requireConfig(ctx: Context): Promise<LoadedConfig> {
  const config = await ctx.config();
  if (!config) throw new ConfigError('no config file found', { hint: 'run `taskctl profile add <name>` to create one' });
  return config;
}

/** The profile `name` (own keys only: `constructor` is just a name) and the file it comes from. */
export function requireProfile(config: LoadedConfig, name: string): { provider: Provider; file: ConfigFile } {
  if (!Object.hasOwn(config.profiles, name)) {
    const known = Object.keys(config.profiles);
    throw new ConfigError(`unknown profile "${name}" in ${config.files.map((f) => f.filepath).join(' and ')}`, {
      hint: known.length ? `known profiles: ${known.join(', ')}` : 'there are no profiles yet',
    });
  }
  return { provider: config.profiles[name].provider as Provider, file: config.profileFile[name] };
}

/** The profile as `profile show` prints it: secrets masked. */
export function shownProfile(p: ResolvedProfile) {
  const secret = PROVIDER_FACTS[p.provider].secret;
  const fields: Record<string, { value: unknown; source: string }> = {};
  for (const key of PROVIDER_FACTS[p.provider].fields) {
    const f = p.fields[key];
    if (!f) continue;
    const unset = typeof f.value === 'string' && /^<unset \$[A-Za-z_][A-Za-z0-9_]*>$/.test(f.value);
    const value = unset ? f.value : key === secret ? (f.value ? MASK : '') : key === 'ca' && typeof p.values.ca === 'string' ? p.values.ca : f.value;
    fields[key] = { value, source: f.source };
  }
  return { name: p.name, provider: p.provider, file: p.file, fields, ...(p.unset.length ? { unset: p.unset } : {}) };
}

export function printProfile(ctx: Context, shown: ReturnType<typeof shownProfile>): void {
  ctx.out.line(`${ctx.style.bold(shown.name)} (${shown.provider}${shown.file ? `, from ${shown.file}` : ''})`);
  ctx.out.table(
    Object.entries(shown.fields).map(([field, f]) => ({ field, ...f })),
    [
      { header: 'field', get: (r) => r.field },
      { header: 'value', get: (r) => r.value },
      { header: 'source', get: (r) => r.source, style: (t) => ctx.style.dim(t) },
    ],
  );
}

export function providersWithEnv(env: NodeJS.ProcessEnv): Provider[] {
  return PROVIDERS.filter((p) => Boolean(env[PROVIDER_FACTS[p].urlEnv]));
}

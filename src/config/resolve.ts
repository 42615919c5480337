/**
 * Which profile a provider tree uses, and the value and source of each of its fields:
 * `--profile` > TASKCTL_PROFILE (only when it belongs to this provider) > `defaults.<provider>` >
 * the only profile of that provider > environment variables alone. Env vars then override field by field.
 * `${VAR}` is resolved only in the profile being used.
 */
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { hasUserinfo, userinfoError, type LoadedConfig, type RawProfile } from './load.js';
import { PROVIDER_FACTS, type Provider } from './providers.js';
import { profileSchemas, describeIssue } from './schema.js';

export interface FieldValue {
  value: unknown;
  /** where it came from: the file path, `env:NAME`, `file → env:NAME` for ${NAME}, or `default` */
  source: string;
}

export interface ResolvedProfile {
  name: string;
  provider: Provider;
  /** null when the profile came from environment variables alone */
  file: string | null;
  fields: Record<string, FieldValue>;
  /** the validated, typed values */
  values: Record<string, unknown> & { url: string; insecure: boolean; ca?: string };
  /** the profile's secret value, if any (for redaction) */
  secret?: string;
  /** with `unset: 'mark'`: the ${VAR}s that are not set (their fields show as `<unset $VAR>`) */
  unset: string[];
  /** the built-in sandbox's profile (--sandbox): no config file behind it */
  sandbox?: boolean;
}

export interface SelectOptions {
  provider: Provider;
  /** --profile */
  flag?: string;
  env: NodeJS.ProcessEnv;
}

/** Picks the profile name (or null for env-only) without resolving it. */
export function selectProfileName(config: LoadedConfig | null, opts: SelectOptions): string | null {
  const { provider, flag, env } = opts;
  const profiles = config?.profiles ?? {};
  const has = (name: string) => Object.hasOwn(profiles, name);
  const belongs = (name: string) => has(name) && profiles[name].provider === provider;
  if (flag) {
    if (!config) throw new ConfigError(`profile "${flag}" was asked for, but there is no config file`, { hint: 'run `taskctl profile add` or pass --config' });
    if (!has(flag)) throw unknownProfile(flag, config, '--profile');
    if (!belongs(flag)) throw new ConfigError(`profile "${flag}" is a ${profiles[flag].provider} profile, not ${provider}`, { hint: `choose a ${provider} profile; see \`taskctl profile list\`` });
    return flag;
  }
  const fromEnv = env.TASKCTL_PROFILE;
  if (fromEnv) {
    if (!has(fromEnv)) throw unknownProfile(fromEnv, config, 'TASKCTL_PROFILE');
    if (belongs(fromEnv)) return fromEnv;
    // a profile of another provider: ignored for this tree
  }
  const def = config && Object.hasOwn(config.defaults, provider) ? config.defaults[provider] : undefined;
  if (def) {
    const where = config!.defaultsFile[provider]?.filepath ?? config!.filepath;
    if (!has(def)) throw unknownProfile(def, config, `defaults.${provider} in ${where}`);
    if (!belongs(def)) throw new ConfigError(`${where}: defaults.${provider} names "${def}", a ${profiles[def].provider} profile`);
    return def;
  }
  const mine = Object.keys(profiles).filter(belongs);
  if (mine.length === 1) return mine[0];
  if (mine.length > 1) {
    throw new ConfigError(`several ${provider} profiles (${mine.join(', ')}) and no default`, {
      hint: `choose one with --profile, or run \`taskctl profile use <name>\``,
    });
  }
  const facts = PROVIDER_FACTS[provider];
  if (env[facts.urlEnv]) {
    return null;
  }
  throw new ConfigError(config ? `no ${provider} profile in ${config.files.map((f) => f.filepath).join(' or ')}` : `no config file and no ${provider} environment variables`, {
    hint: `run \`taskctl profile add <name> --provider ${provider}\`, or set ${Object.keys(facts.env).join(', ')}`,
  });
}

function unknownProfile(name: string, config: LoadedConfig | null, via: string): ConfigError {
  const known = Object.keys(config?.profiles ?? {});
  return new ConfigError(`unknown profile "${name}" (from ${via})`, {
    hint: known.length ? `known profiles: ${known.join(', ')}` : 'there are no profiles; run `taskctl profile add`',
  });
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Resolves ${VAR}, applies env overrides and defaults, validates. An unset ${VAR} is exit 3, or with
 * `unset: 'mark'` (for `profile show`) shows as `<unset $VAR>` and is listed in `unset`.
 */
export function resolveProfile(
  config: LoadedConfig | null,
  name: string | null,
  provider: Provider,
  env: NodeJS.ProcessEnv,
  opts: { unset?: 'throw' | 'mark' } = {},
): ResolvedProfile {
  const facts = PROVIDER_FACTS[provider];
  const own = Boolean(name && config && Object.hasOwn(config.profiles, name));
  const raw: RawProfile = own ? config!.profiles[name!] : { provider };
  const origin = own ? config!.profileFile[name!] : null;
  const file = origin ? origin.filepath : null;
  const unset: string[] = [];
  const where = name ? `profile "${name}"` : 'environment';
  const fields: Record<string, FieldValue> = {};

  for (const [key, value] of Object.entries(raw)) {
    if (key === 'provider') continue;
    if (typeof value === 'string' && value.includes('${')) {
      let via = '';
      let missing = '';
      const interpolated = value.replace(VAR, (_m, v: string) => {
        const got = env[v];
        if (got === undefined) {
          if (opts.unset === 'mark') {
            missing ||= v;
            return '';
          }
          throw new ConfigError(`${file}: ${where} field "${key}" uses \${${v}}, but ${v} is not set`, { hint: `export ${v}, or edit the profile` });
        }
        via = v;
        return got;
      });
      if (missing) {
        unset.push(missing);
        fields[key] = { value: `<unset $${missing}>`, source: `${file} (\${${missing}})` };
      } else fields[key] = { value: interpolated, source: `${file} (\${${via}})` };
    } else {
      fields[key] = { value, source: file ?? 'file' };
    }
  }
  for (const [envName, key] of Object.entries(facts.env)) {
    const v = env[envName];
    if (v !== undefined && v !== '') fields[key] = { value: v, source: `env:${envName}` };
  }
  for (const [key, value] of Object.entries(facts.defaults)) {
    if (!(key in fields)) fields[key] = { value, source: 'default' };
  }
  // the JS SDKs trim keys: a trailing newline from a secrets file gives "Invalid Access Key"
  for (const key of [facts.secret, 'keyId', 'tokenId', 'apiKey', 'username']) {
    if (typeof fields[key]?.value === 'string') fields[key].value = (fields[key].value as string).trim();
  }
  const input: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) input[k] = f.value;
  if (typeof input.insecure === 'string') input.insecure = input.insecure === 'true';
  if (typeof input.url === 'string') {
    if (hasUserinfo(input.url)) throw userinfoError(fields.url.source.startsWith('env:') ? fields.url.source.slice(4) : `${file ?? 'environment'} (${where})`);
    input.url = input.url.replace(/\/+$/, '');
  }
  if (unset.length) {
    // `profile show` of a profile with an unset ${VAR}: the fields as they are, no validation
    return { name: name ?? '(env)', provider, file, fields, values: input as ResolvedProfile['values'], unset };
  }
  const parsed = profileSchemas[provider].safeParse(input);
  if (!parsed.success) {
    const secretKeys = new Set([facts.secret]);
    // each bad value named where it came from: `OPENHIM_AUTH="bogus": expected …` (as TASKCTL_* are), or the file's field
    let fromEnv = false;
    const msg = parsed.error.issues
      .map((i) => {
        const source = fields[String(i.path[0] ?? '')]?.source ?? '';
        if (source.startsWith('env:')) {
          fromEnv = true;
          const m = /^[^:]*: (.*), received (.*)$/s.exec(describeIssue(i, '', input, secretKeys));
          return m ? `${source.slice(4)}=${m[2]}: ${m[1]}` : `${source.slice(4)}: ${describeIssue(i, '', input, secretKeys)}`;
        }
        const via = /\(\$\{([A-Za-z_][A-Za-z0-9_]*)\}\)$/.exec(source);
        return `${file ?? 'environment'}: ${describeIssue(i, name ? `profiles.${name}` : '', input, secretKeys)}${via ? ` (from \${${via[1]}})` : ''}`;
      })
      .join('; ');
    throw new ConfigError(msg, { hint: fromEnv ? 'fix or unset the variable; nothing was sent' : name ? undefined : `check ${Object.keys(facts.env).join(', ')}` });
  }
  const values = parsed.data as ResolvedProfile['values'];
  if (values.ca && origin && fields.ca && !fields.ca.source.startsWith('env:')) {
    values.ca = path.resolve(origin.dir, values.ca);
  }
  const secret = typeof values[facts.secret] === 'string' ? (values[facts.secret] as string) : undefined;
  return { name: name ?? '(env)', provider, file, fields, values, secret, unset };
}

/** Throws exit 3 naming the missing fields and the env var that would provide each. */
export function requireFields(profile: ResolvedProfile, keys: string[]): void {
  const facts = PROVIDER_FACTS[profile.provider];
  const missing = keys.filter((k) => profile.values[k] === undefined || profile.values[k] === '');
  if (missing.length === 0) return;
  const envFor = (k: string) => Object.entries(facts.env).find(([, f]) => f === k)?.[0];
  throw new ConfigError(`${profile.name === '(env)' ? 'the environment' : `profile "${profile.name}"`} has no ${missing.join(', ')}`, {
    hint: missing.map((k) => (envFor(k) ? `set ${envFor(k)} or add "${k}" to the profile` : `add "${k}" to the profile`)).join('; '),
  });
}

/**
 * Where a field's value came from, as a user would look for it: `OPENHIM_URL`, `"url" of profile "prod" in
 * /home/me/.config/taskctl/config.yaml`, `MY_PW (named in profile "prod", …)`, or the default. Errors name it
 * in their hints ("check OPENHIM_URL"), so nobody edits a profile whose value an env var overrides.
 */
export function fieldSource(profile: Pick<ResolvedProfile, 'name' | 'provider' | 'fields' | 'file'>, key: string): string {
  const facts = PROVIDER_FACTS[profile.provider];
  const envName = Object.entries(facts.env).find(([, f]) => f === key)?.[0];
  const source = profile.fields[key]?.source;
  if (!source) return envName ? `${envName} or "${key}" in the profile` : `"${key}" in the profile`;
  if (source.startsWith('env:')) return source.slice(4);
  if (source === 'default') return `the default ${key} (set ${envName ? `${envName} or ` : ''}"${key}" in the profile)`;
  const where = `profile "${profile.name}" in ${profile.file}`;
  const via = /\(\$\{([A-Za-z_][A-Za-z0-9_]*)\}\)$/.exec(source);
  if (via) return `${via[1]} (named by "${key}" of ${where})`;
  return `"${key}" of ${where}`;
}

/** fieldSource for each field of the profile, for the HTTP client's hints. */
export function fieldSources(profile: ResolvedProfile): Record<string, string> {
  return Object.fromEntries(Object.keys(profile.fields).map((k) => [k, fieldSource(profile, k)]));
}

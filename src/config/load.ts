/**
 * Finding, checking and merging config files (spec/CLI.md "Configuration and profiles").
 *
 * - `--config` / TASKCTL_CONFIG: exactly that file (trusted: the user named it).
 * - Otherwise the user file `$XDG_CONFIG_HOME/taskctl/config.yaml` (always trusted) and the nearest project
 *   file `.openhimrc` (+ .json/.yaml/.yml) from the current directory upwards, merged: the project's profiles
 *   are added (same name: the project's wins) and its `defaults` win per provider. A project file is used only
 *   when its path and content hash are in the trust store (trust.ts); it is parsed and checked first, so its
 *   own errors still name the file, line and column.
 *
 * Every file is checked before it is parsed: owned by us or root, not writable by others, at most 1 MiB, UTF-8,
 * nested at most 64 levels, no YAML alias bomb. YAML and JSON only: JavaScript config is never executed.
 * (cosmiconfig was the first choice; with its JavaScript loaders refused it only read the file, at ~50 ms a run.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { JsonSyntaxError, parseJsonLocated } from '../input/json.js';
import { describeIssue, rawProfileSchema } from './schema.js';
import { PROVIDER_FACTS, PROVIDERS, isProvider } from './providers.js';
import type * as z from 'zod/mini';

export const SEARCH_PLACES = ['.openhimrc', '.openhimrc.json', '.openhimrc.yaml', '.openhimrc.yml'];
export const MAX_BYTES = 1024 * 1024;
export const MAX_DEPTH = 64;

export interface RawProfile {
  provider: string;
  [field: string]: unknown;
}

export type FileRole = 'user' | 'project' | 'explicit';
/** `always` for the user file and an explicit --config file */
export type FileTrust = 'always' | 'trusted' | 'untrusted' | 'changed';

export interface ConfigFile {
  filepath: string;
  role: FileRole;
  /** relative paths in its profiles are relative to this */
  dir: string;
  /** file mode bits */
  mode: number;
  trust: FileTrust;
  defaults: Record<string, string>;
  profiles: Record<string, RawProfile>;
  /** the bytes read, for the trust hash */
  content: Buffer;
  /** warnings to print once the file is used (group-writable) */
  warnings: string[];
}

export interface LoadedConfig {
  /** the files in effect, lowest precedence first */
  files: ConfigFile[];
  /** the file that decides (explicit, else project, else user), for messages */
  filepath: string;
  /** merged: provider → profile name */
  defaults: Record<string, string>;
  /** provider → the file whose `defaults` decide it */
  defaultsFile: Record<string, ConfigFile>;
  /** merged profiles (own keys only: a null-prototype record) */
  profiles: Record<string, RawProfile>;
  /** profile name → the file it comes from */
  profileFile: Record<string, ConfigFile>;
}

export function userConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'taskctl', 'config.yaml');
}

/** A path as a shell word (for commands printed in hints). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function trustCommand(filepath: string): string {
  return `taskctl config trust ${shellWord(filepath)}`;
}

/** The nearest project file from `cwd` upwards, or null. */
export function findProjectFile(cwd: string): string | null {
  let dir = path.resolve(cwd);
  for (let i = 0; i < 256; i++) {
    for (const place of SEARCH_PLACES) {
      const file = path.join(dir, place);
      try {
        if (fs.statSync(file).isFile()) return file;
      } catch {
        /* not here */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/** Refuses a file another user (not root) owns or others can write; returns a warning for a group-writable one. */
function checkOwnership(filepath: string, st: fs.Stats): string[] {
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  if (uid !== null && st.uid !== uid && st.uid !== 0) {
    throw new ConfigError(`${filepath} is owned by another user (uid ${st.uid}); taskctl does not use it`, {
      hint: `a config file decides where credentials are sent: remove it, take it over (chown ${uid} ${shellWord(filepath)}) or name your own with --config`,
    });
  }
  if (st.mode & 0o002) {
    throw new ConfigError(`${filepath} is writable by other users (mode ${(st.mode & 0o777).toString(8)}); taskctl does not use it`, {
      hint: `run: chmod o-w ${shellWord(filepath)}`,
    });
  }
  if (st.mode & 0o020) return [`${filepath} is writable by its group (mode ${(st.mode & 0o777).toString(8)}); run: chmod g-w ${shellWord(filepath)}`];
  return [];
}

/** Flow nesting (`[` `{`) outside strings and comments: a cheap guard before any parser recurses. */
function flowDepthExceeds(text: string, json: boolean, max: number): boolean {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || (!json && c === "'" && /[\s[{,:]/.test(text[i - 1] ?? ' '))) quote = c;
    else if (!json && c === '#' && /\s/.test(text[i - 1] ?? ' ')) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '[' || c === '{') {
      if (++depth > max) return true;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return false;
}

/** Depth of a parsed value, without recursion. */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (d > max) return true;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}

function tooDeep(filepath: string): ConfigError {
  return new ConfigError(`${filepath}: nests deeper than ${MAX_DEPTH} levels; taskctl does not read it`);
}

async function parseYaml(content: string, filepath: string): Promise<unknown> {
  // loaded only when there is YAML to read
  const { default: YAML } = await import('yaml');
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(content, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = lineCounter.linePos(e.pos[0]);
    throw new ConfigError(`${filepath}:${pos.line}:${pos.col}: invalid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(filepath);
    throw new ConfigError(`${filepath}: YAML aliases expand too much (${(err as Error).message}); taskctl does not read it`);
  }
}

/** Reads, checks and validates one config file. Throws ConfigError naming the file. */
export async function readConfigFile(filepath: string, role: FileRole, env: NodeJS.ProcessEnv): Promise<ConfigFile> {
  if (/\.(c|m)?[jt]s$/.test(filepath)) {
    throw new ConfigError(`${filepath}: JavaScript config files are never executed`, { hint: 'use YAML or JSON' });
  }
  let st: fs.Stats;
  let content: Buffer;
  try {
    st = fs.statSync(filepath);
    if (!st.isFile()) throw new ConfigError(`${filepath} is not a regular file`);
    const warnings = checkOwnership(filepath, st);
    if (st.size > MAX_BYTES) throw new ConfigError(`${filepath} is larger than 1 MiB (${st.size} bytes); taskctl does not read it`);
    content = fs.readFileSync(filepath);
    if (content.length > MAX_BYTES) throw new ConfigError(`${filepath} is larger than 1 MiB; taskctl does not read it`);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(content);
    } catch {
      throw new ConfigError(`${filepath} is not UTF-8`, { hint: 'save it as UTF-8 (e.g. iconv -f latin1 -t utf-8)' });
    }
    let data: unknown = {};
    if (text.trim() !== '') {
      const json = filepath.endsWith('.json') || (path.extname(filepath) === '' && text.trimStart().startsWith('{'));
      if (flowDepthExceeds(text, json, MAX_DEPTH)) throw tooDeep(filepath);
      data = json ? parseJsonLocated(text, filepath) : await parseYaml(text, filepath);
      if (depthExceeds(data, MAX_DEPTH)) throw tooDeep(filepath);
    }
    const file = validateFile(filepath, data ?? {}, role, st, content);
    file.warnings.push(...warnings);
    file.trust = role === 'project' ? (await import('./trust.js')).trustState(env, filepath, content) : 'always';
    return file;
  } catch (err) {
    throw asConfigError(err, filepath);
  }
}

function asConfigError(err: unknown, filepath: string): ConfigError {
  if (err instanceof ConfigError) return err;
  if (err instanceof JsonSyntaxError) {
    return new ConfigError(`${err.source}:${err.location.line}:${err.location.column}: invalid JSON: ${err.reason}`);
  }
  if (err instanceof RangeError) return tooDeep(filepath);
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return new ConfigError(`config file ${filepath} does not exist`, { hint: 'check --config / TASKCTL_CONFIG' });
  return new ConfigError(`could not read the config file ${filepath}: ${e.code ?? (err instanceof Error ? err.message : String(err))}`);
}

const USERINFO = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/;

/** True when a URL carries a user name or password (`https://user:pw@host`). */
export function hasUserinfo(url: string): boolean {
  return USERINFO.test(url.trim());
}

export function userinfoError(where: string): ConfigError {
  return new ConfigError(`${where}: the url has a user name or password in it; taskctl refuses it and does not print it`, {
    hint: 'put the credentials in their own fields (username/password, apiKey, keyId/keySecret, tokenId/tokenSecret)',
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateFile(filepath: string, data: unknown, role: FileRole, st: fs.Stats, content: Buffer): ConfigFile {
  if (!isPlainObject(data)) throw new ConfigError(`${filepath}: expected a mapping with "profiles" and "defaults", received ${Array.isArray(data) ? 'a list' : typeof data}`);
  const unknownKeys = Object.keys(data).filter((k) => k !== 'profiles' && k !== 'defaults');
  if (unknownKeys.length) throw new ConfigError(`${filepath}: unknown field${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((k) => JSON.stringify(k)).join(', ')}`, { hint: 'the top level has "defaults" and "profiles"' });
  const defaults = Object.create(null) as Record<string, string>;
  const rawDefaults = data.defaults ?? {};
  if (!isPlainObject(rawDefaults)) throw new ConfigError(`${filepath}: defaults: expected a mapping of provider to profile name`);
  for (const [k, v] of Object.entries(rawDefaults)) {
    if (!isProvider(k)) throw new ConfigError(`${filepath}: defaults.${k}: expected one of ${PROVIDERS.join('|')}`);
    if (typeof v !== 'string') throw new ConfigError(`${filepath}: defaults.${k}: expected a profile name, received ${JSON.stringify(v)}`);
    defaults[k] = v;
  }
  const rawProfiles = data.profiles ?? {};
  if (!isPlainObject(rawProfiles)) throw new ConfigError(`${filepath}: profiles: expected a mapping of name to profile`);
  const profiles = Object.create(null) as Record<string, RawProfile>;
  for (const [name, raw] of Object.entries(rawProfiles)) {
    const provider = isPlainObject(raw) ? raw.provider : undefined;
    const secretKeys = new Set(typeof provider === 'string' && isProvider(provider) ? [PROVIDER_FACTS[provider].secret] : []);
    if (isPlainObject(raw) && typeof raw.url === 'string' && hasUserinfo(raw.url)) throw userinfoError(`${filepath} (profile "${name}")`);
    const parsed = rawProfileSchema.safeParse(raw);
    if (!parsed.success) throw issuesError(filepath, parsed.error, `profiles.${name}`, raw, secretKeys, name);
    profiles[name] = parsed.data as RawProfile;
  }
  return { filepath, role, dir: path.dirname(filepath), mode: st.mode & 0o777, trust: 'always', defaults, profiles, content, warnings: [] };
}

function issuesError(filepath: string, error: z.core.$ZodError, prefix: string, input: unknown, secretKeys?: ReadonlySet<string>, profile?: string): ConfigError {
  const lines = error.issues.map((i) => describeIssue(i, prefix, input, secretKeys));
  const where = profile ? `${filepath} (profile "${profile}")` : filepath;
  return new ConfigError(`${where}: ${lines.join('; ')}`);
}

export interface FoundFile {
  filepath: string;
  role: FileRole;
}

/** Which files taskctl reads from here, in precedence order (lowest first), existing ones only. */
export function configFilesFrom(opts: { explicit?: string; cwd: string; env: NodeJS.ProcessEnv }): FoundFile[] {
  if (opts.explicit) return [{ filepath: path.resolve(opts.cwd, opts.explicit), role: 'explicit' }];
  const found: FoundFile[] = [];
  const user = userConfigPath(opts.env);
  if (fs.existsSync(user)) found.push({ filepath: user, role: 'user' });
  const project = findProjectFile(opts.cwd);
  if (project) found.push({ filepath: project, role: 'project' });
  return found;
}

/** The exit-3 error for a project file that is not (or no longer) trusted. */
export function untrustedError(file: ConfigFile): ConfigError {
  const what = file.trust === 'changed' ? 'changed since it was trusted' : 'is not trusted';
  return new ConfigError(`project config ${file.filepath} ${what}; nothing was sent`, {
    hint: `a project file decides where credentials go: review it, then run \`${trustCommand(file.filepath)}\` (or name it with --config / TASKCTL_CONFIG)`,
  });
}

export function mergeFiles(files: ConfigFile[]): LoadedConfig | null {
  if (files.length === 0) return null;
  const defaults = Object.create(null) as Record<string, string>;
  const defaultsFile = Object.create(null) as Record<string, ConfigFile>;
  const profiles = Object.create(null) as Record<string, RawProfile>;
  const profileFile = Object.create(null) as Record<string, ConfigFile>;
  for (const f of files) {
    for (const [name, p] of Object.entries(f.profiles)) {
      profiles[name] = p;
      profileFile[name] = f;
    }
    for (const [provider, name] of Object.entries(f.defaults)) {
      defaults[provider] = name;
      defaultsFile[provider] = f;
    }
  }
  return { files, filepath: files[files.length - 1].filepath, defaults, defaultsFile, profiles, profileFile };
}

/**
 * The config in effect, or null when there is no file (env-only use is then still possible).
 * A project file that is not trusted is exit 3, after its own errors.
 */
export async function loadConfig(opts: { explicit?: string; cwd: string; env: NodeJS.ProcessEnv }): Promise<LoadedConfig | null> {
  const found = configFilesFrom(opts);
  // the project file first: its errors (and its trust) decide before the user file is read
  const order = [...found].sort((a, b) => (a.role === 'project' ? -1 : b.role === 'project' ? 1 : 0));
  const read = new Map<string, ConfigFile>();
  for (const f of order) {
    const file = await readConfigFile(f.filepath, f.role, opts.env);
    if (file.trust === 'untrusted' || file.trust === 'changed') throw untrustedError(file);
    read.set(f.filepath, file);
  }
  return mergeFiles(found.map((f) => read.get(f.filepath)!));
}

/** True when a profile holds a literal (not ${VAR}) secret. */
export function holdsLiteralSecret(file: Pick<ConfigFile, 'profiles'>): boolean {
  return Object.values(file.profiles).some((p) => {
    const facts = isProvider(p.provider) ? PROVIDER_FACTS[p.provider] : undefined;
    const v = facts ? p[facts.secret] : undefined;
    return typeof v === 'string' && v !== '' && !/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(v.trim());
  });
}

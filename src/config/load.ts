/**
 * Finding and parsing the config file. Search order (spec/CLI.md): `--config` / TASKCTL_CONFIG, else
 * `.openhimrc` (+ .json/.yaml/.yml) from the current directory upwards, then the user file
 * `$XDG_CONFIG_HOME/taskctl/config.yaml`. YAML and JSON only: JavaScript config is never executed.
 *
 * (cosmiconfig was the first choice; with its JavaScript loaders refused and its global step (which also
 * tries config.js) replaced by this walk, it only read the file, and loading it cost ~50 ms per run.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { JsonSyntaxError, parseJsonLocated } from '../input/json.js';
import { fileSchema, describeIssue, rawProfileSchema } from './schema.js';
import { PROVIDER_FACTS, isProvider } from './providers.js';
import type * as z from 'zod/mini';

export const SEARCH_PLACES = ['.openhimrc', '.openhimrc.json', '.openhimrc.yaml', '.openhimrc.yml'];

export interface RawProfile {
  provider: string;
  [field: string]: unknown;
}

export interface LoadedConfig {
  filepath: string;
  /** relative paths in profiles are relative to this */
  dir: string;
  defaults: Record<string, string>;
  profiles: Record<string, RawProfile>;
  /** file mode bits, for the "readable by others" warning */
  mode: number;
}

export function userConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'taskctl', 'config.yaml');
}

/** JavaScript config would be code we execute: never. */
function refuseJs(filepath: string): never {
  throw new ConfigError(`${filepath}: JavaScript config files are never executed`, { hint: 'use YAML or JSON' });
}

/** Reads and parses one config file: `.json` (and JSON-looking `.openhimrc`) as JSON, the rest as YAML. */
async function readConfigFile(filepath: string): Promise<{ filepath: string; config: unknown }> {
  if (/\.(c|m)?[jt]s$/.test(filepath)) refuseJs(filepath);
  const content = fs.readFileSync(filepath, 'utf8');
  if (content.trim() === '') return { filepath, config: {} };
  const json = filepath.endsWith('.json') || (path.extname(filepath) === '' && content.trimStart().startsWith('{'));
  return { filepath, config: json ? parseJsonLocated(content, filepath) : await parseYaml(content, filepath) };
}

async function parseYaml(content: string, filepath: string): Promise<unknown> {
  // loaded only when there is YAML to read
  const { default: YAML } = await import('yaml');
  const doc = YAML.parseDocument(content, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    const where = pos ? `${pos.line}:${pos.col}` : '1:1';
    throw new ConfigError(`${filepath}:${where}: invalid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return doc.toJS();
}

/**
 * Returns the config file to use, or null when none exists (env-only use is then still possible).
 * `explicit` comes from --config or TASKCTL_CONFIG: it must exist.
 */
export async function loadConfig(opts: { explicit?: string; cwd: string; env: NodeJS.ProcessEnv }): Promise<LoadedConfig | null> {
  let result: { filepath: string; config: unknown } | null;
  try {
    if (opts.explicit) {
      const file = path.resolve(opts.cwd, opts.explicit);
      if (!fs.existsSync(file)) throw new ConfigError(`config file ${file} does not exist`, { hint: 'check --config / TASKCTL_CONFIG' });
      result = await readConfigFile(file);
    } else {
      result = await searchUpwards(opts.cwd);
      if (!result) {
        const user = userConfigPath(opts.env);
        if (fs.existsSync(user)) result = await readConfigFile(user);
      }
    }
  } catch (err) {
    throw asConfigError(err);
  }
  if (!result) return null;
  return validateFile(result.filepath, result.config ?? {});
}

async function searchUpwards(cwd: string): Promise<{ filepath: string; config: unknown } | null> {
  let dir = path.resolve(cwd);
  for (let i = 0; i < 256; i++) {
    for (const place of SEARCH_PLACES) {
      const file = path.join(dir, place);
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return readConfigFile(file);
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

function asConfigError(err: unknown): ConfigError {
  if (err instanceof ConfigError) return err;
  if (err instanceof JsonSyntaxError) {
    return new ConfigError(`${err.source}:${err.location.line}:${err.location.column}: invalid JSON: ${err.reason}`);
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new ConfigError(`could not read the config file: ${msg}`);
}

function validateFile(filepath: string, data: unknown): LoadedConfig {
  const top = fileSchema.safeParse(data ?? {});
  if (!top.success) throw issuesError(filepath, top.error, '', data);
  const profiles: Record<string, RawProfile> = {};
  for (const [name, raw] of Object.entries(top.data.profiles ?? {})) {
    const provider = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).provider : undefined;
    const secretKeys = new Set(typeof provider === 'string' && isProvider(provider) ? [PROVIDER_FACTS[provider].secret] : []);
    const parsed = rawProfileSchema.safeParse(raw);
    if (!parsed.success) throw issuesError(filepath, parsed.error, `profiles.${name}`, raw, secretKeys, name);
    profiles[name] = parsed.data as RawProfile;
  }
  const defaults = (top.data.defaults ?? {}) as Record<string, string>;
  let mode = 0o600;
  try {
    mode = fs.statSync(filepath).mode & 0o777;
  } catch {
    /* keep the default */
  }
  return { filepath, dir: path.dirname(filepath), defaults, profiles, mode };
}

function issuesError(filepath: string, error: z.core.$ZodError, prefix: string, input: unknown, secretKeys?: ReadonlySet<string>, profile?: string): ConfigError {
  const lines = error.issues.map((i) => describeIssue(i, prefix, input, secretKeys));
  const where = profile ? `${filepath} (profile "${profile}")` : filepath;
  return new ConfigError(`${where}: ${lines.join('; ')}`);
}

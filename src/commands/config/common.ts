/** Shared by the `config` verbs: which project file a command means. */
import path from 'node:path';
import type { Context } from '../../context.js';
import { ConfigError } from '../../errors.js';
import { findProjectFile } from '../../config/load.js';

/** The file argument, else the nearest project file from the current directory upwards. */
export function projectFileArg(ctx: Context, arg: unknown): string {
  if (typeof arg === 'string' && arg !== '') return path.resolve(ctx.cwd, arg);
  const found = findProjectFile(ctx.cwd);
  if (!found) throw new ConfigError(`no project config file (.openhimrc, .openhimrc.json, .openhimrc.yaml, .openhimrc.yml) in ${ctx.cwd} or above`, { hint: 'name the file: `taskctl config trust <file>`' });
  return found;
}

import type { Handler } from '../types.js';
import { configFilesFrom, readConfigFile, userConfigPath } from '../../config/load.js';
import { ConfigError } from '../../errors.js';

/** `config path`: every file taskctl would read from here, its role and trust state; a broken file is listed with its error. */
export const run: Handler = async (ctx) => {
  const found = configFilesFrom({ explicit: ctx.explicitConfig, cwd: ctx.cwd, env: ctx.env });
  const rows: { file: string; role: string; exists: boolean; trust: string; profiles: number; problem?: string }[] = [];
  if (!ctx.explicitConfig && !found.some((f) => f.role === 'user')) {
    rows.push({ file: userConfigPath(ctx.env), role: 'user', exists: false, trust: 'always', profiles: 0 });
  }
  let broken = false;
  for (const f of found) {
    try {
      const file = await readConfigFile(f.filepath, f.role, ctx.env);
      rows.push({ file: f.filepath, role: f.role, exists: true, trust: file.trust, profiles: Object.keys(file.profiles).length });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      broken = true;
      const exists = !/does not exist/.test(err.message);
      rows.push({ file: f.filepath, role: f.role, exists, trust: f.role === 'project' ? 'unknown' : 'always', profiles: 0, problem: err.message });
    }
  }
  ctx.out.result(rows, () => {
    ctx.out.table(rows, [
      { header: 'file', get: (r) => r.file },
      { header: 'role', get: (r) => r.role },
      { header: 'trust', get: (r) => (r.problem ? `${r.trust} (${r.problem})` : r.exists ? r.trust : 'not created yet'), style: (t) => (/^(untrusted|changed)/.test(t) ? ctx.style.yellow(t) : t) },
      { header: 'profiles', get: (r) => r.profiles },
    ]);
    for (const r of rows) {
      if (r.trust === 'untrusted' || r.trust === 'changed') ctx.info(`${r.file} is ${r.trust === 'changed' ? 'changed since it was trusted' : 'not trusted'}: review it, then run \`taskctl config trust ${r.file}\``);
    }
  });
  return broken ? 3 : undefined;
};

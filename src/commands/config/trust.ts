import type { Handler } from '../types.js';
import { readConfigFile, shellWord } from '../../config/load.js';
import { PROVIDER_FACTS, isProvider } from '../../config/providers.js';
import { trust } from '../../config/trust.js';
import { projectFileArg } from './common.js';

/** `config trust [file]`: shows the file's profiles and URLs (also with --yes), asks, records path + content hash. */
export const run: Handler = async (ctx, { args }) => {
  const filepath = projectFileArg(ctx, args[0]);
  // parsed and checked first: a broken, foreign or world-writable file is refused with its own error
  const file = await readConfigFile(filepath, 'project', ctx.env);
  const profiles = Object.entries(file.profiles).map(([name, p]) => ({
    name,
    provider: p.provider,
    url: typeof p.url === 'string' ? p.url : String((isProvider(p.provider) && PROVIDER_FACTS[p.provider].defaults.url) ?? ''),
    default: file.defaults[p.provider] === name,
  }));
  // what the file would do goes to stderr: stdout stays the command's result
  ctx.info(`${filepath} (${file.trust === 'trusted' ? 'already trusted' : file.trust === 'changed' ? 'changed since it was trusted' : 'not trusted yet'}):`);
  if (profiles.length === 0) ctx.info('  no profiles');
  for (const p of profiles) ctx.info(`  ${p.name} (${p.provider}${p.default ? ', default' : ''}) → ${p.url || '(no url)'}`);
  if (file.trust !== 'trusted') {
    await ctx.confirm(`Trust ${filepath}? Credentials for these profiles would be sent to the URLs above`);
  }
  if (ctx.globals.dryRun) {
    ctx.out.line(`would trust ${filepath}`);
    return;
  }
  if (file.trust !== 'trusted') await trust(ctx.env, filepath, file.content);
  ctx.out.result({ file: filepath, trusted: true, profiles }, () => ctx.info(`trusted ${filepath}; to take it back: taskctl config untrust ${shellWord(filepath)}`));
};

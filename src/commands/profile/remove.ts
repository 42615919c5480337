import type { Handler } from '../types.js';
import { openForEdit } from '../../config/write.js';
import { requireConfig, requireProfile } from './common.js';

export const run: Handler = async (ctx, { args }) => {
  const name = String(args[0]);
  const config = await requireConfig(ctx);
  const { provider } = requireProfile(config, name);
  await ctx.confirm(`Remove profile "${name}" (${provider}) from ${config.filepath}?`);
  if (ctx.globals.dryRun) {
    ctx.out.line(`would remove profile "${name}" from ${config.filepath}`);
    return;
  }
  const file = openForEdit(config.filepath);
  file.delete(['profiles', name]);
  const wasDefault = config.defaults[provider] === name;
  if (wasDefault) file.delete(['defaults', provider]);
  file.save();
  ctx.out.result({ name, provider, removed: true, file: config.filepath }, () =>
    ctx.info(`removed profile "${name}"${wasDefault ? ` (it was the default ${provider} profile)` : ''}`),
  );
};

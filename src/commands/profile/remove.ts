import type { Handler } from '../types.js';
import { editConfigFile } from '../../config/write.js';
import { requireConfig, requireProfile } from './common.js';

/** Removes the profile from the file it comes from (and that file's default pointing at it). */
export const run: Handler = async (ctx, { args }) => {
  const name = String(args[0]);
  const config = await requireConfig(ctx);
  const { provider, file } = requireProfile(config, name);
  await ctx.confirm(`Remove profile "${name}" (${provider}) from ${file.filepath}?`);
  if (ctx.globals.dryRun) {
    ctx.out.line(`would remove profile "${name}" from ${file.filepath}`);
    return;
  }
  let wasDefault = false;
  await editConfigFile(
    file.filepath,
    (doc) => {
      doc.delete(['profiles', name]);
      wasDefault = doc.get(['defaults', provider]) === name;
      if (wasDefault) doc.delete(['defaults', provider]);
    },
    { env: ctx.env },
  );
  ctx.out.result({ name, provider, removed: true, file: file.filepath }, () =>
    ctx.info(`removed profile "${name}" from ${file.filepath}${wasDefault ? ` (it was the default ${provider} profile)` : ''}`),
  );
};

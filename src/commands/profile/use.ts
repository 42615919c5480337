import type { Handler } from '../types.js';
import { openForEdit } from '../../config/write.js';
import { requireConfig, requireProfile } from './common.js';

export const run: Handler = async (ctx, { args }) => {
  const name = String(args[0]);
  const config = await requireConfig(ctx);
  const { provider } = requireProfile(config, name);
  if (ctx.globals.dryRun) {
    ctx.out.line(`would set defaults.${provider} to "${name}" in ${config.filepath}`);
    return;
  }
  const file = openForEdit(config.filepath);
  file.set(['defaults', provider], name);
  file.save();
  ctx.out.result({ name, provider, default: true, file: config.filepath }, () => ctx.info(`"${name}" is now the default ${provider} profile (${config.filepath})`));
};

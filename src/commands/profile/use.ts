import type { Handler } from '../types.js';
import { editConfigFile } from '../../config/write.js';
import { userConfigPath } from '../../config/load.js';
import { requireConfig, requireProfile } from './common.js';

/**
 * Writes `defaults.<provider>` into the file whose defaults decide for that provider: the --config file,
 * else the project file when it sets one, else the user file.
 */
export const run: Handler = async (ctx, { args }) => {
  const name = String(args[0]);
  const config = await requireConfig(ctx);
  const { provider } = requireProfile(config, name);
  const decides = config.defaultsFile[provider];
  const target = ctx.explicitConfig ? config.filepath : decides?.role === 'project' ? decides.filepath : userConfigPath(ctx.env);
  if (ctx.globals.dryRun) {
    ctx.out.line(`would set defaults.${provider} to "${name}" in ${target}`);
    return;
  }
  await editConfigFile(target, (doc) => doc.set(['defaults', provider], name), { env: ctx.env });
  ctx.out.result({ name, provider, default: true, file: target }, () => ctx.info(`"${name}" is now the default ${provider} profile (${target})`));
};

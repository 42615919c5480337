import type { Handler } from '../types.js';
import { ConfigError } from '../../errors.js';
import { PROVIDERS, type Provider } from '../../config/providers.js';
import { resolveProfile, selectProfileName } from '../../config/resolve.js';
import { printProfile, requireProfile, shownProfile } from './common.js';

export const run: Handler = async (ctx, { args }) => {
  const config = await ctx.config();
  const name = (args[0] as string | undefined) ?? ctx.globals.profile;
  const targets: { name: string | null; provider: Provider }[] = [];
  if (name) {
    if (!config) throw new ConfigError(`unknown profile "${name}": there is no config file`);
    targets.push({ name, provider: requireProfile(config, name).provider });
  } else {
    // no name: the profile each provider tree would use right now
    for (const provider of PROVIDERS) {
      try {
        targets.push({ name: selectProfileName(config, { provider, env: ctx.env }), provider });
      } catch (err) {
        if (!(err instanceof ConfigError) || !/no config file|no \w+ profile/.test(err.message)) throw err;
      }
    }
    if (targets.length === 0) throw new ConfigError('no profile is in use', { hint: 'run `taskctl profile add <name>`, or name one: `taskctl profile show <name>`' });
  }
  const shown = targets.map((t) => {
    const p = resolveProfile(config, t.name, t.provider, ctx.env);
    ctx.secrets.add(p.secret);
    return shownProfile(p);
  });
  ctx.out.result(name ? shown[0] : shown, () => {
    shown.forEach((s, i) => {
      if (i > 0) ctx.out.line();
      printProfile(ctx, s);
    });
  });
};

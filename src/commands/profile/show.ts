import type { Handler } from '../types.js';
import { ConfigError } from '../../errors.js';
import { PROVIDERS, type Provider } from '../../config/providers.js';
import { resolveProfile, selectProfileName } from '../../config/resolve.js';
import { printProfile, requireProfile, shownProfile } from './common.js';

export const run: Handler = async (ctx, { args }) => {
  if (ctx.sandbox) {
    // --sandbox: the sandbox's own profile of every provider, each field's source `sandbox`
    const shown = await Promise.all(PROVIDERS.map(async (p) => shownProfile(await ctx.profile(p))));
    ctx.out.result(shown, () => shown.forEach((s, i) => (i > 0 && ctx.out.line(), printProfile(ctx, s))));
    return;
  }
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
  // an unset ${VAR} shows as <unset $VAR>, the rest is printed, and the exit code is 3
  const resolved = targets.map((t) => resolveProfile(config, t.name, t.provider, ctx.env, { unset: 'mark' }));
  for (const p of resolved) ctx.secrets.add(p.secret);
  const shown = resolved.map(shownProfile);
  ctx.out.result(name ? shown[0] : shown, () => {
    shown.forEach((s, i) => {
      if (i > 0) ctx.out.line();
      printProfile(ctx, s);
    });
  });
  const unset = resolved.filter((p) => p.unset.length);
  if (unset.length) {
    const vars = [...new Set(unset.flatMap((p) => p.unset))];
    throw new ConfigError(`${unset.map((p) => `profile "${p.name}"`).join(', ')} uses ${vars.map((v) => `\${${v}}`).join(', ')}, but ${vars.join(', ')} ${vars.length > 1 ? 'are' : 'is'} not set`, {
      hint: `export ${vars.join(' ')}, or edit the profile`,
    });
  }
};

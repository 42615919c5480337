import { factPairs } from '../../output/render.js';
import type { Handler } from '../types.js';
import { ConfigError } from '../../errors.js';
import { PROVIDERS, type Provider } from '../../config/providers.js';
import { selectProfileName } from '../../config/resolve.js';
import { loadProvider } from '../../providers/index.js';
import { requireProfile } from './common.js';

export const run: Handler = async (ctx, { args }) => {
  // --sandbox: every provider's sandbox profile, each against its emulator
  if (ctx.sandbox) {
    const results: Array<Record<string, unknown> & { provider: string }> = [];
    for (const provider of PROVIDERS) {
      const facts = await (await loadProvider(provider)).test(ctx, await ctx.profile(provider));
      results.push({ ok: true, provider, sandbox: true, ...facts });
    }
    if (ctx.globals.dryRun) return;
    ctx.out.result(results, () => {
      for (const r of results) ctx.info(ctx.errStyle.green(`✓ sandbox (${r.provider}): connected and authenticated to taskctl's emulator, not a real server`));
    });
    return;
  }
  const config = await ctx.config();
  const name = (args[0] as string | undefined) ?? ctx.globals.profile;
  let provider: Provider | undefined;
  if (name) {
    if (!config) throw new ConfigError(`unknown profile "${name}": there is no config file`);
    provider = requireProfile(config, name).provider;
  } else {
    const usable = PROVIDERS.filter((p) => {
      try {
        selectProfileName(config, { provider: p, env: ctx.env });
        return true;
      } catch {
        return false;
      }
    });
    if (usable.length !== 1) {
      throw new ConfigError(usable.length ? `several providers have a profile in use (${usable.join(', ')})` : 'no profile to test', { hint: 'name one: `taskctl profile test <name>`' });
    }
    provider = usable[0];
  }
  if (name) ctx.globals.profile = name;
  const profile = await ctx.profile(provider);
  const mod = await loadProvider(provider);
  const facts = await mod.test(ctx, profile);
  if (ctx.globals.dryRun) return;
  ctx.out.result({ ok: true, provider, ...facts }, () => {
    ctx.out.keyValues([['Profile', profile.name], ['Provider', provider], ...factPairs(Object.fromEntries(Object.entries(facts).filter(([k]) => k !== 'profile')))]);
    ctx.info(ctx.errStyle.green(`✓ ${profile.name}: connected and authenticated`));
  });
};

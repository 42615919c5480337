import type { Handler } from '../types.js';
import { PROVIDER_FACTS, PROVIDERS } from '../../config/providers.js';
import { providersWithEnv } from './common.js';

export const run: Handler = async (ctx) => {
  const config = await ctx.config();
  const rows: Array<{ name: string; provider: string; url: string; default: boolean; file: string }> = [];
  // --sandbox: the sandbox's own profiles, the only ones in use
  if (ctx.sandbox) for (const provider of PROVIDERS) rows.push({ name: 'sandbox', provider, url: (await ctx.profile(provider)).values.url as string, default: true, file: 'sandbox (no config file is read)' });
  rows.push(...Object.entries(config?.profiles ?? {}).map(([name, p]) => ({
    name,
    provider: p.provider,
    url: (p.url as string | undefined) ?? (PROVIDER_FACTS[p.provider as keyof typeof PROVIDER_FACTS]?.defaults.url as string | undefined) ?? '',
    default: config!.defaults[p.provider] === name,
    file: config!.profileFile[name].filepath,
  })));
  // environment-only profiles work without a file: list them too
  for (const provider of ctx.sandbox ? [] : providersWithEnv(ctx.env)) {
    if (rows.some((r) => r.provider === provider)) continue;
    const urlVar = Object.entries(PROVIDER_FACTS[provider].env).find(([, f]) => f === 'url')?.[0];
    rows.push({ name: '(env)', provider, url: (urlVar && ctx.env[urlVar]) || String(PROVIDER_FACTS[provider].defaults.url ?? ''), default: false, file: 'environment' });
  }
  ctx.out.result(rows, () => {
    if (rows.length === 0) {
      ctx.info('no profiles yet: run `taskctl profile add <name>` (or set OPENHIM_URL, CONDUCTOR_SERVER_URL, CLOSE_API_KEY or SPAAZA_URL)');
      return;
    }
    ctx.out.table(rows, [
      { header: 'name', get: (r) => r.name },
      { header: 'provider', get: (r) => r.provider },
      { header: 'url', get: (r) => r.url },
      { header: 'default', get: (r) => (r.default ? 'yes' : ''), style: (t) => ctx.style.green(t) },
      { header: 'file', get: (r) => r.file, style: (t) => ctx.style.dim(t) },
    ]);
  });
};

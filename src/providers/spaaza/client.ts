/** The Spaaza provider: an authenticated client for the Services API, error mapping, `profile test`. */
import type { Context } from '../../context.js';
import { requireFields, type ResolvedProfile } from '../../config/resolve.js';
import type { HttpClient } from '../../http/client.js';
import type { ProviderModule } from '../types.js';
import { SpaazaAuth } from './auth.js';
import { spaazaErrorFor } from './errors.js';

async function connect(ctx: Context, opts: { timeoutMs?: number } = {}): Promise<HttpClient> {
  const profile = await ctx.profile('spaaza');
  requireFields(profile, ['url', 'tokenId', 'tokenSecret']);
  const client = await ctx.httpClient(profile, opts.timeoutMs ? `timeout-${opts.timeoutMs}` : 'default', opts);
  if (!client.auth) {
    client.auth = new SpaazaAuth({ tokenId: profile.values.tokenId as string, tokenSecret: profile.values.tokenSecret as string }, ctx.secrets);
  }
  return client;
}

/** `profile test`: one authenticated `GET /tasks?limit=1` proves the URL, the token and its chain scope. */
async function test(ctx: Context, profile: ResolvedProfile): Promise<Record<string, unknown>> {
  const client = await connect(ctx);
  const { listTasks } = await import('./api.js');
  await listTasks(client, { limit: 1 });
  const chain = profile.values.chain as number | undefined;
  return {
    profile: profile.name,
    url: client.baseUrl,
    auth: 'bearer (privileged access token)',
    chain: chain ?? 'not set (task create then needs "chain" in --file)',
  };
}

export const spaaza: ProviderModule = {
  connect,
  errorFor: (res, what, client) => spaazaErrorFor(res, what, client),
  test,
};

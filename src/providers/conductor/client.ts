/**
 * The Orkes Conductor provider: an authenticated client (token exchange + cache, URL with or without
 * `/api`), error mapping for the three error-body shapes, `profile test`.
 */
import type { Context } from '../../context.js';
import { requireFields, type ResolvedProfile } from '../../config/resolve.js';
import type { HttpClient, HttpResponse } from '../../http/client.js';
import type { ProviderModule } from '../types.js';
import { tryJson } from '../errors.js';
import { ConductorAuth, TokenCache, authOf, cacheFileFor, cacheKeyFor, normaliseBaseUrl } from './auth.js';
import { conductorErrorFor, isMissingHumanApi, missingRoutePath } from './errors.js';

export { authOf } from './auth.js';

async function connect(ctx: Context, opts: { timeoutMs?: number; fresh?: boolean } = {}): Promise<HttpClient> {
  const profile = await ctx.profile('conductor');
  requireFields(profile, ['url']);
  const keyId = typeof profile.values.keyId === 'string' ? profile.values.keyId.trim() : '';
  const keySecret = typeof profile.values.keySecret === 'string' ? profile.values.keySecret.trim() : '';
  // keys are optional (Conductor OSS has no auth), but half a key is a configuration error
  if (keyId && !keySecret) requireFields(profile, ['keySecret']);
  if (keySecret && !keyId) requireFields(profile, ['keyId']);
  const server = normaliseBaseUrl(profile.values.url);
  const client = await ctx.httpClient({ ...profile, values: { ...profile.values, url: server } }, 'default', { timeoutMs: opts.timeoutMs });
  if (!authOf(client)) {
    const key = cacheKeyFor(server, keyId, keySecret);
    const cache = keyId && !profile.sandbox ? new TokenCache(cacheFileFor(ctx.env, key), key, ctx.now, (m) => ctx.warn(m)) : null;
    const auth = new ConductorAuth({
      keyId,
      keySecret,
      cache,
      fresh: opts.fresh,
      secrets: ctx.secrets,
      now: ctx.now,
      log: (line) => {
        if (ctx.globals.verbose) ctx.info(ctx.errStyle.dim(line));
      },
    });
    auth.bind(client);
  }
  return client;
}

export interface ConductorTestFacts extends Record<string, unknown> {
  url: string;
  server: string;
  auth: string;
  user?: string;
  humanTasks: string;
}

/** `profile test`: the token exchange and `GET /api/token/userInfo` on Orkes; a search probe without keys or on OSS. */
async function test(ctx: Context, profile: ResolvedProfile): Promise<ConductorTestFacts> {
  // always a fresh token: a cached one would hide a wrong or rotated key secret
  const client = await connect(ctx, { fresh: true });
  const auth = authOf(client)!;
  const facts: ConductorTestFacts = { url: client.baseUrl, server: 'unknown', auth: '', humanTasks: 'unknown' };
  if (auth.hasKeys) {
    const res = await client.request({ method: 'GET', path: '/api/token/userInfo' });
    if (res.dryRun) return { ...facts, auth: auth.describe() };
    if (!auth.oss) {
      if (res.status < 200 || res.status >= 300) throw conductorErrorFor(res, 'GET /api/token/userInfo', client);
      const u = tryJson(res) as { id?: unknown; name?: unknown } | undefined;
      const id = typeof u?.id === 'string' ? u.id : undefined;
      const name = typeof u?.name === 'string' ? u.name : undefined;
      return { ...facts, server: 'Orkes Conductor', auth: auth.describe(), user: name && id && name !== id ? `${name} (${id})` : (id ?? name), humanTasks: 'yes' };
    }
    ctx.warn(`profile "${profile.name}" has an application key, but ${client.baseUrl} has no /api/token (Conductor OSS): the key is not used`);
  }
  const res = await client.request({ method: 'POST', path: '/api/human/tasks/search', json: { searchType: 'INBOX', start: 0, size: 1 } });
  if (res.dryRun) return { ...facts, auth: auth.describe() };
  if (isMissingHumanApi(res)) {
    return { ...facts, server: 'Conductor OSS', auth: auth.describe(), humanTasks: 'no: only `human complete|update --workflow-id --task-ref` (via /api/tasks/…/sync)' };
  }
  if (res.status < 200 || res.status >= 300) throw conductorErrorFor(res, 'POST /api/human/tasks/search', client);
  return { ...facts, server: 'Orkes Conductor', auth: auth.describe(), humanTasks: 'yes' };
}

export const conductor: ProviderModule = {
  connect,
  errorFor: (res, what, client) => conductorErrorFor(res, what, client),
  test,
  apiWarning: (res: HttpResponse) => {
    const missing = missingRoutePath(res);
    if (missing === undefined) return undefined;
    if (!missing.startsWith('/api/')) return `Conductor paths start with /api (e.g. /api/human/tasks/search); ${missing} does not`;
    if (missing.startsWith('/api/human')) return 'this server has no /api/human: it is Conductor OSS';
    return undefined;
  },
};

/**
 * The Close provider: an authenticated client (Basic, API key as user name), error mapping for
 * Close's bodies (`error`, `errors`, `field-errors`, the 429 `rate_*` fields), and `profile test`.
 *
 * Base URL: the profile's `url` (default https://api.close.com) with or without `/api/v1`; the client's
 * base is the URL without it, and every request path carries `/api/v1/…/` (so `close api` takes the
 * paths the Close docs and curl examples show, e.g. `/api/v1/task/`).
 */
import type { Context } from '../../context.js';
import { requireFields, type ResolvedProfile } from '../../config/resolve.js';
import { ApiError, AuthError, NotFoundError, errorForStatus, type TaskctlError } from '../../errors.js';
import type { HttpClient, HttpResponse } from '../../http/client.js';
import { pathSegment } from '../../http/segment.js';
import type { ProviderModule } from '../types.js';
import { hostOf, shortText, tryJson, whereFrom } from '../errors.js';
import { CloseAuth } from './auth.js';

export const API_PREFIX = '/api/v1';

/** `https://api.close.com/api/v1/` → `https://api.close.com`; other path prefixes (proxies) are kept. */
export function normaliseBaseUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, '');
  if (u.toLowerCase().endsWith(API_PREFIX)) u = u.slice(0, -API_PREFIX.length).replace(/\/+$/, '');
  return u;
}

/** A Close API path: `task`, `abc` → `/api/v1/task/abc/` (ids are URL-encoded, the trailing slash always there). */
export function apiPath(...segments: string[]): string {
  return `${API_PREFIX}/${segments.map((s) => pathSegment(s)).join('/')}/`;
}

async function connect(ctx: Context, opts: { timeoutMs?: number } = {}): Promise<HttpClient> {
  const profile = await ctx.profile('close');
  requireFields(profile, ['url', 'apiKey']);
  const normalised: ResolvedProfile = { ...profile, values: { ...profile.values, url: normaliseBaseUrl(profile.values.url) } };
  const client = await ctx.httpClient(normalised, 'default', opts);
  if (!client.auth) client.auth = new CloseAuth(profile.values.apiKey as string, ctx.secrets);
  return client;
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(text).join('; ');
  if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') return (v as { message: string }).message;
  return JSON.stringify(v);
}

/**
 * The lines of a Close error body: each of `errors`, then one `<field>: <message>` per field error
 * (nested objects as `a.b: …`), then `error` (a string, or the `.message` of an object).
 */
export function errorLines(body: unknown): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const b = body as { error?: unknown; errors?: unknown; 'field-errors'?: unknown };
  const lines: string[] = [];
  if (Array.isArray(b.errors)) for (const e of b.errors) lines.push(text(e));
  const walk = (prefix: string, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as { message?: unknown }).message !== 'string') {
      for (const [k, sub] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, sub);
    } else lines.push(`${prefix}: ${text(v)}`);
  };
  if (b['field-errors'] && typeof b['field-errors'] === 'object') walk('', b['field-errors']);
  if (b.error !== undefined && b.error !== null && b.error !== '') lines.push(text(b.error));
  return lines.filter((l) => l.trim() !== '');
}

interface RateInfo {
  group?: string;
  limit?: number;
  window?: number;
}

function rateInfo(body: unknown): RateInfo {
  const e = (body as { error?: unknown } | undefined)?.error;
  if (!e || typeof e !== 'object') return {};
  const r = e as { rate_endpoint_group?: unknown; rate_limit?: unknown; rate_window?: unknown };
  return {
    group: typeof r.rate_endpoint_group === 'string' ? r.rate_endpoint_group : undefined,
    limit: typeof r.rate_limit === 'number' ? r.rate_limit : undefined,
    window: typeof r.rate_window === 'number' ? r.rate_window : undefined,
  };
}

function pathOf(res: HttpResponse): string {
  try {
    return new URL(res.url).pathname;
  } catch {
    return res.url;
  }
}

function errorFor(res: HttpResponse, what?: string, client?: HttpClient): TaskctlError {
  const body = tryJson(res);
  const lines = errorLines(body);
  const serverMessage = lines.length ? lines.join('\n  ') : res.text.trim() ? shortText(res.text) : undefined;
  const subject = what ?? `${res.method} ${pathOf(res)}`;
  const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  switch (res.status) {
    case 400: {
      const fields = body && typeof body === 'object' ? Object.keys((body as { 'field-errors'?: object })['field-errors'] ?? {}) : [];
      let hint: string | undefined;
      if (fields.includes('text')) hint = 'Close accepts text only on lead tasks';
      else if (fields.some((f) => f === '_skip' || f === '_limit')) hint = 'Close caps _skip and _limit per resource; narrow the list with filters instead of paging deeper';
      return new ApiError(`${subject}: Close rejected the request (${status})`, { status: 400, serverMessage, hint });
    }
    case 401:
      return new AuthError(`Close refused the API key (${status} from ${hostOf(res)})`, {
        status: 401,
        serverMessage,
        hint: `check ${whereFrom(client, ['apiKey'], "CLOSE_API_KEY or the profile's apiKey")}; taskctl sends it as the Basic user name with an empty password`,
      });
    case 402:
      return new ApiError(`${subject}: Close says the organisation's plan limit is reached (${status})`, { status: 402, serverMessage });
    case 403:
      return new AuthError(`${subject}: permission refused by Close (${status})`, { status: 403, serverMessage, hint: "the API key's user may not do this" });
    case 404: {
      const path = pathOf(res);
      const hint = !path.endsWith('/') ? 'Close API paths end with a slash' : !path.includes(`${API_PREFIX}/`) ? `Close API paths start with ${API_PREFIX}/` : undefined;
      return new NotFoundError(`${subject} not found`, { status: 404, serverMessage, hint });
    }
    case 429: {
      const r = rateInfo(body);
      const retries = client?.opts.retries;
      const detail = [r.group ? `endpoint group ${r.group}` : '', r.limit !== undefined ? `limit ${r.limit}${r.window !== undefined ? ` per ${r.window} s` : ''}` : '']
        .filter(Boolean)
        .join(', ');
      return new ApiError(`${subject}: Close's rate limit was still exceeded${retries !== undefined ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : ''}${detail ? ` (${detail})` : ''}`, {
        status: 429,
        serverMessage,
        hint: 'lower --concurrency or raise --retries',
      });
    }
    default:
      return errorForStatus(res.status, `${subject}: Close answered ${status}`, { serverMessage });
  }
}

async function test(ctx: Context, profile: ResolvedProfile): Promise<Record<string, unknown>> {
  const { getMe } = await import('./api.js');
  const client = await connect(ctx);
  const me = await getMe(client);
  if (!me) return { profile: profile.name, url: client.baseUrl };
  const name = [me.first_name, me.last_name].filter(Boolean).join(' ');
  return {
    profile: profile.name,
    url: client.baseUrl,
    user: name ? `${name} <${me.email ?? me.id}>` : (me.email ?? me.id),
    userId: me.id,
    organizations: (me.organizations ?? []).map((o) => o.name ?? o.id).join(', ') || undefined,
  };
}

export const close: ProviderModule = { connect, errorFor, test };

/** The OpenHIM provider: an authenticated client, error mapping with the server's quirks, `profile test`. */
import type { Context } from '../../context.js';
import { requireFields, type ResolvedProfile } from '../../config/resolve.js';
import { AuthError, NotFoundError, errorForStatus, type TaskctlError } from '../../errors.js';
import type { HttpClient, HttpResponse } from '../../http/client.js';
import type { ProviderModule } from '../types.js';
import { hostOf, shortText, whereFrom } from '../errors.js';
import { OpenhimAuth, type AuthMode } from './auth.js';

/** Body of a 2xx a Basic-authenticated 8.x core sends for a path with no route (providers/openhim.md §2.2). */
export const AUTH_TRAP_BODY = 'User Authenticated Successfully';

export function isAuthTrap(res: HttpResponse): boolean {
  return res.status >= 200 && res.status < 300 && res.text.trim() === AUTH_TRAP_BODY;
}

const authByClient = new WeakMap<HttpClient, OpenhimAuth>();

export function authOf(client: HttpClient): OpenhimAuth | undefined {
  return authByClient.get(client);
}

async function connect(ctx: Context, opts: { timeoutMs?: number } = {}): Promise<HttpClient> {
  const profile = await ctx.profile('openhim');
  requireFields(profile, ['url', 'username', 'password']);
  const client = await ctx.httpClient(profile, 'default', opts);
  if (!authByClient.has(client)) {
    const auth = new OpenhimAuth(profile.values.auth as AuthMode, { username: profile.values.username as string, password: profile.values.password as string }, ctx.secrets, ctx.now);
    auth.bind(client);
    client.auth = auth;
    authByClient.set(client, auth);
  }
  return client;
}

function unauthorizedError(res: HttpResponse, client: HttpClient | undefined): TaskctlError {
  const auth = client ? authOf(client) : undefined;
  const tried = auth ? auth.tried.join(', then ') : 'the configured mode';
  const credentials = whereFrom(client, ['username', 'password'], 'the username and password');
  const hint =
    auth?.configured === 'auto'
      ? `check ${credentials}; or choose a mode with OPENHIM_AUTH / \`auth:\` in the profile (basic needs 5.1+, on by default from 7.1; token works on 4.x; session needs 7.2+)`
      : auth?.mode === 'basic'
        ? 'basic needs OpenHIM 5.1+ (on by default from 7.1): try auth: token for 4.x, or auth: auto'
        : auth?.mode === 'token'
          ? `check ${whereFrom(client, ['password'], 'the password')} and the clocks; users created through the 7.2+ API have no token passport: try auth: basic or session`
          : `check ${credentials}, or choose another mode with OPENHIM_AUTH / \`auth:\` (basic, token, session, auto)`;
  return new AuthError(`authentication refused by ${hostOf(res)} (tried ${tried})`, { status: 401, hint, serverMessage: shortText(res.text) });
}

function errorFor(res: HttpResponse, what?: string, client?: HttpClient): TaskctlError {
  const text = shortText(res.text);
  if (res.status === 401) return unauthorizedError(res, client);
  // 4.0.5 and the v8.5.0 tag answer 500 for a well-formed id that does not exist (§4.8): not found
  // (exit 5), and the error still carries the status the server really sent
  if (res.status === 500 && text.includes("Cannot read properties of null (reading 'transactions')")) {
    return new NotFoundError(`${what ?? 'task'} not found`, { status: res.status, serverMessage: text });
  }
  if (isAuthTrap(res)) {
    return new NotFoundError(`${what ?? 'that endpoint'} does not exist on this OpenHIM (it answered "${AUTH_TRAP_BODY}")`, { status: res.status, hint: 'check the path: e.g. the update route is /tasks/:id, not /task/:id' });
  }
  const prefix = what ? `${what}: ` : '';
  if (res.status === 403) return errorForStatus(403, `${prefix}permission refused by ${hostOf(res)}`, { serverMessage: text });
  if (res.status === 404) return errorForStatus(404, `${prefix}not found`, { serverMessage: text });
  return errorForStatus(res.status, `${prefix}OpenHIM answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, { serverMessage: text, hint: missingQueryHint(res, text) });
}

/**
 * `GET /tasks` and `GET /tasks/:id` need filterPage, filterLimit and filters (a JSON string): without
 * `filters` the core answers 500 `SyntaxError: "undefined" is not valid JSON` (providers/openhim.md §4.3, §4.4).
 */
function missingQueryHint(res: HttpResponse, text: string): string | undefined {
  if (res.status !== 500 || !text.includes('"undefined" is not valid JSON')) return undefined;
  let route = 'this route';
  try {
    const p = new URL(res.url).pathname;
    route = /^\/tasks\/[^/]+$/.test(p) ? `GET /tasks/:taskId` : p === '/tasks' ? 'GET /tasks' : `${res.method} ${p}`;
  } catch {
    /* keep "this route" */
  }
  return `${route} needs the query parameters filterPage, filterLimit and filters (a JSON string), e.g. -q filterPage=0 -q filterLimit=10 -q 'filters={}'`;
}

async function test(ctx: Context, profile: ResolvedProfile): Promise<Record<string, unknown>> {
  const { openhimStatus } = await import('./status.js');
  const status = await openhimStatus(ctx);
  return { profile: profile.name, ...status };
}

export const openhim: ProviderModule = {
  connect,
  errorFor,
  test,
  apiWarning: (res) =>
    isAuthTrap(res)
      ? `the server answered "${AUTH_TRAP_BODY}": on OpenHIM 8.x that is what a Basic-authenticated request to a path with no route gets (check the path)`
      : undefined,
};

/**
 * Conductor error bodies come in three shapes (providers/conductor.md §6), mapped here to typed errors:
 * - ErrorResponse `{status, message, instance, retryable, validationErrors?}` (Orkes and OSS)
 * - the Orkes auth error `{message, error: INVALID_TOKEN|EXPIRED_TOKEN, timestamp}`
 * - Spring's default `{timestamp, status, error, path}` for routes the server does not have
 * A route the server lacks comes in two of them (§6): Spring's default 404, or (current OSS) an ErrorResponse
 * `No static resource api/…` with 404 or 500 depending on the version. Under /api/human either means Conductor
 * OSS (exit 1). Other exit codes follow the HTTP status.
 */
import { ApiError, AuthError, NotFoundError, errorForStatus, type TaskctlError } from '../../errors.js';
import type { HttpClient, HttpResponse } from '../../http/client.js';
import { hostOf, shortText, tryJson, whereFrom } from '../errors.js';

export const TOKEN_ERRORS = new Set(['EXPIRED_TOKEN', 'INVALID_TOKEN', 'ERROR_WHILE_FETCHING']);

export interface ErrorBody {
  kind: 'error-response' | 'auth' | 'spring' | 'text' | 'empty';
  /** the line to show: `message`, else `error`, plus one line per validation error */
  message?: string;
  /** the auth error's `error` code */
  code?: string;
  /** Spring's `path` */
  path?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validationLines(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).map((e) => {
    const where = typeof e.path === 'string' && e.path ? `${e.path}: ` : '';
    const got = e.invalidValue === undefined || e.invalidValue === null ? '' : ` (received ${shortText(JSON.stringify(e.invalidValue), 80)})`;
    return `${where}${String(e.message ?? 'invalid')}${got}`;
  });
}

/** Spring 6.1+'s NoResourceFoundException text, e.g. `No static resource api/human/tasks/search.` */
const NO_STATIC_RESOURCE = /^No static resource (\S+?)\.?$/;

export function parseErrorBody(res: HttpResponse): ErrorBody {
  const body = tryJson(res);
  if (!isObject(body)) {
    const text = shortText(res.text);
    return text ? { kind: 'text', message: text } : { kind: 'empty' };
  }
  const message = typeof body.message === 'string' && body.message.trim() ? body.message.trim() : undefined;
  const error = typeof body.error === 'string' ? body.error : undefined;
  if (error && TOKEN_ERRORS.has(error)) return { kind: 'auth', code: error, message: message ?? error };
  if (typeof body.path === 'string' && error && 'timestamp' in body && (!message || message === 'No message available')) {
    return { kind: 'spring', path: body.path, message: error };
  }
  const lines = validationLines(body.validationErrors);
  const main = message ?? error ?? (typeof body.code === 'string' ? body.code : undefined);
  if (!main && lines.length === 0) return { kind: 'text', message: shortText(res.text) };
  return { kind: 'error-response', message: [main ?? 'invalid request', ...lines].join('\n  ') };
}

/**
 * The path (`/api/human/…`) of a route the server says it does not have, or undefined: Spring's default
 * body with 404, or an ErrorResponse `No static resource <path>.` with 404 or 500 (providers/conductor.md §6).
 * Nothing here depends on the profile having keys.
 */
export function missingRoutePath(res: HttpResponse): string | undefined {
  if (res.status !== 404 && res.status !== 500) return undefined;
  const b = parseErrorBody(res);
  if (b.kind === 'spring') return res.status === 404 ? b.path : undefined;
  if (b.kind !== 'error-response' || !b.message) return undefined;
  const m = NO_STATIC_RESOURCE.exec(b.message.split('\n')[0].trim());
  return m ? `/${m[1].replace(/^\/+/, '')}` : undefined;
}

/** True when the server answered a `/api/human/…` request as a route it lacks: no human task API (Conductor OSS). */
export function isMissingHumanApi(res: HttpResponse): boolean {
  return (missingRoutePath(res) ?? '').startsWith('/api/human');
}

/** The server is Conductor OSS: `/api/human` does not exist there. Exit 1. */
export class ConductorOssError extends ApiError {
  constructor(host: string, status = 404) {
    super(`${host} is Conductor OSS, which has no human task API (/api/human)`, {
      status,
      hint: 'on OSS only `human complete|update --workflow-id <id> --task-ref <ref>` work; the other human verbs need Orkes Conductor',
    });
  }
}

const NEEDS_KEY_HINT = 'this server needs an application key: set keyId and keySecret in the profile, or CONDUCTOR_AUTH_KEY and CONDUCTOR_AUTH_SECRET';
const checkKeyHint = (client: HttpClient | undefined) =>
  `check ${whereFrom(client, ['keyId', 'keySecret'], 'keyId and keySecret (CONDUCTOR_AUTH_KEY, CONDUCTOR_AUTH_SECRET)')} and that the application key is still active`;

/**
 * A non-2xx response as the typed error, with the server's own message. `humanApi`: the request was a
 * `human` verb's, so a missing /api/human is reported as Conductor OSS (exit 1) rather than a 404 (exit 5,
 * which is what `api` keeps: its exit code follows the HTTP status).
 */
export function conductorErrorFor(res: HttpResponse, what?: string, client?: HttpClient, opts: { humanApi?: boolean } = {}): TaskctlError {
  const body = parseErrorBody(res);
  const host = hostOf(res);
  const missing = missingRoutePath(res);
  if (opts.humanApi && missing?.startsWith('/api/human')) return new ConductorOssError(host, res.status);
  const prefix = what ? `${what}: ` : '';
  const hasKeys = Boolean((client?.auth as { hasKeys?: boolean } | undefined)?.hasKeys);
  const serverMessage = body.message;
  if (res.status === 401 || res.status === 403) {
    if (body.kind === 'auth' || (res.status === 401 && body.kind !== 'error-response')) {
      const why = body.code === 'EXPIRED_TOKEN' ? 'the token has expired' : body.code ? `the token was refused (${body.code})` : 'authentication refused';
      return new AuthError(`${prefix}${host}: ${why}`, { status: res.status, serverMessage, hint: hasKeys ? checkKeyHint(client) : NEEDS_KEY_HINT });
    }
    return new AuthError(`${prefix}permission refused by ${host}`, {
      status: res.status,
      serverMessage,
      hint: 'the application key needs a role or permission for this (an ADMIN search needs a cluster admin)',
    });
  }
  const missingHint =
    missing === undefined
      ? undefined
      : missing.startsWith('/api/human')
        ? `${host} has no /api/human: it is Conductor OSS`
        : missing.startsWith('/api/')
          ? `${host} has no route ${missing}`
          : 'Conductor paths start with /api, e.g. /api/human/tasks/search';
  if (res.status === 404) return new NotFoundError(`${prefix}not found`, { status: 404, serverMessage, hint: missingHint });
  if (res.status === 400) return new ApiError(`${prefix}refused by ${host} (400 Bad Request)`, { status: 400, serverMessage });
  return errorForStatus(res.status, `${prefix}Conductor answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, { serverMessage, hint: missingHint });
}

/**
 * A failed Spaaza response as the typed error. The Services API documents error *conditions* ("Task not
 * found", "Invalid target or trigger", "Authentication failure") but neither their HTTP statuses nor
 * their body shape (unknown whether it uses the core API's `{"result":…,"error":{…}}` envelope), so the
 * server's body is shown as it came, with the status. Mapping: 401/403 → exit 4, 404 → exit 5,
 * 400/422 → exit 1 with the hint "invalid target or trigger" (for the calls that send one), other → 1.
 */
import { AuthError, errorForStatus, type TaskctlError } from '../../errors.js';
import type { HttpClient, HttpResponse } from '../../http/client.js';
import { hostOf, shortText, whereFrom } from '../errors.js';

function statusLine(res: HttpResponse): string {
  return `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
}

/** True for the requests that carry a target and trigger: POST /tasks and PUT /tasks/{id}. */
function sendsTargetOrTrigger(res: HttpResponse): boolean {
  let path = '';
  try {
    path = new URL(res.url).pathname.replace(/\/+$/, '');
  } catch {
    return false;
  }
  return (res.method === 'POST' && /\/tasks$/.test(path)) || (res.method === 'PUT' && /\/tasks\/[^/]+$/.test(path));
}

export function spaazaErrorFor(res: HttpResponse, what?: string, client?: HttpClient): TaskctlError {
  const body = res.text.trim() ? shortText(res.text, 1000) : undefined;
  const prefix = what ? `${what}: ` : '';
  const details = { serverMessage: body };
  if (res.status === 401) {
    return new AuthError(`${prefix}authentication refused by ${hostOf(res)} (${statusLine(res)})`, {
      ...details,
      status: 401,
      hint: `check ${whereFrom(client, ['tokenId', 'tokenSecret'], 'tokenId and tokenSecret (SPAAZA_TOKEN_ID, SPAAZA_TOKEN_SECRET)')} and that the access token is active`,
    });
  }
  if (res.status === 403) {
    return new AuthError(`${prefix}permission refused by ${hostOf(res)} (${statusLine(res)})`, {
      ...details,
      status: 403,
      hint: "the access token's scope must reach the chain (check `chain` in the profile or SPAAZA_CHAIN)",
    });
  }
  if (res.status === 404) {
    return errorForStatus(404, `${prefix}not found (${statusLine(res)})`, { ...details, hint: 'no task with that id for this chain; see `taskctl spaaza task list`' });
  }
  if (res.status === 400 || res.status === 422) {
    return errorForStatus(res.status, `${prefix}Spaaza refused the request (${statusLine(res)})`, {
      ...details,
      hint: sendsTargetOrTrigger(res) ? 'invalid target or trigger' : undefined,
    });
  }
  return errorForStatus(res.status, `${prefix}Spaaza answered ${statusLine(res)}`, details);
}

/**
 * `openhim status` and `profile test` for OpenHIM: public `GET /heartbeat` (server time → clock offset),
 * then the authenticated `GET /about` (version), and which auth mode worked.
 */
import type { Context } from '../../context.js';
import { ApiError } from '../../errors.js';
import { openhim, authOf } from './client.js';
import { shortText } from '../errors.js';
import type { HttpResponse } from '../../http/client.js';

export interface OpenhimStatus {
  url: string;
  version: string | null;
  serverTimezone: string | null;
  /** server time minus local time */
  clockOffsetMs: number | null;
  uptimeSeconds: number | null;
  auth: string;
}

export async function openhimStatus(ctx: Context): Promise<OpenhimStatus> {
  const client = await openhim.connect(ctx);
  const heartbeat = async () => {
    const sent = ctx.now();
    const res = await client.request({ method: 'GET', path: '/heartbeat', auth: false });
    return { res, sent, received: ctx.now() };
  };
  const first = await heartbeat();
  let clockOffsetMs: number | null = null;
  let uptimeSeconds: number | null = null;
  if (!first.res.dryRun) {
    const body = heartbeatBody(first.res, client.baseUrl);
    if (typeof body.master === 'number') uptimeSeconds = body.master;
    // the clock offset comes from a second heartbeat on the connection the first one opened: the midpoint of
    // a round trip that includes connection set-up (TCP, TLS) is not when the server read its clock
    // (undici hands the connection back to its pool a tick after the body was read; wait for that)
    await new Promise((resolve) => setImmediate(resolve));
    const warm = await heartbeat().catch(() => null);
    const second = warm && warm.res.status === 200 ? tryHeartbeat(warm.res) : null;
    const m = second && typeof second.now === 'number' ? { now: second.now, ...warm! } : typeof body.now === 'number' ? { now: body.now, ...first } : null;
    if (m) clockOffsetMs = Math.round(m.now - (m.sent + m.received) / 2);
  }
  const about = await client.request({ method: 'GET', path: '/about' });
  let version: string | null = null;
  let serverTimezone: string | null = null;
  if (!about.dryRun) {
    if (about.status !== 200) throw openhim.errorFor(about, 'GET /about', client);
    try {
      const a = JSON.parse(about.text) as { currentCoreVersion?: string; serverTimezone?: string };
      version = a.currentCoreVersion ?? null;
      serverTimezone = a.serverTimezone ?? null;
    } catch {
      /* a core that answers /about with text: leave the version unknown */
    }
  }
  const auth = authOf(client);
  return { url: client.baseUrl, version, serverTimezone, clockOffsetMs, uptimeSeconds, auth: auth?.mode ?? 'none' };
}

/** The heartbeat's `{master, now}`; an answer that is not a JSON object is no OpenHIM core API. */
function heartbeatBody(res: HttpResponse, baseUrl: string): { now?: unknown; master?: unknown } {
  if (res.status !== 200) throw openhim.errorFor(res, 'heartbeat');
  const body = tryHeartbeat(res);
  if (body) return body;
  throw new ApiError(`${baseUrl} does not look like an OpenHIM core API (GET /heartbeat answered ${describe(res.text)}, not {"master":…,"now":…})`, { status: res.status, hint: "check the profile URL: it should be the core API (port 8080 by default)", serverMessage: shortText(res.text) || undefined });
}

function tryHeartbeat(res: HttpResponse): { now?: unknown; master?: unknown } | null {
  try {
    const v = JSON.parse(res.text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { now?: unknown; master?: unknown }) : null;
  } catch {
    return null;
  }
}

function describe(text: string): string {
  const t = text.trim();
  if (!t) return 'an empty body';
  try {
    const v = JSON.parse(t) as unknown;
    return v === null ? 'null' : Array.isArray(v) ? 'a JSON array' : `a JSON ${typeof v}`;
  } catch {
    return 'something that is not JSON';
  }
}

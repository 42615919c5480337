/**
 * `openhim status` and `profile test` for OpenHIM: public `GET /heartbeat` (server time → clock offset),
 * then the authenticated `GET /about` (version), and which auth mode worked.
 */
import type { Context } from '../../context.js';
import { NetworkError } from '../../errors.js';
import { openhim, authOf } from './client.js';
import { shortText } from '../errors.js';

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
  const sent = ctx.now();
  const hb = await client.request({ method: 'GET', path: '/heartbeat', auth: false });
  const received = ctx.now();
  let clockOffsetMs: number | null = null;
  let uptimeSeconds: number | null = null;
  if (!hb.dryRun) {
    if (hb.status !== 200) throw openhim.errorFor(hb, 'heartbeat', client);
    let body: { now?: unknown; master?: unknown };
    try {
      body = JSON.parse(hb.text) as typeof body;
    } catch {
      throw new NetworkError(`${client.baseUrl} does not look like an OpenHIM core API (GET /heartbeat did not answer JSON)`, { serverMessage: shortText(hb.text) });
    }
    if (typeof body.now === 'number') clockOffsetMs = Math.round(body.now - (sent + received) / 2);
    if (typeof body.master === 'number') uptimeSeconds = body.master;
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

import type { Handler } from '../types.js';
import { openhimStatus } from '../../providers/openhim/status.js';

export const run: Handler = async (ctx) => {
  const s = await openhimStatus(ctx);
  if (ctx.globals.dryRun) return;
  const sandbox = ctx.sandbox ? (await ctx.sandboxSession()).stateFile : null;
  ctx.out.result(sandbox ? { ...s, sandbox: true } : s, () => {
    const offset = s.clockOffsetMs === null ? 'unknown' : `${s.clockOffsetMs} ms${Math.abs(s.clockOffsetMs) > 5000 ? ' (token auth allows ±10 s)' : ''}`;
    ctx.out.keyValues([
      ...(sandbox ? ([['Server', `Sandbox (taskctl's emulated OpenHIM, not a real server; state in ${sandbox})`]] as [string, string][]) : []),
      ['URL', s.url],
      ['Version', s.version ?? 'unknown'],
      ['Timezone', s.serverTimezone ?? undefined],
      ['Clock offset', offset],
      ['Uptime', s.uptimeSeconds === null ? undefined : `${Math.round(s.uptimeSeconds)} s`],
      ['Auth', s.auth],
    ]);
  });
  if (s.clockOffsetMs !== null && Math.abs(s.clockOffsetMs) > 8000) {
    ctx.warn(`the server's clock is ${Math.round(s.clockOffsetMs / 1000)} s off; taskctl corrects token timestamps, but other clients may fail`);
  }
};

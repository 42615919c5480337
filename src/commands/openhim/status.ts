import type { Handler } from '../types.js';
import { openhimStatus } from '../../providers/openhim/status.js';
import { factPairs } from '../../output/render.js';

export const run: Handler = async (ctx) => {
  const s = await openhimStatus(ctx);
  if (ctx.globals.dryRun) return;
  const sandbox = ctx.sandbox ? (await ctx.sandboxSession()).stateFile : null;
  ctx.out.result(sandbox ? { ...s, sandbox: true } : s, () => {
    // the same labels and units as `profile test` (factPairs); the JSON keys stay camelCase
    const farOff = s.clockOffsetMs !== null && Math.abs(s.clockOffsetMs) > 5000;
    ctx.out.keyValues([
      ...(sandbox ? ([['Server', `Sandbox (taskctl's emulated OpenHIM, not a real server; state in ${sandbox})`]] as [string, string][]) : []),
      ...factPairs(s).map(([label, v]): [string, unknown] => [label, label === 'Clock offset' && farOff ? `${v} (token auth allows ±10 s)` : v]),
    ]);
  });
  if (s.clockOffsetMs !== null && Math.abs(s.clockOffsetMs) > 8000) {
    ctx.warn(`the server's clock is ${Math.round(s.clockOffsetMs / 1000)} s off; taskctl corrects token timestamps, but other clients may fail`);
  }
};

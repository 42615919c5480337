import type { Handler } from '../types.js';
import { openSandbox } from '../../sandbox/session.js';
import { stateFileOf } from './common.js';

export const run: Handler = async (ctx, { opts }) => {
  const file = await stateFileOf(ctx, opts);
  await ctx.confirm(`Reset the sandbox in ${file} to the seeded demo, dropping everything done in it?`);
  const sb = await openSandbox({ stateFile: file, reset: true });
  await sb.close();
  ctx.info(`sandbox reset to the seeded demo (${file})`);
};

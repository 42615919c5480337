import type { Handler } from '../types.js';
import { readState, summarize } from '../../sandbox/session.js';
import { stateFileOf } from './common.js';

export const run: Handler = async (ctx, { opts }) => {
  const file = await stateFileOf(ctx, opts);
  const state = readState(file);
  if (!state) {
    ctx.out.result({ sandbox: true, stateFile: file, exists: false }, () => ctx.info(`no sandbox state in ${file} yet: the first --sandbox command (or \`taskctl sandbox serve\`) creates the seeded demo`));
    return;
  }
  const counts = summarize(state);
  ctx.out.result({ sandbox: true, stateFile: file, exists: true, savedAt: new Date(state.savedAt).toISOString(), counts }, () => {
    ctx.out.keyValues([
      ['Sandbox', 'taskctl\'s built-in emulators (not real servers)'],
      ['State file', file],
      ['Saved', new Date(state.savedAt).toISOString()],
      ...Object.entries(counts).flatMap(([provider, c]) => Object.entries(c).map(([k, v]) => [`${provider} ${k}`, String(v)] as [string, string])),
    ]);
  });
};

import fs from 'node:fs';
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
  const changed = fs.statSync(file).mtime.toISOString();
  ctx.out.result({ sandbox: true, stateFile: file, exists: true, changedAt: changed, counts }, () => {
    ctx.out.keyValues([
      ['Sandbox', 'taskctl\'s built-in emulators (not real servers)'],
      ['State file', file],
      ['Changed', changed],
      ...Object.entries(counts).flatMap(([provider, c]) => Object.entries(c).map(([k, v]) => [`${provider} ${k}`, String(v)] as [string, string])),
    ]);
  });
};

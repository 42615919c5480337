import type { Handler } from '../types.js';
import { untrust } from '../../config/trust.js';
import { projectFileArg } from './common.js';

/** `config untrust [file]`: removes the file's trust record (the file itself is left alone). */
export const run: Handler = async (ctx, { args }) => {
  const filepath = projectFileArg(ctx, args[0]);
  if (ctx.globals.dryRun) {
    ctx.out.line(`would untrust ${filepath}`);
    return;
  }
  const had = await untrust(ctx.env, filepath);
  ctx.out.result({ file: filepath, trusted: false, wasTrusted: had }, () => ctx.info(had ? `${filepath} is no longer trusted` : `${filepath} was not trusted; nothing to do`));
};

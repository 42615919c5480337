import type { Context } from '../../context.js';

/** --state, else $XDG_STATE_HOME/taskctl/sandbox.json */
export async function stateFileOf(ctx: Context, opts: Record<string, unknown>): Promise<string> {
  const { defaultStateFile } = await import('../../sandbox/session.js');
  return typeof opts.state === 'string' ? ctx.resolvePath(opts.state) : defaultStateFile(ctx.env);
}

import type { Handler } from '../../types.js';
import { setComplete } from './set-complete.js';

/** `close task complete <taskId…>`: PUT {"is_complete": true} for each id. */
export const run: Handler = (ctx, { args }) => setComplete(ctx, args[0], true);

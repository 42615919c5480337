import type { Handler } from '../../types.js';
import { setComplete } from './set-complete.js';

/** `close task reopen <taskId…>`: PUT {"is_complete": false} for each id. */
export const run: Handler = (ctx, { args }) => setComplete(ctx, args[0], false);

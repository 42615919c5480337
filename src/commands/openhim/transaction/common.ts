import type { Context } from '../../../context.js';
import { transactionFilters, type Filters } from '../../../providers/openhim/filters.js';

/** `--status --channel --since --until` as the `filters` of `GET /transactions` (validated: exit 2 before sending). */
export function filtersFromOptions(ctx: Context, opts: Record<string, unknown>): Filters {
  return transactionFilters(
    {
      status: opts.status as string | undefined,
      channel: opts.channel as string | undefined,
      since: opts.since as string | undefined,
      until: opts.until as string | undefined,
    },
    ctx.now(),
  );
}

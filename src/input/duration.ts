/** `--wait-timeout <duration>`: `90s`, `30m`, `2h`, or a bare number of seconds. */
import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds for a duration; undefined stays undefined (no deadline). Exit 2 naming the flag otherwise. */
export function parseDuration(value: unknown, flag = '--wait-timeout'): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(String(value));
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? 's'] : NaN;
  if (!m || !(ms > 0)) throw new UsageError(`${flag} "${String(value)}": expected a duration such as 90s, 30m or 2h (a bare number is seconds)`, { hint: 'nothing was sent' });
  return Math.round(ms);
}

/** "90s", "30m", "2h" (for messages) */
export function durationText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

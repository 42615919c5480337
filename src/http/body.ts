/**
 * Reading an answer into memory, bounded: default 64 MiB (env TASKCTL_MAX_RESPONSE_MIB raises or lowers
 * it). A larger answer stops at the limit with an error that says how to ask for less; nothing grows
 * without bound (the reading itself is the transport's, src/http/undici.ts). Downloads (`stream: true`)
 * go to disk and are not bounded.
 */
import { ApiError } from '../errors.js';

export const DEFAULT_MAX_RESPONSE_MIB = 64;
const MIB = 1024 * 1024;

/** The limit in bytes: TASKCTL_MAX_RESPONSE_MIB when it is a positive number, else 64 MiB. */
export function maxResponseBytes(env: NodeJS.ProcessEnv): number {
  const v = Number(env.TASKCTL_MAX_RESPONSE_MIB);
  return (Number.isFinite(v) && v > 0 ? v : DEFAULT_MAX_RESPONSE_MIB) * MIB;
}

export function tooLarge(what: string, limit: number, status: number): ApiError {
  return new ApiError(`the answer to ${what} is larger than ${+(limit / MIB).toFixed(2)} MiB, the most taskctl reads into memory`, {
    status,
    hint: 'ask for less: --limit, --page or filters (with `api`, query parameters such as filterLimit, limit or _limit); or raise TASKCTL_MAX_RESPONSE_MIB',
  });
}

/**
 * Retry policy (spec/CLI.md --retries): GET/PUT/DELETE/HEAD on 429, 502, 503, 504 and connection
 * resets; POST only on 429 (the server did not act on it). Waits honour the `RateLimit` header's
 * `reset` (decimal seconds), then `Retry-After`, then a body's `rate_reset`, else exponential backoff
 * with full jitter.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
/** a server asking for a longer pause than this is not worth waiting for */
export const MAX_WAIT_MS = 120_000;
const BASE_MS = 250;

export function isRetryable(method: string, status?: number, errorCode?: string): boolean {
  if (status !== undefined) {
    if (status === 429) return true;
    return RETRY_STATUSES.has(status) && SAFE_METHODS.has(method);
  }
  return errorCode !== undefined && RESET_CODES.has(errorCode) && SAFE_METHODS.has(method);
}

export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  /** seconds (may be fractional) */
  reset?: number;
}

/** Parses `RateLimit: limit=100, remaining=50, reset=0.5` (and RateLimit-Reset as a fallback). */
export function parseRateLimit(headers: Record<string, string | string[]>): RateLimitInfo | null {
  const raw = headers['ratelimit'];
  const out: RateLimitInfo = {};
  if (typeof raw === 'string') {
    for (const part of raw.split(/[,;]/)) {
      const m = /^\s*(limit|remaining|reset)\s*=\s*"?([0-9]*\.?[0-9]+)"?\s*$/i.exec(part);
      if (m) out[m[1].toLowerCase() as keyof RateLimitInfo] = Number(m[2]);
    }
  }
  const resetHeader = headers['ratelimit-reset'];
  if (out.reset === undefined && typeof resetHeader === 'string' && /^[0-9]*\.?[0-9]+$/.test(resetHeader.trim())) out.reset = Number(resetHeader);
  const remainingHeader = headers['ratelimit-remaining'];
  if (out.remaining === undefined && typeof remainingHeader === 'string' && /^\d+$/.test(remainingHeader.trim())) out.remaining = Number(remainingHeader);
  return Object.keys(out).length ? out : null;
}

function retryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const when = Date.parse(value);
  return Number.isNaN(when) ? undefined : Math.max(0, when - now);
}

function bodyResetMs(body: string): number | undefined {
  if (!body || !body.includes('rate_reset')) return undefined;
  try {
    const parsed = JSON.parse(body) as { rate_reset?: unknown; error?: { rate_reset?: unknown } };
    const v = parsed?.error?.rate_reset ?? parsed?.rate_reset;
    return typeof v === 'number' && v >= 0 ? v * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long to wait before attempt `attempt + 1`; null when the server asks for more than MAX_WAIT_MS.
 * `random` is injectable for tests.
 */
export function retryDelayMs(input: {
  attempt: number;
  headers: Record<string, string | string[]>;
  body: string;
  now: number;
  random?: () => number;
}): number | null {
  const random = input.random ?? Math.random;
  const rl = parseRateLimit(input.headers);
  const server = rl?.reset !== undefined ? rl.reset * 1000 : (retryAfterMs(input.headers['retry-after'], input.now) ?? bodyResetMs(input.body));
  if (server !== undefined) {
    if (server > MAX_WAIT_MS) return null;
    // a little jitter so parallel requests do not all return in the same millisecond
    return server + random() * Math.min(250, 50 + server * 0.1);
  }
  const cap = BASE_MS * 2 ** Math.min(input.attempt, 8);
  return Math.min(MAX_WAIT_MS, cap / 2 + random() * (cap / 2));
}

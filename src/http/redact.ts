/**
 * Secrets never reach stdout or stderr. Two layers: known secret headers and body fields are printed
 * as `***`, and every secret value taskctl handles (profile secret, derived hashes, tokens, cookies) is
 * registered so that any text written through the context's streams has it replaced by `***`.
 */

export const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-authorization',
  'auth-token',
  'cookie',
  'set-cookie',
  'close-api-key',
  'x-spaaza-session-key',
]);

export const SECRET_FIELDS = new Set(['password', 'keySecret', 'apiKey', 'tokenSecret', 'token', 'passwordHash', 'secret']);

export const MASK = '***';

export function redactHeaderValue(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (!SECRET_HEADERS.has(lower)) return value;
  if (lower === 'set-cookie') {
    // keep the cookie name and attributes, hide the value: "koa.sess=***; path=/; httponly"
    return value.replace(/^([^=;]+)=[^;]*/, `$1=${MASK}`);
  }
  if (lower === 'cookie') return value.replace(/=([^;]*)/g, `=${MASK}`);
  const scheme = /^(Basic|Bearer|Token)\s+/i.exec(value);
  return scheme ? `${scheme[1]} ${MASK}` : MASK;
}

/** Masks secret-looking fields anywhere inside a JSON value. */
export function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELDS.has(k) && v !== null && v !== '' ? MASK : redactJson(v);
    return out;
  }
  return value;
}

/** Registry of secret values, scrubbed from everything the context writes. */
export class SecretRegistry {
  private values = new Set<string>();
  private pattern: RegExp | null = null;

  add(value: string | undefined | null): void {
    // very short values would mask ordinary text; real secrets are longer
    if (!value || value.length < 4 || this.values.has(value)) return;
    this.values.add(value);
    this.pattern = null;
  }

  scrub(text: string): string {
    if (this.values.size === 0) return text;
    if (!this.pattern) {
      const sorted = [...this.values].sort((a, b) => b.length - a.length);
      this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    }
    return text.replace(this.pattern, MASK);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Registers every credential value in headers about to be sent (the whole value, the part after a
 * `Basic`/`Bearer`/`Token` scheme, each cookie value), so a server that echoes request headers back, or
 * any message, never prints one: e.g. OpenHIM's per-request `auth-token`.
 */
export function registerHeaderSecrets(secrets: SecretRegistry, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!SECRET_HEADERS.has(lower) || !value) continue;
    secrets.add(value);
    const scheme = /^(?:Basic|Bearer|Token)\s+(.+)$/i.exec(value);
    if (scheme) secrets.add(scheme[1]);
    if (lower === 'cookie') for (const m of value.matchAll(/=([^;]*)/g)) secrets.add(m[1].trim());
  }
}

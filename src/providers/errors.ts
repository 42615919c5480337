/** Pieces every provider's errorFor() shares: reading a server message out of a body. */
import type { HttpResponse } from '../http/client.js';

export function isJsonResponse(res: HttpResponse): boolean {
  const ct = res.headers['content-type'];
  return typeof ct === 'string' && /[/+]json\b/i.test(ct);
}

/** Parses the body as JSON when it looks like JSON; undefined otherwise. */
export function tryJson(res: HttpResponse): unknown {
  const t = res.text.trim();
  if (!t || !(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

/** The raw text, shortened for one line of stderr. */
export function shortText(text: string, max = 500): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

export function hostOf(res: HttpResponse): string {
  try {
    return new URL(res.url).host;
  } catch {
    return res.url;
  }
}

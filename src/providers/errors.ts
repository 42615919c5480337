/** Pieces every provider shares: reading a server message out of a body, and reading a success body. */
import * as z from 'zod/mini';
import { ApiError } from '../errors.js';
import type { HttpClient, HttpResponse } from '../http/client.js';

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

/**
 * A success body as JSON, checked against the schema of the parts taskctl reads. A body that is not
 * JSON, or not the expected shape, is an ApiError (exit 1) naming the request and what came back.
 * `emptyAs`: the value of an empty body (e.g. `{}`); `expected`: a phrase for the message ("a task object");
 * `raw`: return the server's own object (key order kept for --json) instead of zod's copy.
 */
export function parseResponse<T>(res: HttpResponse, schema: z.core.$ZodType<T>, what: string, opts: { emptyAs?: unknown; expected?: string; raw?: boolean } = {}): T {
  const fail = (detail: string, hint?: string) =>
    new ApiError(`${what}: unexpected answer from ${hostOf(res)} (${res.status}): ${detail}`, { status: res.status, serverMessage: shortText(res.text, 300) || '(empty body)', hint });
  let value: unknown = opts.emptyAs;
  if (res.text.trim() !== '' || opts.emptyAs === undefined) {
    try {
      value = JSON.parse(res.text);
    } catch {
      throw fail('not JSON', 'is the profile URL the right API?');
    }
  }
  const r = z.safeParse(schema, value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.length ? ` at ${issue.path.map(String).join('.')}` : '';
    throw fail(opts.expected ? `expected ${opts.expected}` : `${issue.message}${where}`);
  }
  return opts.raw ? (value as T) : r.data;
}

/**
 * Where the named profile fields came from, for a hint: `OPENHIM_USERNAME and "password" of profile "x" in
 * FILE`. Fields from one profile file are named together. `fallback` when the client knows no sources.
 */
export function whereFrom(client: HttpClient | undefined, keys: readonly string[], fallback: string): string {
  const sources = client?.opts.sources;
  if (!sources || keys.some((k) => !sources[k])) return fallback;
  const parts: string[] = [];
  const byFile = new Map<string, string[]>();
  for (const k of keys) {
    const m = /^("[^"]+") of (.+)$/.exec(sources[k]);
    if (!m) {
      if (!parts.includes(sources[k])) parts.push(sources[k]);
      continue;
    }
    if (!byFile.has(m[2])) {
      byFile.set(m[2], []);
      parts.push(m[2]);
    }
    byFile.get(m[2])!.push(m[1]);
  }
  return parts.map((p) => (byFile.has(p) ? `${byFile.get(p)!.join(' and ')} of ${p}` : p)).join(' and ');
}

/**
 * Ids that go into a URL path, one place for every provider. URL parsing resolves `.` and `..` segments
 * (also written `%2e`), and a `/` splits a segment, so such an id addresses another route:
 * `human claim ..` would be sent as `POST /api/human/claim`. They are refused before anything is sent
 * (exit 2, naming the value); every other id is percent-encoded. Providers check their own id shapes first.
 */
import { UsageError } from '../errors.js';

/** Why `id` cannot be one path segment, or null. */
export function segmentProblem(id: string): string | null {
  if (id === '') return 'it is empty';
  if (id === '.' || id === '..') return `"${id}" is not an id (it would address another URL)`;
  if (id.includes('/')) return 'an id has no "/"';
  return null;
}

/** `id` as one percent-encoded path segment; a UsageError (exit 2) naming `what` and the value otherwise. */
export function pathSegment(id: string | number, what = 'id'): string {
  const s = String(id);
  const problem = segmentProblem(s);
  if (problem) throw new UsageError(`invalid ${what} "${s}": ${problem}`, { hint: 'nothing was sent' });
  return encodeURIComponent(s);
}

/**
 * Close's bulk update (providers/close.md §2): `PUT /task/?<list filters>` changes every task the filters
 * select, so `task complete|reopen` of many ids sends `PUT /api/v1/task/?id__in=<ids>&_type=all` with the
 * field, then reads the same ids back (`GET …?id__in=<ids>&_type=all&_fields=id,<field>`) to report each id:
 * changed → ok; not returned → not found (404, class 5); returned unchanged → failed (class 1).
 *
 * Safety: an empty filter updates every task of the organisation. The only way to build a bulk request is
 * `bulkRequest`, which refuses a list of ids that is empty or holds anything but plain id characters.
 * `_type=all` goes with every request: without it Close selects lead tasks only (the `_type` trap).
 * Each request's URL (the read-back's, the longer one) stays under MAX_URL bytes.
 */
import { ApiError, NotFoundError, TaskctlError } from '../../errors.js';
import type { HttpClient, RequestSpec } from '../../http/client.js';
import { parseResponse } from '../errors.js';
import { apiPath, close } from './client.js';
import { updateTask } from './api.js';
import { listResponseSchema } from './schemas.js';

/** "under 4 KB": the longest URL a chunk may produce, in bytes (ids are ASCII) */
export const MAX_URL = 4096;
/** at most this many ids a chunk, so the read-back is one page at Close's default `_limit` */
export const MAX_CHUNK = 100;

/** The fields Close lets a bulk update change; taskctl uses `is_complete`. */
export interface BulkBody {
  is_complete?: boolean;
  assigned_to?: string | null;
  date?: string | null;
}

const ID_RE = /^[A-Za-z0-9_-]+$/;

/**
 * The query of a bulk PUT or read-back: `id__in=<ids>&_type=all` plus `extra`. Commas stay literal, as in
 * Close's own examples (`id__in=A,B,C`), which also fits more ids in a URL.
 * Throws when `ids` is empty or an id is empty or not plain: a bulk request without a non-empty `id__in`
 * would select every task of the organisation, so it cannot be built at all.
 */
export function bulkQuery(ids: readonly string[], extra = ''): string {
  if (!Array.isArray(ids) || ids.length === 0) throw new Error('refusing to build a Close bulk request without ids: it would select every task of the organisation');
  for (const id of ids) {
    if (typeof id !== 'string' || !ID_RE.test(id)) throw new Error(`refusing to build a Close bulk request with the id ${JSON.stringify(id)}`);
  }
  return `id__in=${ids.join(',')}&_type=all${extra}`;
}

/** `PUT /api/v1/task/?id__in=…&_type=all` with the fields to change (at least one). */
export function bulkRequest(ids: readonly string[], body: BulkBody): RequestSpec {
  const query = bulkQuery(ids);
  if (Object.keys(body).length === 0) throw new Error('refusing to build a Close bulk update that changes nothing');
  // Close rate-limits per method + path template: the bulk route is a group of its own
  return { method: 'PUT', path: `${apiPath('task')}?${query}`, json: body, rateGroup: 'PUT /task/' };
}

/** `GET /api/v1/task/?id__in=…&_type=all&_fields=id,<field>&_limit=<n>&_skip=<skip>` */
export function readBackRequest(ids: readonly string[], field: string, skip = 0): RequestSpec {
  const page = `&_limit=${Math.max(ids.length, 1)}${skip ? `&_skip=${skip}` : ''}`;
  return { method: 'GET', path: `${apiPath('task')}?${bulkQuery(ids, `&_fields=id,${field}${page}`)}`, rateGroup: 'GET /task/' };
}

/**
 * Splits ids into chunks whose longest URL (the read-back's, without `_skip`) stays under MAX_URL and that
 * hold at most MAX_CHUNK ids, filling each chunk as far as it goes.
 */
export function chunkIds(baseUrl: string, ids: readonly string[], field: string): string[][] {
  // the URL without ids and without the `_limit` digits; each id adds its length plus a comma
  const fixed = baseUrl.length + apiPath('task').length + 1 + bulkQuery(['x'], `&_fields=id,${field}&_limit=`).length - 1;
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let idBytes = 0;
  for (const id of ids) {
    const bytes = idBytes + id.length + (chunk.length ? 1 : 0);
    const limitDigits = String(chunk.length + 1).length;
    if (chunk.length > 0 && (chunk.length >= MAX_CHUNK || fixed + bytes + limitDigits >= MAX_URL)) {
      chunks.push(chunk);
      chunk = [];
      idBytes = 0;
    }
    idBytes += id.length + (chunk.length ? 1 : 0);
    chunk.push(id);
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

/** One id's outcome: `{status}` when it changed, or the error that tells why not. */
export type BulkOutcome = { status: number } | TaskctlError;

/**
 * Sets one field on many tasks, a chunk at a time, through the bulk route (the runner's BatchWork). Once
 * the bulk route answers 404 or 405, `run` declines every chunk (null) and the runner sends one
 * `PUT /task/{id}/` per id through `single`. The first chunk finds out; the others wait for its answer
 * rather than all hitting a missing route.
 */
export class BulkUpdater {
  private supported: boolean | undefined;
  private probe: Promise<void> | undefined;

  constructor(
    private readonly client: HttpClient,
    private readonly field: 'is_complete',
    private readonly value: boolean,
  ) {}

  chunks(ids: readonly string[]): string[][] {
    return chunkIds(this.client.baseUrl, ids, this.field);
  }

  /** one outcome per id of `ids`, in the same order; null when the server has no bulk route */
  async run(ids: readonly string[]): Promise<BulkOutcome[] | null> {
    if (this.supported === undefined && this.probe) await this.probe;
    if (this.supported === false) return null;
    let done!: () => void;
    if (this.supported === undefined) this.probe = new Promise<void>((r) => (done = r));
    try {
      const res = await this.client.request(bulkRequest(ids, { [this.field]: this.value }));
      if (res.status === 404 || res.status === 405) {
        this.supported = false;
        return null;
      }
      if (!res.dryRun && (res.status < 200 || res.status >= 300)) {
        const err = close.errorFor(res, `bulk update of ${ids.length} ${ids.length === 1 ? 'task' : 'tasks'}`, this.client);
        return ids.map(() => err);
      }
      this.supported = true;
      return await this.readBack(ids, res.status);
    } finally {
      done?.();
    }
  }

  /** `PUT /task/{id}/` for one id (where the bulk route is missing) */
  async single(id: string): Promise<{ status: number }> {
    return { status: (await updateTask(this.client, id, { [this.field]: this.value }, ['id', this.field])).status };
  }

  /** Reads the chunk back after a bulk PUT answered `putStatus`, and tells each id's outcome. */
  private async readBack(ids: readonly string[], putStatus: number): Promise<BulkOutcome[]> {
    const seen = new Map<string, unknown>();
    try {
      for (let skip = 0, page = 0; page < 10; page++) {
        const res = await this.client.request(readBackRequest(ids, this.field, skip));
        if (res.dryRun) return ids.map(() => ({ status: 0 }));
        if (res.status < 200 || res.status >= 300) throw close.errorFor(res, `reading back ${ids.length} updated ${ids.length === 1 ? 'task' : 'tasks'}`, this.client);
        const body = parseResponse(res, listResponseSchema, 'reading back updated tasks');
        for (const t of body.data) if (typeof t.id === 'string') seen.set(t.id, t[this.field]);
        if (!body.has_more || body.data.length === 0) break;
        skip += body.data.length;
      }
    } catch (err) {
      if (!(err instanceof TaskctlError)) throw err;
      // the update was applied to the tasks that exist, which ones is not known: possibly applied, each
      err.message = `the bulk update was accepted (${putStatus}), but reading the tasks back failed: ${err.message}`;
      err.hint = 'check the tasks before retrying';
      err.maybeApplied = true;
      return ids.map(() => err);
    }
    return ids.map((id): BulkOutcome => {
      if (!seen.has(id)) return new NotFoundError(`task ${id} not found`, { status: 404 });
      const now = seen.get(id);
      if (now === this.value) return { status: putStatus };
      return new ApiError(`task ${id}: Close did not change it (${this.field} is ${JSON.stringify(now)})`, { status: putStatus });
    });
  }
}

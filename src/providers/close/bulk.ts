/**
 * Close's bulk update (providers/close.md §2): `PUT /task/?<list filters>` changes every task the filters
 * select, so `task complete|reopen` of many ids sends `PUT /api/v1/task/?id__in=<ids>&_type=all` with the
 * field, then reads the same ids back to report each id: changed → ok; not returned → not found (404,
 * class 5); returned unchanged → failed (class 1).
 *
 * Safety: an empty filter updates every task of the organisation. The only way to build a bulk request is
 * `bulkRequest`, which refuses a list of ids that is empty or holds anything but plain id characters.
 * `_type=all` goes with every request: without it Close selects lead tasks only (the `_type` trap).
 * Each request's URL stays under MAX_URL bytes: a chunk is as many ids as a read-back GET of them allows.
 *
 * Read-backs are pooled across chunks (ReadBacks): a read asks for up to READ_PAGE ids, from whichever
 * chunks' PUTs have been answered. A read whose ids fit a URL is `GET /task/?id__in=…&_fields=id,<field>`;
 * a longer one goes as Close's documented form for long filters (providers/close.md §1): `POST /task/`
 * with `x-http-method-override: GET` and the same parameters in `{"_params":{…}}`. Where a server refuses
 * that form, reads go back to GETs that fit. 1,000 ids of Close's 48 characters: 13 PUTs and 10 reads.
 */
import { ApiError, NotFoundError, TaskctlError } from '../../errors.js';
import type { HttpClient, RequestSpec } from '../../http/client.js';
import { parseResponse } from '../errors.js';
import { apiPath, close } from './client.js';
import { updateTask } from './api.js';
import { listResponseSchema } from './schemas.js';

/** "under 4 KB": the longest URL a chunk may produce, in bytes (ids are ASCII) */
export const MAX_URL = 4096;
/** the most ids one read-back asks for: one page at Close's default `_limit` */
export const READ_PAGE = 100;
/** at most this many ids a chunk, so a chunk's own read-back is one page */
export const MAX_CHUNK = READ_PAGE;

/** The fields Close lets a bulk update change; taskctl uses `is_complete`. */
export interface BulkBody {
  is_complete?: boolean;
  assigned_to?: string | null;
  date?: string | null;
}

const ID_RE = /^[A-Za-z0-9_-]+$/;

/**
 * The filter of every bulk request: `id__in` (the ids, comma-separated) and `_type=all`.
 * Throws when `ids` is empty or an id is empty or not plain: a bulk request without a non-empty `id__in`
 * would select every task of the organisation, so it cannot be built at all.
 */
function bulkFilter(ids: readonly string[]): { id__in: string; _type: 'all' } {
  if (!Array.isArray(ids) || ids.length === 0) throw new Error('refusing to build a Close bulk request without ids: it would select every task of the organisation');
  for (const id of ids) {
    if (typeof id !== 'string' || !ID_RE.test(id)) throw new Error(`refusing to build a Close bulk request with the id ${JSON.stringify(id)}`);
  }
  return { id__in: ids.join(','), _type: 'all' };
}

/**
 * The query of a bulk PUT or read-back: `id__in=<ids>&_type=all` plus `extra`. Commas stay literal, as in
 * Close's own examples (`id__in=A,B,C`), which also fits more ids in a URL. Refuses what bulkFilter refuses.
 */
export function bulkQuery(ids: readonly string[], extra = ''): string {
  return `id__in=${bulkFilter(ids).id__in}&_type=all${extra}`;
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
 * The same read as readBackRequest in Close's form for long filters: `POST /api/v1/task/` with
 * `x-http-method-override: GET` and the parameters, as the query string would carry them, in
 * `{"_params":{…}}`. It changes nothing: the client treats it as the GET it is (readOnly).
 */
export function readBackOverride(ids: readonly string[], field: string, skip = 0): RequestSpec {
  const params: Record<string, string> = { ...bulkFilter(ids), _fields: `id,${field}`, _limit: String(ids.length) };
  if (skip) params._skip = String(skip);
  return { method: 'POST', path: apiPath('task'), headers: { 'x-http-method-override': 'GET' }, json: { _params: params }, rateGroup: 'GET /task/', readOnly: true };
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

/** What a read-back learnt of a chunk's ids: the field's value of each id Close returned, or why it could not tell. */
interface ChunkRead {
  readonly seen: Map<string, unknown>;
  /** the ids whose read failed, with the failure (already worded as "possibly applied") */
  readonly failed: Map<string, TaskctlError>;
  readonly putStatus: number;
  /** ids not yet read */
  left: number;
  done(): void;
  fail(err: unknown): void;
}

/** Answers to an override read that mean "this server does not take that form": read with GETs instead. */
const OVERRIDE_REFUSED = new Set([400, 404, 405, 415, 501]);

/**
 * The read-backs of one run, pooled across chunks: a chunk whose PUT was answered hands its ids in and
 * waits. A full page (READ_PAGE ids) is read at once; a partial one only when nothing that could add ids
 * is on the way (no bulk PUT and no read in flight, checked once the answers' follow-ups have run), so a
 * run with one chunk at a time reads each chunk alone, and concurrent chunks share their reads.
 */
class ReadBacks {
  private queue: Array<{ id: string; chunk: ChunkRead }> = [];
  private writes = 0;
  private reads = 0;
  private checking = false;
  /** whether the server takes the POST form: unknown until the first such read is answered, which the others wait for */
  private override: boolean | undefined;
  private overrideProbe: Promise<void> | undefined;

  constructor(
    private readonly client: HttpClient,
    private readonly field: string,
  ) {}

  /** runs a bulk PUT, counted as one that may still add ids */
  async writing<T>(put: () => Promise<T>): Promise<T> {
    this.writes++;
    try {
      return await put();
    } finally {
      this.writes--;
      this.check();
    }
  }

  /** reads `ids` back (their PUT answered `putStatus`) */
  read(ids: readonly string[], putStatus: number): Promise<ChunkRead> {
    return new Promise<ChunkRead>((resolve, reject) => {
      const chunk: ChunkRead = { seen: new Map(), failed: new Map(), putStatus, left: ids.length, done: () => resolve(chunk), fail: reject };
      for (const id of ids) this.queue.push({ id, chunk });
      while (this.queue.length >= READ_PAGE) this.send(this.queue.splice(0, READ_PAGE));
      this.check();
    });
  }

  /** After the current answers' follow-ups (new PUTs of freed workers) have run: read a partial page if nothing more is coming. */
  private check(): void {
    if (this.checking) return;
    this.checking = true;
    setImmediate(() => {
      this.checking = false;
      if (this.queue.length > 0 && this.writes === 0 && this.reads === 0) this.send(this.queue.splice(0, READ_PAGE));
    });
  }

  private send(page: Array<{ id: string; chunk: ChunkRead }>): void {
    this.reads++;
    this.readIds(page.map((p) => p.id))
      .then(
        (got) => {
          const worded = new Map<ChunkRead, TaskctlError>();
          for (const { id, chunk } of page) {
            if (got instanceof TaskctlError) {
              let err = worded.get(chunk);
              if (!err) worded.set(chunk, (err = readBackFailed(got, chunk.putStatus)));
              chunk.failed.set(id, err);
            } else if (got.has(id)) chunk.seen.set(id, got.get(id));
            if (--chunk.left === 0) chunk.done();
          }
        },
        (err: unknown) => {
          for (const { chunk } of page) chunk.fail(err);
        },
      )
      .finally(() => {
        this.reads--;
        this.check();
      });
  }

  /** the field's value of each of `ids` that Close returned, or the failure of the read */
  private async readIds(ids: readonly string[]): Promise<Map<string, unknown> | TaskctlError> {
    const seen = new Map<string, unknown>();
    try {
      const asGet = readBackRequest(ids, this.field);
      const fits = this.client.baseUrl.length + asGet.path.length < MAX_URL;
      if (!fits && this.override === undefined && this.overrideProbe) await this.overrideProbe;
      if (fits || this.override === false) {
        for (const chunk of chunkIds(this.client.baseUrl, ids, this.field)) await this.readPages(chunk.length, (skip) => readBackRequest(chunk, this.field, skip), seen);
        return seen;
      }
      let answered!: () => void;
      if (this.override === undefined) this.overrideProbe = new Promise<void>((r) => (answered = r));
      try {
        const refused = await this.readPages(ids.length, (skip) => readBackOverride(ids, this.field, skip), seen);
        if (!refused) {
          this.override ??= true;
          return seen;
        }
        this.override = false;
      } finally {
        answered?.();
      }
      return await this.readIds(ids);
    } catch (err) {
      if (err instanceof TaskctlError) return err;
      throw err;
    }
  }

  /** One read, page by page (`_skip`) while Close says there is more; true when the server refused the override form. */
  private async readPages(n: number, spec: (skip: number) => RequestSpec, seen: Map<string, unknown>): Promise<boolean> {
    for (let skip = 0, page = 0; page < 10; page++) {
      const req = spec(skip);
      const res = await this.client.request(req);
      if (res.dryRun) return false;
      if (req.readOnly && skip === 0 && OVERRIDE_REFUSED.has(res.status)) return true;
      if (res.status < 200 || res.status >= 300) throw close.errorFor(res, `reading back ${n} updated ${n === 1 ? 'task' : 'tasks'}`, this.client);
      const body = parseResponse(res, listResponseSchema, 'reading back updated tasks');
      for (const t of body.data) if (typeof t.id === 'string') seen.set(t.id, t[this.field]);
      if (!body.has_more || body.data.length === 0) break;
      skip += body.data.length;
    }
    return false;
  }
}

/** A read-back's failure, as each id of a chunk whose PUT was accepted reports it: possibly applied. */
function readBackFailed(err: TaskctlError, putStatus: number): TaskctlError {
  const e = Object.assign(Object.create(Object.getPrototypeOf(err) as object) as TaskctlError, err);
  // the update was applied to the tasks that exist, which ones is not known: possibly applied, each
  e.message = `the bulk update was accepted (${putStatus}), but reading the tasks back failed: ${err.message}`;
  e.hint = 'check the tasks before retrying';
  e.maybeApplied = true;
  return e;
}

/**
 * Sets one field on many tasks, a chunk at a time, through the bulk route (the runner's BatchWork). Once
 * the bulk route answers 404 or 405, `run` declines every chunk (null) and the runner sends one
 * `PUT /task/{id}/` per id through `single`. The first chunk finds out; the others wait for its PUT's
 * answer rather than all hitting a missing route.
 */
export class BulkUpdater {
  private supported: boolean | undefined;
  private probe: Promise<void> | undefined;
  private readonly readBacks: ReadBacks;

  constructor(
    private readonly client: HttpClient,
    private readonly field: 'is_complete',
    private readonly value: boolean,
  ) {
    this.readBacks = new ReadBacks(client, field);
  }

  chunks(ids: readonly string[]): string[][] {
    return chunkIds(this.client.baseUrl, ids, this.field);
  }

  /** one outcome per id of `ids`, in the same order; null when the server has no bulk route */
  async run(ids: readonly string[]): Promise<BulkOutcome[] | null> {
    if (this.supported === undefined && this.probe) await this.probe;
    if (this.supported === false) return null;
    let done!: () => void;
    if (this.supported === undefined) this.probe = new Promise<void>((r) => (done = r));
    let putStatus: number;
    let dryRun: boolean | undefined;
    try {
      const res = await this.readBacks.writing(() => this.client.request(bulkRequest(ids, { [this.field]: this.value })));
      if (res.status === 404 || res.status === 405) {
        this.supported = false;
        return null;
      }
      if (!res.dryRun && (res.status < 200 || res.status >= 300)) {
        const err = close.errorFor(res, `bulk update of ${ids.length} ${ids.length === 1 ? 'task' : 'tasks'}`, this.client);
        return ids.map(() => err);
      }
      this.supported = true;
      putStatus = res.status;
      dryRun = res.dryRun;
    } finally {
      done?.();
    }
    const read = await this.readBacks.read(ids, putStatus);
    if (dryRun) return ids.map(() => ({ status: 0 }));
    return ids.map((id): BulkOutcome => {
      const failed = read.failed.get(id);
      if (failed) return failed;
      if (!read.seen.has(id)) return new NotFoundError(`task ${id} not found`, { status: 404 });
      const now = read.seen.get(id);
      if (now === this.value) return { status: putStatus };
      return new ApiError(`task ${id}: Close did not change it (${this.field} is ${JSON.stringify(now)})`, { status: putStatus });
    });
  }

  /** `PUT /task/{id}/` for one id (where the bulk route is missing) */
  async single(id: string): Promise<{ status: number }> {
    return { status: (await updateTask(this.client, id, { [this.field]: this.value }, ['id', this.field])).status };
  }
}

/**
 * List paging shared by every `list` command: `--limit` caps the items (default 50), `--page` is
 * 1-based, `--all` follows pages until the provider says there are no more (with a hard page bound).
 */
import { UsageError } from '../errors.js';

export const DEFAULT_LIMIT = 50;
/** a server that never says "done" must not make `--all` loop forever */
export const MAX_PAGES = 10_000;

export interface ListOptions {
  limit: number;
  /** 1-based */
  page: number;
  all: boolean;
}

export function listOptions(opts: Record<string, unknown>): ListOptions {
  const limit = (opts.limit as number | undefined) ?? DEFAULT_LIMIT;
  const page = (opts.page as number | undefined) ?? 1;
  if (limit < 1) throw new UsageError(`--limit must be at least 1, got ${limit}`);
  if (page < 1) throw new UsageError(`--page is 1-based, got ${page}`);
  if (opts.all && opts.page !== undefined) throw new UsageError('--page and --all cannot be used together');
  return { limit, page, all: Boolean(opts.all) };
}

export interface Page<T> {
  items: T[];
  /** true when the provider says there is nothing after this page */
  last: boolean;
}

/**
 * Fetches every page (`--all`) with `pageSize` items each, calling fetchPage(offset, size).
 * Stops on a page marked last, an empty page, or MAX_PAGES.
 */
export async function collectAll<T>(pageSize: number, fetchPage: (offset: number, size: number, index: number) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let offset = 0;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await fetchPage(offset, pageSize, i);
    out.push(...page.items);
    if (page.last || page.items.length === 0) return out;
    offset += page.items.length;
  }
  throw new UsageError(`stopped after ${MAX_PAGES} pages: the server kept saying there was more`);
}

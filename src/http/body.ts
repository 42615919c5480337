/**
 * Reading an answer into memory, bounded: default 64 MiB (env TASKCTL_MAX_RESPONSE_MIB raises or lowers
 * it). A larger answer stops at the limit with an error that says how to ask for less; nothing grows
 * without bound. Downloads (`stream: true`) go to disk and are not bounded.
 */
import type { Readable } from 'node:stream';
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

/**
 * Hands the body's chunks to `onChunk` as they arrive; rejects with ApiError once it passes `limit` bytes (or
 * declares more in content-length). Events rather than an async iterator: this runs for every answer, and
 * the iterator cost more CPU than the rest of reading a small one.
 */
function eachChunk(body: Readable, opts: BoundOptions, onChunk: (chunk: Buffer) => void): Promise<void> {
  const declared = Number(opts.declared);
  if (typeof opts.declared === 'string' && Number.isFinite(declared) && declared > opts.limit) {
    body.destroy();
    return Promise.reject(tooLarge(opts.what, opts.limit, opts.status));
  }
  return new Promise((resolve, reject) => {
    let size = 0;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > opts.limit) {
        fail(tooLarge(opts.what, opts.limit, opts.status));
        body.destroy();
        return;
      }
      onChunk(chunk);
    });
    body.once('end', () => {
      settled = true;
      resolve();
    });
    body.once('error', fail);
    // closed without its end (destroyed): the answer is cut short
    body.once('close', () => {
      if (!settled) fail(Object.assign(new Error('the answer ended before its last byte'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  });
}

interface BoundOptions {
  limit: number;
  declared?: string | string[];
  what: string;
  status: number;
}

/** The body as UTF-8 text, bounded. */
export async function readBounded(body: Readable, opts: BoundOptions): Promise<string> {
  // decoded as it arrives, so the raw bytes are not held next to their text (nor copied into one Buffer)
  const decoder = new TextDecoder('utf-8');
  const pieces: string[] = [];
  await eachChunk(body, opts, (chunk) => pieces.push(decoder.decode(chunk, { stream: true })));
  pieces.push(decoder.decode());
  return pieces.length === 1 ? pieces[0] : pieces.join('');
}

/** The body as its bytes, in the chunks that arrived (never copied into one Buffer), bounded. */
export async function readBoundedChunks(body: Readable, opts: BoundOptions): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  await eachChunk(body, opts, (chunk) => chunks.push(chunk));
  return chunks;
}

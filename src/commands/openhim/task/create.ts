/**
 * `task create`: `POST /tasks {tids, batchSize?, paused?}` from --tids, --tids-file and/or --file, flags
 * overriding the file. Everything is validated before sending; the new id is parsed from the 201 text.
 * `--wait` continues as `task watch`.
 */
import fs from 'node:fs';
import type { Handler } from '../../types.js';
import { NoIds, UsageError } from '../../../errors.js';
import { parseIdList } from '../../../input/ids.js';
import { parseDuration } from '../../../input/duration.js';
import { readJsonFile, requireObject, validateBody } from '../../../input/payload.js';
import { openhim } from '../../../providers/openhim/client.js';
import { createTask } from '../../../providers/openhim/api.js';
import { OBJECT_ID_MESSAGE, OBJECT_ID_RE, createTaskBody } from '../../../providers/openhim/schemas.js';
import { watchTask, DEFAULT_INTERVAL_MS } from './watch.js';

function checkIdsFrom(ids: readonly string[], source: string): void {
  const bad = ids.filter((id) => !OBJECT_ID_RE.test(id));
  if (bad.length) {
    const shown = bad.slice(0, 5).map((id) => `"${id}"`).join(', ');
    throw new UsageError(`invalid transaction id${bad.length > 1 ? 's' : ''} in ${source}: ${shown}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''} (${OBJECT_ID_MESSAGE})`, {
      hint: 'nothing was sent',
    });
  }
}

export const run: Handler = async (ctx, { opts }) => {
  const file = opts.file as string | undefined;
  const tidsFile = opts.tidsFile as string | undefined;
  if (file === '-' && tidsFile === '-') throw new UsageError('--file - and --tids-file - cannot both read standard input');

  let flagIds: string[] | undefined;
  if (opts.tids !== undefined) {
    flagIds = (opts.tids as string[]).slice();
    if (flagIds.length === 0) throw new UsageError('--tids is empty', { hint: 'give comma-separated transaction ids' });
    checkIdsFrom(flagIds, '--tids');
  }
  if (tidsFile !== undefined) {
    let text: string;
    if (tidsFile === '-') {
      if (ctx.stdinIsTTY) throw new UsageError('--tids-file - reads ids from standard input, but it is a terminal', { hint: 'pipe the ids in, or give a file' });
      text = await ctx.readStdin();
    } else {
      try {
        text = fs.readFileSync(ctx.resolvePath(tidsFile), 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(`cannot read --tids-file ${tidsFile}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err))}`);
      }
    }
    const source = `--tids-file ${tidsFile === '-' ? '<stdin>' : tidsFile}`;
    const fromFile = parseIdList(text, source);
    if (fromFile.length === 0 && tidsFile === '-' && !flagIds?.length && file === undefined) {
      // an empty pipe (nothing failed since the last run) is the normal case of a nightly job, not an error
      throw new NoIds('no transaction ids on standard input; no task was created, nothing was sent', false);
    }
    if (fromFile.length === 0 && tidsFile !== '-') throw new UsageError(`no transaction ids in ${source}`, { hint: 'one id per line, or a JSON array' });
    checkIdsFrom(fromFile, source);
    flagIds = [...(flagIds ?? []), ...fromFile];
  }

  const source = file !== undefined ? `--file ${file}` : 'task';
  const body: Record<string, unknown> = file !== undefined ? { ...requireObject(await readJsonFile(ctx, file), source) } : {};
  if (flagIds) body.tids = flagIds;
  if (opts.batchSize !== undefined) body.batchSize = opts.batchSize;
  if (opts.paused) body.paused = true;
  if (body.tids === undefined) throw new UsageError('no transaction ids', { hint: 'give --tids, --tids-file or --file with "tids"' });
  const valid = validateBody(createTaskBody, body, source);

  // one id once: the server would keep repeats and rerun them twice
  const seen = new Set<string>();
  const repeated = new Set<string>();
  const tids: string[] = [];
  for (const raw of valid.tids) {
    const id = raw.toLowerCase();
    if (seen.has(id)) repeated.add(id);
    else {
      seen.add(id);
      tids.push(id);
    }
  }
  if (repeated.size) ctx.warn(`ignoring repeated transaction id${repeated.size > 1 ? 's' : ''}: ${[...repeated].slice(0, 5).join(', ')}${repeated.size > 5 ? ', …' : ''}`);
  const waitTimeoutMs = parseDuration(opts.waitTimeout);
  if (opts.wait && valid.paused) {
    throw new UsageError('--wait would wait forever for a task created --paused', { hint: 'drop --paused, or later `task resume` it and `task watch` it' });
  }

  const client = await openhim.connect(ctx);
  const created = await createTask(client, { ...valid, tids });
  if (!created) return;
  ctx.info(`created task ${created.id}: ${tids.length} transaction${tids.length === 1 ? '' : 's'}, batch size ${valid.batchSize ?? 1}, ${valid.paused ? 'Paused' : 'Queued'}`);
  if (opts.wait) {
    if (ctx.globals.json) ctx.out.printEvent({ event: 'created', ...created });
    else ctx.out.line(created.id);
    return watchTask(ctx, client, created.id, { intervalMs: (opts.interval as number | undefined) ?? DEFAULT_INTERVAL_MS, waitTimeoutMs });
  }
  ctx.out.result(created, () => ctx.out.line(created.id));
};

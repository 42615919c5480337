/**
 * `taskctl <provider> api <METHOD> <path>`: one authenticated request with the profile's auth and TLS,
 * the response body on stdout (pretty JSON when JSON), `-i` adds the status line and headers.
 * Exit code follows the HTTP status. This is what replaces openhim-api.sh.
 */
import fs from 'node:fs';
import type { Handler } from '../types.js';
import { ApiError, UsageError, exitCodeForStatus } from '../../errors.js';
import { parseJsonInput } from '../../input/json.js';
import { redactHeaderValue, SECRET_HEADERS } from '../../http/redact.js';
import { loadProvider } from '../../providers/index.js';
import { isJsonResponse } from '../../providers/errors.js';
import { jsonPieces, reindentJson, writeJsonPretty } from '../../output/json-chunks.js';
import type { HttpResponse } from '../../http/client.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export function parseHeaderArgs(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    const name = i > 0 ? line.slice(0, i).trim() : '';
    if (!name || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new UsageError(`-H "${line}": expected "Name: value"`);
    if (SECRET_HEADERS.has(name.toLowerCase())) {
      throw new UsageError(`-H ${name}: credentials are not taken on the command line (they would show in ps and shell history)`, {
        hint: 'taskctl adds them from the profile',
      });
    }
    out[name.toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

export function parseQueryArgs(pairs: readonly string[]): URLSearchParams {
  const q = new URLSearchParams();
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`-q "${p}": expected key=value`);
    q.append(p.slice(0, i), p.slice(i + 1));
  }
  return q;
}

function notJson(res: HttpResponse, what: string, err: unknown): ApiError {
  return new ApiError(`${what}: the answer from ${new URL(res.url).host} is not valid JSON (${(err as Error).message})`, {
    status: res.status,
    hint: 'the body may have been cut off; run again without --json to see it as it came',
  });
}

/** A body printed as it came, ending in a line break. */
const asLine = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/** The first byte that is not JSON white space (nor a byte-order mark), or undefined for an empty body. */
function firstNonSpace(chunks: readonly Buffer[]): number | undefined {
  for (const chunk of chunks) {
    for (const c of chunk) if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xef && c !== 0xbb && c !== 0xbf) return c;
  }
  return undefined;
}

export const run: Handler = async (ctx, { args, opts }) => {
  const method = String(args[0]).toUpperCase();
  let path = String(args[1]);
  if (!METHODS.includes(method)) throw new UsageError(`unknown HTTP method "${args[0]}"`, { hint: `use one of ${METHODS.join(', ')}` });
  const headers = parseHeaderArgs((opts.header as string[] | undefined) ?? []);
  const query = parseQueryArgs((opts.param as string[] | undefined) ?? []);
  if (opts.data !== undefined && opts.input !== undefined) throw new UsageError('--data and --input cannot be used together');

  let body: string | undefined;
  let source = '';
  if (opts.data !== undefined) {
    body = String(opts.data);
    source = '--data';
  } else if (opts.input !== undefined) {
    const file = String(opts.input);
    source = file === '-' ? '<stdin>' : file;
    if (file === '-') body = await ctx.readStdin();
    else {
      try {
        body = fs.readFileSync(ctx.resolvePath(file), 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read --input ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    }
  }
  const contentType = headers['content-type'];
  if (body !== undefined && (!contentType || /json/i.test(contentType))) {
    // validate before sending: a typo in a payload must not reach the server
    parseJsonInput(body, source);
    if (!contentType) headers['content-type'] = 'application/json';
  }

  const provider = await loadProvider(ctx.provider!);
  const client = await provider.connect(ctx);
  if (/^https?:\/\//i.test(path)) {
    const target = new URL(path);
    const base = new URL(client.baseUrl);
    if (target.origin !== base.origin) {
      throw new UsageError(`${target.origin} is not the profile's server (${base.origin})`, { hint: 'give a path such as /tasks; credentials are only sent to the profile\'s server' });
    }
    path = target.pathname + target.search;
  }
  if (!path.startsWith('/')) path = `/${path}`;
  // a 2xx answer is kept as bytes and printed from them (reindentJson): a large answer never becomes one
  // string and a tree of objects. --query needs the values, so it parses.
  const raw = !ctx.globals.query;
  const res = await client.request({ method, path, query, headers, body, retry: 'default', raw });
  if (res.dryRun) return;

  const warning = provider.apiWarning?.(res);
  if (warning) ctx.warn(warning);
  const ok = res.status >= 200 && res.status < 300;
  if (opts.include) {
    ctx.writeOut(`HTTP/1.1 ${res.status} ${res.statusText}\n`);
    for (const [k, v] of Object.entries(res.headers)) {
      for (const one of Array.isArray(v) ? v : [v]) ctx.writeOut(`${k}: ${redactHeaderValue(k, one)}\n`);
    }
    ctx.writeOut('\n');
  }
  if (!ok && ctx.globals.json) throw provider.errorFor(res, `${method} ${path}`, client);
  if (res.chunks) {
    const chunks = res.chunks;
    res.chunks = undefined;
    const first = firstNonSpace(chunks);
    if (first !== undefined && (isJsonResponse(res) || (ctx.globals.json && (first === 0x5b || first === 0x7b)))) {
      try {
        reindentJson(chunks); // checked whole before any of it is printed
      } catch (err) {
        if (ctx.globals.json) throw notJson(res, `${method} ${path}`, err);
        res.text = Buffer.concat(chunks).toString('utf8');
        ctx.writeOut(asLine(res.text));
        return;
      }
      for (const piece of jsonPieces(chunks)) await ctx.writeOutPaced(piece);
      return;
    }
    res.text = Buffer.concat(chunks).toString('utf8');
  }
  const looksJson = /^\s*[[{]/.test(res.text);
  if ((isJsonResponse(res) || (ctx.globals.json && looksJson)) && res.text.trim()) {
    let value: unknown;
    try {
      value = JSON.parse(res.text) as unknown;
    } catch (err) {
      // with --json stdout carries valid JSON or nothing: a truncated or broken body is an error
      if (ctx.globals.json) throw notJson(res, `${method} ${path}`, err);
      ctx.writeOut(asLine(res.text));
    }
    if (value !== undefined) {
      res.text = ''; // the parsed value replaces the text: do not hold both while printing
      if (ctx.globals.json) ctx.out.printJson(value);
      else writeJsonPretty(value, (t) => ctx.writeOut(t));
    }
  } else if (res.text) {
    if (ctx.globals.json) ctx.out.printJson(res.text);
    else ctx.writeOut(asLine(res.text));
  }
  if (!ok) {
    const err = provider.errorFor(res, `${method} ${path}`, client);
    // the body is already on stdout; say what happened on stderr and exit by status
    ctx.writeErr(`${ctx.errStyle.red('taskctl:')} ${err.message}${err.hint ? ` (${err.hint})` : ''}\n`);
    return exitCodeForStatus(res.status);
  }
};

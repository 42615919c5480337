/**
 * Pretty JSON, exactly `JSON.stringify(value, null, 2)` plus a newline, written in pieces of about 1 MiB:
 * printing a large answer never builds its whole text (nor the scrubbed and encoded copies of it) at once.
 */
const PIECE = 1 << 20;
/** jsonPieces: smaller pieces are collected young, so printing a large answer keeps little garbage */
const BYTES_PIECE = 64 << 10;

export function writeJsonPretty(value: unknown, write: (text: string) => void): void {
  const isArray = Array.isArray(value);
  const isPlainObject = !isArray && value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
  if (!isArray && !isPlainObject) {
    write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  let buf = isArray ? '[' : '{';
  let count = 0;
  const add = (key: string | null, v: unknown) => {
    // as JSON.stringify: undefined, functions and symbols are null in an array and left out of an object
    let text = JSON.stringify(v, null, 2) as string | undefined;
    if (text === undefined) {
      if (key !== null) return;
      text = 'null';
    }
    buf += `${count ? ',' : ''}\n  ${key === null ? '' : `${JSON.stringify(key)}: `}${text.replace(/\n/g, '\n  ')}`;
    count++;
    if (buf.length >= PIECE) {
      write(buf);
      buf = '';
    }
  };
  if (isArray) for (const v of value as unknown[]) add(null, v);
  else for (const k of Object.keys(value as object)) add(k, (value as Record<string, unknown>)[k]);
  write(`${buf}${count ? '\n' : ''}${isArray ? ']' : '}'}\n`);
}

/** A JSON text that does not parse: where and why. */
export class JsonTextError extends SyntaxError {}

const enum S {
  Value, // a value must come
  ValueOrClose, // after '['
  KeyOrClose, // after '{'
  Key, // after ',' in an object
  Colon,
  AfterValue, // ',' or the container's close
  End, // after the top-level value: only white space
}

const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;
const ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrtu') ESCAPES[c.charCodeAt(0)] = 1;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const LITERALS = new Set(['true', 'false', 'null']);
const COLON = Buffer.from(': ');

/**
 * The same pretty text as `writeJsonPretty(JSON.parse(text))`, made from the answer's bytes without building
 * its values: a 50 MB answer needs its bytes and a 1 MiB output piece, not a string of it and a tree of
 * objects (which took 7-13× the body). Strings and numbers print as JSON.stringify writes them (escapes and
 * number forms normalised); only an object with a repeated key differs: each copy is printed, as sent.
 * Without `write` it only checks the text, so a caller can refuse a broken answer before printing any of it.
 * Pieces end between tokens (a string value is never cut, so scrubbing a secret from a piece works).
 * Throws JsonTextError on text that JSON.parse refuses.
 */
export function reindentJson(chunks: readonly Buffer[], write?: (text: string) => void): void {
  for (const piece of jsonPieces(chunks, Boolean(write))) write!(piece);
}

/**
 * reindentJson's pieces, one at a time, so a caller can wait for a slow reader (a pipe into jq) between
 * them instead of queueing the whole text in memory. `print: false` only checks.
 */
export function* jsonPieces(chunks: readonly Buffer[], print = true): Generator<string> {
  const ready: string[] = [];
  const write = print ? (text: string) => void ready.push(text) : undefined;
  let state = S.Value as S;
  const stack: number[] = []; // the closing byte (']' or '}') of each open container
  let pendingOpen = false; // a container was opened and nothing is in it yet
  let pos = 0; // bytes before the current chunk
  // the token being read: a string, a number or a literal; its bytes may span chunks (the earlier parts in tokParts)
  let tok: 0 | 0x22 | 0x2d | 0x74 = 0; // none, string, number, literal
  let tokParts: Buffer[] = [];
  let tokFrom = 0;
  let escaped = false;
  let hex = 0; // hex digits still due after \u
  let hasEscape = false;
  let isKey = false;
  // a byte-order mark is dropped, as TextDecoder does
  const head = Buffer.concat(chunks.slice(0, 3).map((c) => c.subarray(0, 3))).subarray(0, 3);
  const skip = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;

  // the output piece: bytes copied from the answer, turned into text once per piece
  const out = write ? Buffer.allocUnsafe(BYTES_PIECE) : Buffer.alloc(0);
  let o = 0;
  const indents: Buffer[] = [];
  const flush = () => {
    if (o > 0) write!(out.toString('utf8', 0, o));
    o = 0;
  };
  const room = (n: number) => {
    if (o + n > out.length) flush();
  };
  const put = (b: Buffer, from = 0, end = b.length) => {
    if (!write) return;
    if (end - from > out.length) {
      flush(); // a value larger than a piece is a piece of its own
      write!(b.toString('utf8', from, end));
      return;
    }
    room(end - from);
    o += b.copy(out, o, from, end);
  };
  /** a line break and the indent of `depth`, then `close` (']' or '}') when given */
  const newline = (depth: number, before = 0, close = 0) => {
    const ind = (indents[depth] ??= Buffer.from(`\n${'  '.repeat(depth)}`));
    room(ind.length + 2);
    if (before) out[o++] = before;
    o += ind.copy(out, o);
    if (close) out[o++] = close;
  };
  const putByte = (c: number) => {
    room(1);
    out[o++] = c;
  };

  const fail = (why: string, at: number): never => {
    throw new JsonTextError(`${why} at byte ${at}`);
  };
  /** before a value or key: the line break the opening of its container owes, if any */
  const beforeItem = () => {
    if (pendingOpen) {
      pendingOpen = false;
      if (write) newline(stack.length);
    }
  };
  const finishToken = (chunk: Buffer, end: number) => {
    if (tok !== 0x22 || write) {
      const bytes = tokParts.length ? Buffer.concat([...tokParts, chunk.subarray(tokFrom, end)]) : undefined;
      const [b, from] = bytes ? [bytes, 0] : [chunk, tokFrom];
      const len = (bytes ? bytes.length : end) - from;
      if (tok === 0x22 && !hasEscape) put(b, from, from + len);
      else {
        const text = b.toString('latin1', from, from + Math.min(len, 64));
        if (tok === 0x2d) {
          if (len > 64 || !NUMBER.test(text)) fail(`bad number "${text.slice(0, 40)}"`, pos + end - len);
          // an integer of up to 15 digits prints as it came; other forms as JSON.stringify writes the number
          if (/^-?\d{1,15}$/.test(text) && text !== '-0') put(b, from, from + len);
          else if (write) put(Buffer.from(JSON.stringify(JSON.parse(text))));
        } else if (tok === 0x74) {
          if (!LITERALS.has(text)) fail(`unexpected "${text.slice(0, 40)}"`, pos + end - len);
          put(b, from, from + len);
        } else put(Buffer.from(JSON.stringify(JSON.parse(b.toString('utf8', from, from + len)))));
      }
    }
    tokParts = [];
    const wasKey = tok === 0x22 && isKey;
    tok = 0;
    state = wasKey ? S.Colon : stack.length ? S.AfterValue : S.End;
  };

  for (const chunk of chunks) {
    let i = pos < skip ? Math.min(skip - pos, chunk.length) : 0;
    tokFrom = 0;
    for (; i < chunk.length; i++) {
      while (ready.length) yield ready.shift()!;
      const c = chunk[i];
      if (tok === 0x22) {
        if (hex > 0) {
          if (!((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66))) fail('bad \\u escape in a string', pos + i);
          hex--;
        } else if (escaped) {
          if (!ESCAPES[c]) fail('bad escape in a string', pos + i);
          if (c === 0x75) hex = 4;
          escaped = false;
        } else if (c === 0x5c) escaped = hasEscape = true;
        else if (c === 0x22) finishToken(chunk, i + 1);
        else if (c < 0x20) fail('a control character in a string', pos + i);
        continue;
      }
      if (tok !== 0) {
        // a number or literal runs until a delimiter
        if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x45) continue;
        finishToken(chunk, i);
      }
      if (WS[c]) continue;
      switch (state) {
        case S.Colon:
          if (c !== 0x3a) fail(`expected ':' after a key, not ${show(c)}`, pos + i);
          if (write) put(COLON);
          state = S.Value;
          continue;
        case S.AfterValue: {
          const close = stack[stack.length - 1];
          if (c === 0x2c) {
            if (write) newline(stack.length, 0x2c);
            state = close === 0x7d ? S.Key : S.Value;
            continue;
          }
          if (c !== close) fail(`expected ',' or '${String.fromCharCode(close)}', not ${show(c)}`, pos + i);
          stack.pop();
          if (write) newline(stack.length, 0, c);
          state = stack.length ? S.AfterValue : S.End;
          continue;
        }
        case S.End:
          fail(`unexpected ${show(c)} after the JSON value`, pos + i);
          break;
        case S.KeyOrClose:
        case S.Key:
          if (c === 0x7d && state === S.KeyOrClose) {
            stack.pop();
            pendingOpen = false;
            if (write) putByte(c);
            state = stack.length ? S.AfterValue : S.End;
            continue;
          }
          if (c !== 0x22) fail(`expected a key in double quotes, not ${show(c)}`, pos + i);
          beforeItem();
          tok = 0x22;
          isKey = true;
          hasEscape = false;
          tokFrom = i;
          continue;
        case S.ValueOrClose:
          if (c === 0x5d) {
            stack.pop();
            pendingOpen = false;
            if (write) putByte(c);
            state = stack.length ? S.AfterValue : S.End;
            continue;
          }
        // falls through: a value
        case S.Value:
          beforeItem();
          if (c === 0x5b || c === 0x7b) {
            stack.push(c + 2);
            if (write) putByte(c);
            pendingOpen = true;
            state = c === 0x5b ? S.ValueOrClose : S.KeyOrClose;
            continue;
          }
          tokFrom = i;
          if (c === 0x22) {
            tok = 0x22;
            isKey = false;
            hasEscape = false;
          } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) tok = 0x2d;
          else if (c === 0x74 || c === 0x66 || c === 0x6e) tok = 0x74;
          else fail(`unexpected ${show(c)}`, pos + i);
          continue;
      }
    }
    if (tok !== 0) tokParts.push(chunk.subarray(tokFrom));
    pos += chunk.length;
  }
  if (tok === 0x2d || tok === 0x74) finishToken(Buffer.alloc(0), 0);
  if (tok !== 0 || state !== S.End) fail('unexpected end of JSON input', pos);
  if (write) {
    putByte(0x0a);
    flush();
  }
  yield* ready;
}

function show(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

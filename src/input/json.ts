/**
 * JSON parsing that reports where it broke: file, 1-based line and column. Used for payload files,
 * config files and `--data` / `--target` style flags alike.
 */
import { UsageError } from '../errors.js';

export interface JsonLocation {
  line: number;
  column: number;
}

/** Converts a character offset into a 1-based line and column. */
export function locate(text: string, offset: number): JsonLocation {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly location: JsonLocation,
    readonly reason: string,
  ) {
    super(`${source}:${location.line}:${location.column}: invalid JSON: ${reason}`);
  }
}

/** Parses JSON or throws JsonSyntaxError with the position of the problem. */
export function parseJsonLocated(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // V8: "... in JSON at position 12 (line 2 column 3)" or "... at position 12"
    const m = /at position (\d+)/.exec(msg);
    let offset = m ? Number(m[1]) : body.length;
    if (!m && /Unexpected end of JSON input/.test(msg)) offset = body.length;
    const reason = msg
      .replace(/^JSON\.parse: /, '')
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/^(Unexpected token '?.'?).*$/s, '$1');
    if (body.trim() === '') return failEmpty(source);
    throw new JsonSyntaxError(source, locate(body, offset), reason || 'syntax error');
  }
}

function failEmpty(source: string): never {
  throw new JsonSyntaxError(source, { line: 1, column: 1 }, 'empty input');
}

/** parseJsonLocated for user input: turns a syntax error into a UsageError (exit 2). */
export function parseJsonInput(text: string, source: string): unknown {
  try {
    return parseJsonLocated(text, source);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new UsageError(err.message, { hint: 'fix the JSON; nothing was sent' });
    }
    throw err;
  }
}

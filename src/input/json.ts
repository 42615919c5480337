/**
 * JSON parsing that reports where it broke: file, 1-based line and column. Used for payload files,
 * config files and `--data` / `--target` style flags alike.
 *
 * JSON.parse does the parsing. Node 20's messages do not always carry a position ("Unexpected token
 * '}', … is not valid JSON"), so on failure a small strict scanner finds the offset of the first error.
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

/** `--data`, `--field "name"`: a source that is a flag's value, not a file */
function isFlag(source: string): boolean {
  return source.startsWith('--');
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly location: JsonLocation,
    readonly reason: string,
  ) {
    super(
      // a flag's value is no file: "--field approved:1:2:" would read as part of the field name
      isFlag(source)
        ? `${source}: invalid JSON at ${location.line > 1 ? `line ${location.line}, ` : ''}column ${location.column}: ${reason}`
        : `${source}:${location.line}:${location.column}: invalid JSON: ${reason}`,
    );
  }
}

/** The offset and reason of the first syntax error in `text` (strict JSON, RFC 8259). */
export function firstError(text: string): { offset: number; reason: string } {
  let i = 0;
  class Stop {
    constructor(
      readonly offset: number,
      readonly reason: string,
    ) {}
  }
  const fail = (reason: string, at = i): never => {
    throw new Stop(at, reason);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (ch: string, reason: string) => {
    ws();
    if (text[i] !== ch) fail(i >= text.length ? `unexpected end of input, ${reason}` : reason);
    i++;
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length) {
      const c = text[i];
      if (c === '"') return void i++;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape', i);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('invalid escape character', i);
      } else if (c.charCodeAt(0) < 0x20) fail('control character in string (newlines must be written \\n)');
      else i++;
    }
    fail('unterminated string');
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === undefined) fail('unexpected end of input, expected a value');
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(text[i] === '}' ? 'trailing comma before }' : 'expected a double-quoted property name');
        string();
        expect(':', "expected ':' after the property name");
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return void i++;
        fail(i >= text.length ? "unexpected end of input, expected ',' or '}'" : "expected ',' or '}' after a property value");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        ws();
        if (text[i] === ']') fail('trailing comma before ]');
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return void i++;
        fail(i >= text.length ? "unexpected end of input, expected ',' or ']'" : "expected ',' or ']' after an array element");
      }
    }
    if (c === '"') return string();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0] !== '-' && m[0] !== '') return void (i += m[0].length);
    for (const word of ['true', 'false', 'null']) if (text.startsWith(word, i)) return void (i += word.length);
    fail(c === "'" ? 'strings need double quotes' : `unexpected character ${JSON.stringify(c)}`);
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected text after the JSON value');
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, reason: e.reason };
    throw e;
  }
  return { offset: text.length, reason: 'syntax error' };
}

/** Parses JSON or throws JsonSyntaxError with the position of the problem. */
export function parseJsonLocated(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch {
    if (body.trim() === '') throw new JsonSyntaxError(source, { line: 1, column: 1 }, 'empty input');
    const { offset, reason } = firstError(body);
    throw new JsonSyntaxError(source, locate(body, offset), reason);
  }
}

/** parseJsonLocated for user input: turns a syntax error into a UsageError (exit 2). */
export function parseJsonInput(text: string, source: string, hint = 'fix the JSON; nothing was sent'): unknown {
  try {
    return parseJsonLocated(text, source);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new UsageError(err.message, { hint });
    }
    throw err;
  }
}

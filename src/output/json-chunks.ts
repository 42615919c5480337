/**
 * Pretty JSON, exactly `JSON.stringify(value, null, 2)` plus a newline, written in pieces of about 1 MiB:
 * printing a large answer never builds its whole text (nor the scrubbed and encoded copies of it) at once.
 */
const PIECE = 1 << 20;

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

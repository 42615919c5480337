/**
 * The one module that writes taskctl's files (config files, the trust store, state files of other parts).
 *
 * `updateFileLocked(path, (old) => new)` is the primitive: it follows a symlink to its target, holds a lock
 * file (`<target>.lock`, proper-lockfile) across read-modify-write so concurrent writers serialise (waiting up
 * to 10 s, then exit 1 with nothing changed), writes a temporary file next to the target (created
 * exclusively: a planted symlink is never followed) with the target's mode (new files 0600), and renames it
 * over the target. A writer killed half-way leaves the old file intact; its temporary file and its lock are
 * cleaned up by the next writer (a lock whose holder stopped refreshing it is stale after 5 s).
 *
 * `editConfigFile(path, edit)` edits a config file through it and keeps the file's format: JSON stays JSON
 * with its indentation and key order; YAML keeps comments, order and `${VAR}` placeholders (yaml's Document API).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, ExitWith } from '../errors.js';

/** how long a writer waits for another one's lock */
export const LOCK_WAIT_MS = 10_000;
/** a lock not refreshed for this long belongs to a writer that died */
const LOCK_STALE_MS = 5_000;
const TMP_SUFFIX = '.taskctl-tmp';

export interface UpdateOptions {
  /** mode of a file created by this write (an existing file keeps its own); default 0600 */
  mode?: number;
  /** default LOCK_WAIT_MS */
  lockWaitMs?: number;
  /** replace a symlink at `file` instead of writing through it (caches: never follow a planted link) */
  noFollow?: boolean;
}

export interface UpdateResult {
  /** the file written (the symlink's target when `path` is a symlink) */
  target: string;
  old: string | null;
  text: string | null;
  changed: boolean;
}

/** Follows symlinks (also dangling ones, so a link to a file not yet created is written through). */
export function resolveTarget(file: string): string {
  let current = path.resolve(file);
  for (let i = 0; i < 40; i++) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(current);
    } catch {
      return current;
    }
    if (!st.isSymbolicLink()) return current;
    current = path.resolve(path.dirname(current), fs.readlinkSync(current));
  }
  throw new ConfigError(`${file}: too many levels of symbolic links`);
}

/**
 * Reads `file` (null when it does not exist), passes its text to `update`, and writes what `update` returns
 * atomically, all under the file's lock. `update` returning null or the same text writes nothing.
 */
export async function updateFileLocked(
  file: string,
  update: (old: string | null) => string | null | Promise<string | null>,
  opts: UpdateOptions = {},
): Promise<UpdateResult> {
  const target = opts.noFollow ? path.resolve(file) : resolveTarget(file);
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const release = await acquireLock(target, file, opts.lockWaitMs ?? LOCK_WAIT_MS);
  try {
    removeStrayTemps(target);
    let old: string | null = null;
    let st: fs.Stats | null = null;
    try {
      if (opts.noFollow && fs.lstatSync(target).isSymbolicLink()) fs.rmSync(target);
      st = fs.statSync(target);
      old = fs.readFileSync(target, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const text = await update(old);
    if (text === null || text === old) return { target, old, text: old, changed: false };
    writeAtomic(target, text, st ? st.mode & 0o7777 : (opts.mode ?? 0o600), st);
    return { target, old, text, changed: true };
  } finally {
    await release();
  }
}

function writeAtomic(target: string, text: string, mode: number, previous: fs.Stats | null): void {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}${TMP_SUFFIX}`);
  // 'wx' = O_CREAT|O_EXCL: fails on anything already there, a planted symlink included
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    try {
      fs.writeFileSync(fd, text);
      fs.fchmodSync(fd, mode);
      // root editing another user's file keeps it theirs
      if (previous && typeof process.getuid === 'function' && (previous.uid !== process.getuid() || previous.gid !== process.getgid?.())) {
        try {
          fs.fchownSync(fd, previous.uid, previous.gid);
        } catch {
          /* not permitted: the file becomes ours, still with its mode */
        }
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Temporary files of writers that were killed before their rename (we hold the lock: no live writer owns one). */
function removeStrayTemps(target: string): void {
  const prefix = `.${path.basename(target)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(target));
  } catch {
    return;
  }
  for (const n of names) {
    if (n.startsWith(prefix) && n.endsWith(TMP_SUFFIX)) fs.rmSync(path.join(path.dirname(target), n), { force: true });
  }
}

/**
 * proper-lockfile rather than a lock of our own: its lock is a directory made with mkdir (atomic, also on
 * network file systems), the holder refreshes its mtime, and a lock that is not refreshed is stale and taken
 * over, so a writer killed with SIGKILL blocks the next one for a few seconds, not forever.
 */
async function acquireLock(target: string, shown: string, waitMs: number): Promise<() => Promise<void>> {
  const { default: lockfile } = await import('proper-lockfile');
  const deadline = Date.now() + waitMs;
  let compromised: Error | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      const release = await lockfile.lock(target, {
        realpath: false,
        stale: LOCK_STALE_MS,
        update: 1_000,
        retries: 0,
        onCompromised: (err) => {
          compromised = err;
        },
      });
      return async () => {
        try {
          await release();
        } catch {
          /* already released or taken over */
        }
        if (compromised) throw new ExitWith(1, `${shown}: the lock was taken over by another writer while writing`);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (Date.now() >= deadline) {
        throw new ExitWith(1, `${shown} is locked by another taskctl (${target}.lock); nothing was changed`, {
          hint: `try again; if no taskctl is running, remove ${target}.lock`,
        });
      }
      await new Promise((r) => setTimeout(r, Math.min(50 + attempt * 10, 200) + Math.floor(Math.random() * 50)));
    }
  }
}

// ---- config files: edits that keep the format ----

export interface ConfigDoc {
  get(keys: string[]): unknown;
  set(keys: string[], value: unknown): void;
  delete(keys: string[]): void;
}

/** JSON or YAML, the way the loader reads it: `.json`, or an extension-less file that starts with `{`. */
export function isJsonConfig(filepath: string, text: string | null): boolean {
  const ext = path.extname(filepath);
  if (ext === '.json') return true;
  if (ext === '.yaml' || ext === '.yml') return false;
  return text !== null && text.trimStart().startsWith('{');
}

/** The indentation a JSON text uses (its first indented line), default two spaces. */
function jsonIndent(text: string): string | number {
  const m = /^\{[^\n]*\n([ \t]+)\S/.exec(text.trimStart());
  if (m) return m[1];
  return text.trim() && !text.includes('\n', text.indexOf('{')) ? 0 : 2;
}

function editJson(filepath: string, text: string | null, edit: (doc: ConfigDoc) => void): string {
  let data: Record<string, unknown> = {};
  if (text !== null && text.trim()) {
    try {
      data = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`${filepath}: cannot edit, the file is not valid JSON (${(err as Error).message})`);
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`${filepath}: cannot edit, the file is not a JSON object`);
  }
  const own = (o: unknown, k: string) => (o && typeof o === 'object' && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined);
  const define = (o: Record<string, unknown>, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  edit({
    get: (keys) => keys.reduce<unknown>((o, k) => own(o, k), data),
    set: (keys, value) => {
      let o = data;
      for (const k of keys.slice(0, -1)) {
        let next = own(o, k);
        if (!next || typeof next !== 'object') define(o, k, (next = {}));
        o = next as Record<string, unknown>;
      }
      define(o, keys[keys.length - 1], value);
    },
    delete: (keys) => {
      let o: unknown = data;
      for (const k of keys.slice(0, -1)) o = own(o, k);
      if (o && typeof o === 'object') delete (o as Record<string, unknown>)[keys[keys.length - 1]];
    },
  });
  const indent = text === null ? 2 : jsonIndent(text);
  const out = JSON.stringify(data, null, indent);
  return text === null || text.endsWith('\n') || text.trim() === '' ? `${out}\n` : out;
}

async function editYaml(filepath: string, text: string | null, edit: (doc: ConfigDoc) => void): Promise<string> {
  const { default: YAML } = await import('yaml');
  const doc = YAML.parseDocument(text ?? '', { keepSourceTokens: false });
  if (doc.errors.length) throw new ConfigError(`${filepath}: cannot edit, the file is not valid YAML (${doc.errors[0].message.split('\n')[0]})`);
  if (!YAML.isMap(doc.contents)) {
    if (doc.contents !== null && !(YAML.isScalar(doc.contents) && doc.contents.value === null)) {
      throw new ConfigError(`${filepath}: cannot edit, the file is not a YAML mapping`);
    }
    doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  }
  const top = doc.contents as unknown as { flow?: boolean; items: unknown[] };
  if (top.flow && top.items.length === 0) top.flow = false;
  edit({
    get: (keys) => {
      const v = doc.getIn(keys);
      return YAML.isNode(v) ? v.toJSON() : v;
    },
    set: (keys, value) => {
      // a scalar changed in place keeps its comment (`openhim: b # the usual one`)
      const node = doc.getIn(keys, true);
      if (YAML.isScalar(node) && (value === null || typeof value !== 'object')) node.value = value;
      else doc.setIn(keys, doc.createNode(value));
    },
    delete: (keys) => {
      doc.deleteIn(keys);
    },
  });
  return doc.toString();
}

/** Applies `edit` to the config file's current content (read under the lock) and writes it back in its format. */
export async function editConfigFile(
  filepath: string,
  edit: (doc: ConfigDoc) => void,
  opts: { env?: NodeJS.ProcessEnv } = {},
): Promise<UpdateResult> {
  const result = await updateFileLocked(filepath, (old) => (isJsonConfig(filepath, old) ? editJson(filepath, old, edit) : editYaml(filepath, old, edit)), { mode: 0o600 });
  if (result.changed && result.old !== null && opts.env) {
    // a project file taskctl rewrote itself stays trusted
    const { carryTrust } = await import('./trust.js');
    await carryTrust(opts.env, filepath, result.old, result.text ?? '');
  }
  return result;
}

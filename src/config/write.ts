/**
 * Editing config files for `profile add|remove|use`: YAML keeps its comments and layout (yaml's
 * Document API), JSON is rewritten. Files are written 0600 in a 0700 directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../errors.js';

export interface EditableConfig {
  filepath: string;
  get(pathKeys: string[]): unknown;
  set(pathKeys: string[], value: unknown): void;
  delete(pathKeys: string[]): void;
  save(): void;
}

export function openForEdit(filepath: string): EditableConfig {
  const exists = fs.existsSync(filepath);
  const text = exists ? fs.readFileSync(filepath, 'utf8') : '';
  const isJson = filepath.endsWith('.json');
  if (isJson) {
    let data: Record<string, unknown> = {};
    try {
      data = text.trim() ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch (err) {
      throw new ConfigError(`${filepath}: cannot edit, the file is not valid JSON (${(err as Error).message})`);
    }
    return {
      filepath,
      get: (keys) => keys.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), data),
      set: (keys, value) => {
        let o = data as Record<string, unknown>;
        for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
        o[keys[keys.length - 1]] = value;
      },
      delete: (keys) => {
        let o = data as Record<string, unknown> | undefined;
        for (const k of keys.slice(0, -1)) o = o?.[k] as Record<string, unknown> | undefined;
        if (o) delete o[keys[keys.length - 1]];
      },
      save: () => writePrivate(filepath, `${JSON.stringify(data, null, 2)}\n`),
    };
  }
  const doc = YAML.parseDocument(text || '{}\n');
  if (doc.errors.length) throw new ConfigError(`${filepath}: cannot edit, the file is not valid YAML (${doc.errors[0].message.split('\n')[0]})`);
  if (!text.trim()) doc.contents = doc.createNode({}) as typeof doc.contents;
  return {
    filepath,
    get: (keys) => {
      const v = doc.getIn(keys);
      return YAML.isNode(v) ? (v as YAML.Node).toJSON() : v;
    },
    set: (keys, value) => doc.setIn(keys, doc.createNode(value)),
    delete: (keys) => {
      doc.deleteIn(keys);
    },
    save: () => writePrivate(filepath, doc.toString()),
  };
}

/** Writes a file readable by its owner only (0600), creating its directory (0700) if needed. */
export function writePrivate(filepath: string, content: string): void {
  fs.mkdirSync(path.dirname(filepath), { recursive: true, mode: 0o700 });
  const tmp = `${filepath}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, filepath);
}

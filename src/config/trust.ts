/**
 * Trust records for project config files (like direnv's `allow` or mise's `trust`): a project file is used
 * only after `taskctl config trust`, which records its absolute path and a SHA-256 of its content in
 * `$XDG_STATE_HOME/taskctl/trust.json` (default ~/.local/state/taskctl, mode 0600). A file whose content
 * changed since is untrusted again. Written through the one locked writer (write.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { updateFileLocked } from './write.js';

export type TrustState = 'trusted' | 'untrusted' | 'changed';

interface TrustRecord {
  sha256: string;
  trustedAt: string;
}
interface TrustStore {
  version: 1;
  files: Record<string, TrustRecord>;
}

/** $XDG_STATE_HOME/taskctl (default ~/.local/state/taskctl) */
export function stateDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(base, 'taskctl');
}

export function trustFile(env: NodeJS.ProcessEnv): string {
  return path.join(stateDir(env), 'trust.json');
}

export function contentHash(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

function parseStore(text: string | null): TrustStore {
  const store: TrustStore = { version: 1, files: Object.create(null) as Record<string, TrustRecord> };
  if (!text) return store;
  try {
    const data = JSON.parse(text) as Partial<TrustStore>;
    if (data && typeof data.files === 'object' && data.files) {
      for (const [k, v] of Object.entries(data.files)) {
        if (v && typeof v.sha256 === 'string') store.files[k] = { sha256: v.sha256, trustedAt: String(v.trustedAt ?? '') };
      }
    }
  } catch {
    /* an unreadable store trusts nothing; the next `config trust` rewrites it */
  }
  return store;
}

function readStore(env: NodeJS.ProcessEnv): TrustStore {
  try {
    return parseStore(fs.readFileSync(trustFile(env), 'utf8'));
  } catch {
    return parseStore(null);
  }
}

/** The key of a file in the store: its absolute path (not resolved through symlinks: the content hash decides). */
export function trustKey(file: string): string {
  return path.resolve(file);
}

export function trustState(env: NodeJS.ProcessEnv, file: string, content: string | Buffer): TrustState {
  const rec = readStore(env).files[trustKey(file)];
  if (!rec) return 'untrusted';
  return rec.sha256 === contentHash(content) ? 'trusted' : 'changed';
}

async function editStore(env: NodeJS.ProcessEnv, edit: (store: TrustStore) => boolean): Promise<void> {
  await updateFileLocked(
    trustFile(env),
    (old) => {
      const store = parseStore(old);
      if (!edit(store)) return null;
      return `${JSON.stringify(store, null, 2)}\n`;
    },
    { mode: 0o600 },
  );
}

export async function trust(env: NodeJS.ProcessEnv, file: string, content: string | Buffer, now = new Date()): Promise<void> {
  const sha256 = contentHash(content);
  await editStore(env, (store) => {
    store.files[trustKey(file)] = { sha256, trustedAt: now.toISOString() };
    return true;
  });
}

/** Returns whether the file had a record. */
export async function untrust(env: NodeJS.ProcessEnv, file: string): Promise<boolean> {
  let had = false;
  await editStore(env, (store) => {
    had = Object.hasOwn(store.files, trustKey(file));
    delete store.files[trustKey(file)];
    return had;
  });
  return had;
}

/** After taskctl rewrote a file it trusted, the new content is trusted too (and only then). */
export async function carryTrust(env: NodeJS.ProcessEnv, file: string, oldText: string, newText: string): Promise<void> {
  const key = trustKey(file);
  if (readStore(env).files[key]?.sha256 !== contentHash(oldText)) return;
  await editStore(env, (store) => {
    const rec = store.files[key];
    if (!rec || rec.sha256 !== contentHash(oldText)) return false;
    store.files[key] = { sha256: contentHash(newText), trustedAt: rec.trustedAt };
    return true;
  });
}

/**
 * Orkes Conductor authentication (providers/conductor.md §2):
 * `POST /api/token {keyId, keySecret}` → `{token}` (a JWT), sent as `X-Authorization: <token>` with no "Bearer".
 *
 * The token is cached in a 0600 file under $XDG_CACHE_HOME/taskctl/ (default ~/.cache/taskctl/, a 0700 directory
 * of ours or no cache at all), one file per server + key id + hash of the key secret (the file name is a hash of
 * those; no secret goes into it), and reused until
 * 5 minutes before the JWT's `exp` (45 minutes when it has none). A 401/403 whose body says EXPIRED_TOKEN or
 * INVALID_TOKEN (or an unparseable 401) re-mints once per process and the request is sent once more.
 * A 404 from /api/token (or a 500 "No static resource api/token.") means Conductor OSS, which has no auth:
 * requests then go out without the header.
 * Under --dry-run no exchange happens; the header shows as `***`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, AuthError } from '../../errors.js';
import type { AuthStrategy, HttpClient, HttpResponse } from '../../http/client.js';
import type { SecretRegistry } from '../../http/redact.js';
import { updateFileLocked } from '../../config/write.js';
import { hostOf, tryJson } from '../errors.js';
import { conductorErrorFor, missingRoutePath, parseErrorBody, TOKEN_ERRORS } from './errors.js';

/** refresh this long before the JWT's exp */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** lifetime assumed for a JWT without exp (the SDKs' 45 minutes) */
export const NO_EXP_TTL_MS = 45 * 60_000;

/** Accepts the server URL with or without a trailing `/api`; returns the base without it. */
export function normaliseBaseUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, '');
  if (/\/api$/i.test(u)) u = u.slice(0, -4).replace(/\/+$/, '');
  return u;
}

/** The JWT's `exp` in epoch ms, read without verifying the signature; null when absent or unreadable. */
export function jwtExpiryMs(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Until when a token minted at `mintedAt` may be reused. */
export function tokenValidUntil(token: string, mintedAt: number): number {
  const exp = jwtExpiryMs(token);
  return exp === null ? mintedAt + NO_EXP_TTL_MS : exp - REFRESH_MARGIN_MS;
}

/** $XDG_CACHE_HOME/taskctl (default ~/.cache/taskctl) */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(env.HOME || os.homedir(), '.cache');
  return path.join(xdg, 'taskctl');
}

export interface CacheKey {
  server: string;
  keyId: string;
  /** a hash of the key secret: a changed secret never reuses a token minted with the old one */
  secretHash: string;
}

export function cacheKeyFor(server: string, keyId: string, keySecret: string): CacheKey {
  return { server, keyId, secretHash: createHash('sha256').update(`taskctl conductor key secret\n${keySecret}`).digest('hex') };
}

/** One file per server + key id + key secret; the name is a hash so nothing about the key shows in it. */
export function cacheFileFor(env: NodeJS.ProcessEnv, key: CacheKey): string {
  const hash = createHash('sha256').update(`${key.server}\n${key.keyId}\n${key.secretHash}`).digest('hex').slice(0, 24);
  return path.join(cacheDir(env), `conductor-token-${hash}.json`);
}

export interface CachedToken extends CacheKey {
  token: string;
  mintedAt: number;
  /** reuse until this time (epoch ms) */
  validUntil: number;
}

/**
 * Whether the cache directory may be used: created 0700 when missing; an existing one must be a real
 * directory (not a symlink) owned by us and closed to group and others. Else: warn, work without the cache.
 */
export function cacheDirUsable(dir: string, warn: (msg: string) => void): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      st = fs.lstatSync(dir);
    } catch (err) {
      warn(`cannot create the token cache ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)}); tokens are used for this run only`);
      return false;
    }
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  const problem = st.isSymbolicLink() ? 'is a symbolic link' : !st.isDirectory() ? 'is not a directory' : st.uid !== uid ? `is owned by another user (uid ${st.uid})` : (st.mode & 0o077) !== 0 ? `is open to other users (mode ${(st.mode & 0o777).toString(8)})` : '';
  if (problem) {
    warn(`the token cache directory ${dir} ${problem}; not using it (tokens are used for this run only; fix: chmod 700 ${dir}, or remove it)`);
    return false;
  }
  return true;
}

/** The token cache file of one server + key id + key secret. Failures to read or write are never fatal. */
export class TokenCache {
  private usable: boolean | undefined;
  constructor(
    readonly file: string,
    private readonly key: CacheKey,
    private readonly now: () => number,
    private readonly warn: (msg: string) => void,
  ) {}

  private get dirOk(): boolean {
    this.usable ??= cacheDirUsable(path.dirname(this.file), this.warn);
    return this.usable;
  }

  read(): CachedToken | null {
    if (!this.dirOk) return null;
    let text: string;
    try {
      // never through a planted symlink
      const fd = fs.openSync(this.file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        const st = fs.fstatSync(fd);
        // a cache readable by others is not trusted (and will be rewritten 0600)
        if (!st.isFile() || (st.mode & 0o077) !== 0) return null;
        text = fs.readFileSync(fd, 'utf8');
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return null;
    }
    let c: Partial<CachedToken>;
    try {
      c = JSON.parse(text) as Partial<CachedToken>;
    } catch {
      return null;
    }
    if (c.server !== this.key.server || c.keyId !== this.key.keyId || c.secretHash !== this.key.secretHash) return null;
    if (typeof c.token !== 'string' || !c.token || typeof c.validUntil !== 'number' || typeof c.mintedAt !== 'number') return null;
    if (this.now() >= c.validUntil) return null;
    return c as CachedToken;
  }

  async write(token: string, mintedAt: number): Promise<void> {
    if (!this.dirOk) return;
    const entry: CachedToken = { ...this.key, token, mintedAt, validUntil: tokenValidUntil(token, mintedAt) };
    try {
      // a fresh temporary file created exclusively, renamed over the cache file (a symlink there is replaced, not followed)
      await updateFileLocked(this.file, () => `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600, noFollow: true });
    } catch (err) {
      this.warn(`could not write the token cache ${this.file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); the token is used for this run only`);
    }
  }

  clear(): void {
    try {
      fs.rmSync(this.file, { force: true });
    } catch {
      /* a stale cache that cannot be removed is replaced on the next write */
    }
  }
}

export interface ConductorAuthOptions {
  keyId?: string;
  keySecret?: string;
  cache: TokenCache | null;
  /** never use a cached token (`profile test`): always mint afresh */
  fresh?: boolean;
  secrets: SecretRegistry;
  now: () => number;
  /** --verbose lines */
  log: (line: string) => void;
}

const authByClient = new WeakMap<HttpClient, ConductorAuth>();

export function authOf(client: HttpClient): ConductorAuth | undefined {
  return authByClient.get(client);
}

export class ConductorAuth implements AuthStrategy {
  /** "token" with a key, "none" without one or on Conductor OSS */
  mode: 'token' | 'none';
  /** true once /api/token answered 404: Conductor OSS, no auth */
  oss = false;
  /** where the token in use came from */
  source: 'cache' | 'minted' | null = null;
  /** number of POST /api/token exchanges in this process */
  mints = 0;
  private client!: HttpClient;
  private token: string | null = null;
  private tokenPromise: Promise<string | null> | null = null;
  private refreshPromise: Promise<void> | null = null;
  private readonly keyId?: string;
  private readonly keySecret?: string;

  constructor(private readonly opts: ConductorAuthOptions) {
    this.keyId = opts.keyId?.trim() || undefined;
    this.keySecret = opts.keySecret?.trim() || undefined;
    this.mode = this.hasKeys ? 'token' : 'none';
  }

  get hasKeys(): boolean {
    return Boolean(this.keyId && this.keySecret);
  }

  /**
   * `client` sends both the requests this strategy authenticates and /api/token. The exchange runs in
   * `prepare()`, which the client calls before a request takes a connection slot (see AuthStrategy).
   */
  bind(client: HttpClient): void {
    this.client = client;
    client.auth = this;
    authByClient.set(client, this);
  }

  /** A word for `profile test`: how requests are authenticated. */
  describe(): string {
    if (this.oss) return 'none (Conductor OSS has no /api/token)';
    if (!this.hasKeys) return 'none (no keyId/keySecret configured)';
    return `X-Authorization token (${this.source === 'cache' ? 'from the cache' : this.source === 'minted' ? 'minted now, cached' : 'not fetched yet'})`;
  }

  async apply(headers: Record<string, string>, req: { dryRun: boolean }): Promise<void> {
    if (!this.hasKeys || this.oss) return;
    if (req.dryRun) {
      // no /api/token exchange under --dry-run: show where the header goes
      headers['x-authorization'] = '***';
      return;
    }
    const token = await this.ensureToken();
    if (token) headers['x-authorization'] = token;
  }

  /** A 401/403 that says the token is expired or invalid: mint once (shared by concurrent requests) and resend. */
  async refresh(res: HttpResponse): Promise<boolean> {
    if (!this.hasKeys || this.oss) return false;
    const body = parseErrorBody(res);
    const tokenProblem = (body.kind === 'auth' && body.code !== undefined && TOKEN_ERRORS.has(body.code) && body.code !== 'ERROR_WHILE_FETCHING') ||
      (res.status === 401 && (body.kind === 'text' || body.kind === 'empty'));
    if (!tokenProblem) return false;
    if (!this.refreshPromise) {
      this.opts.log(`* token: ${body.code ?? 'refused'}; minting a new one`);
      this.refreshPromise = (async () => {
        this.opts.cache?.clear();
        this.token = null;
        this.tokenPromise = this.mint();
        await this.tokenPromise;
      })();
    }
    await this.refreshPromise;
    return true;
  }

  /**
   * Gets the token now (cache or exchange) rather than with the first request, so a caller learns early
   * whether the server is Conductor OSS (`oss`). Nothing happens without a key or under --dry-run.
   */
  async prepare(dryRun: boolean): Promise<void> {
    if (this.hasKeys && !this.oss && !dryRun) await this.ensureToken();
  }

  /** The token to send: the one in use, else the cached one, else a fresh one. null on OSS. */
  ensureToken(): Promise<string | null> {
    if (this.token) return Promise.resolve(this.token);
    if (!this.tokenPromise) {
      const cached = this.opts.fresh ? null : this.opts.cache?.read();
      if (cached) {
        this.opts.secrets.add(cached.token);
        this.token = cached.token;
        this.source = 'cache';
        this.opts.log(`* token: from the cache (valid until ${new Date(cached.validUntil).toISOString()})`);
        return Promise.resolve(this.token);
      }
      this.tokenPromise = this.mint();
      // a refused key stays refused for the rest of the run; other failures (network) may be tried again
      this.tokenPromise.catch((err: unknown) => {
        if (!(err instanceof AuthError)) this.tokenPromise = null;
      });
    }
    return this.tokenPromise;
  }

  private async mint(): Promise<string | null> {
    this.mints++;
    const res = await this.client.request({ method: 'POST', path: '/api/token', json: { keyId: this.keyId, keySecret: this.keySecret }, auth: false });
    // OSS has no /api/token: a 404 in any shape, or a 500 "No static resource api/token." (§6, §7)
    if (res.status === 404 || missingRoutePath(res) !== undefined) {
      this.oss = true;
      this.mode = 'none';
      this.opts.log(`* token: /api/token answered ${res.status} (no such route): Conductor OSS, sending no credentials`);
      return null;
    }
    if (res.status === 401 || res.status === 403) {
      const body = parseErrorBody(res);
      throw new AuthError(`${hostOf(res)} refused the application key "${this.keyId}"`, {
        status: res.status,
        serverMessage: body.message,
        hint: 'check keyId and keySecret (CONDUCTOR_AUTH_KEY, CONDUCTOR_AUTH_SECRET); the key may have been deleted or disabled',
      });
    }
    if (res.status < 200 || res.status >= 300) throw conductorErrorFor(res, 'POST /api/token (getting a token)', this.client);
    const body = tryJson(res) as { token?: unknown } | undefined;
    const token = typeof body?.token === 'string' && body.token ? body.token : null;
    if (!token) throw new ApiError(`POST /api/token on ${hostOf(res)} answered ${res.status} without a token`, { status: res.status, hint: 'is the URL an Orkes Conductor server?' });
    this.opts.secrets.add(token);
    const mintedAt = this.opts.now();
    await this.opts.cache?.write(token, mintedAt);
    this.token = token;
    this.source = 'minted';
    this.opts.log(`* token: minted (reused until ${new Date(tokenValidUntil(token, mintedAt)).toISOString()})`);
    return token;
  }
}

/**
 * OpenHIM admin API authentication (providers/openhim.md §2):
 * - basic: `Authorization: Basic base64(email:password)` (5.1+, on by default from 7.1)
 * - token: legacy scheme, all versions. One public `GET /authenticate/:email` per process gives the
 *   user's salt and the server time; then per request a fresh random `auth-salt`, `auth-ts` = ISO time
 *   corrected by the server's clock offset, `auth-token` = sha512(sha512(salt + password) + auth-salt + auth-ts).
 * - session: `POST /authenticate/local`, then the `koa.sess` + `koa.sess.sig` cookies (7.2+)
 * - auto: basic; on 401 token, remembered for the rest of the process.
 */
import { AuthError, NetworkError } from '../../errors.js';
import type { AuthStrategy, HttpClient, HttpResponse } from '../../http/client.js';
import type { SecretRegistry } from '../../http/redact.js';
import { shortText } from '../errors.js';

export type AuthMode = 'basic' | 'token' | 'session' | 'auto';

/** node:crypto, loaded on first use: basic and session auth never need it (it is a large module). */
function crypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto');
}

export function sha512hex(s: string): string {
  return crypto().createHash('sha512').update(s, 'utf8').digest('hex');
}

/** The legacy token formula. */
export function tokenHeaders(input: { username: string; passwordHash: string; salt: string; ts: string }): Record<string, string> {
  return {
    'auth-username': input.username,
    'auth-ts': input.ts,
    'auth-salt': input.salt,
    'auth-token': sha512hex(input.passwordHash + input.salt + input.ts),
  };
}

export interface OpenhimCredentials {
  username: string;
  password: string;
}

/** The one auth strategy object the client uses; `mode` says which scheme is in effect. */
export class OpenhimAuth implements AuthStrategy {
  /** the scheme in effect now (auto starts as basic) */
  mode: 'basic' | 'token' | 'session';
  /** every scheme tried so far, for the 401 message */
  readonly tried: string[] = [];
  private client!: HttpClient;
  private tokenInit?: Promise<{ passwordHash: string; offsetMs: number }>;
  private sessionInit?: Promise<string>;
  /** server time minus local time, when known (from /authenticate or /heartbeat) */
  offsetMs?: number;
  private readonly basicHeader: string;

  constructor(
    readonly configured: AuthMode,
    private readonly creds: OpenhimCredentials,
    private readonly secrets: SecretRegistry,
    private readonly now: () => number,
  ) {
    this.mode = configured === 'auto' ? 'basic' : configured;
    this.tried.push(this.mode);
    const basic = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
    secrets.add(basic);
    this.basicHeader = `Basic ${basic}`;
  }

  bind(client: HttpClient): void {
    this.client = client;
  }

  /** the one exchange of the run (token: GET /authenticate; session: POST /authenticate/local) */
  async prepare(): Promise<void> {
    if (this.mode === 'token') await this.initToken();
    else if (this.mode === 'session') await this.initSession();
  }

  async apply(headers: Record<string, string>, req: { url: URL; dryRun: boolean }): Promise<void> {
    if (this.mode === 'basic') {
      headers.authorization = this.basicHeader;
      return;
    }
    if (this.mode === 'token') {
      if (req.dryRun) {
        // no /authenticate exchange under --dry-run: show the headers' shape only
        Object.assign(headers, { 'auth-username': this.creds.username, 'auth-ts': new Date(this.now()).toISOString(), 'auth-salt': '<random>', 'auth-token': '***' });
        return;
      }
      const { passwordHash, offsetMs } = await this.initToken();
      const ts = new Date(this.now() + offsetMs).toISOString();
      Object.assign(headers, tokenHeaders({ username: this.creds.username, passwordHash, salt: crypto().randomBytes(16).toString('hex'), ts }));
      return;
    }
    if (req.dryRun) {
      headers.cookie = 'koa.sess=***; koa.sess.sig=***';
      return;
    }
    headers.cookie = await this.initSession();
  }

  /**
   * auto mode: a 401 to a Basic request switches to token once, for the rest of the process, and that
   * request is sent again with token headers. Requests that were already on their way with Basic when
   * another one switched are sent again too; a 401 to a token request is final.
   */
  async refresh(res: HttpResponse, sent: Readonly<Record<string, string>>): Promise<boolean> {
    if (res.status !== 401 || this.configured !== 'auto' || !sent.authorization?.startsWith('Basic ')) return false;
    if (this.mode === 'basic') {
      this.mode = 'token';
      this.tried.push('token');
    }
    return true;
  }

  private initToken(): Promise<{ passwordHash: string; offsetMs: number }> {
    if (!this.tokenInit) {
      this.tokenInit = (async () => {
        const sent = this.now();
        const res = await this.client.request({ method: 'GET', path: `/authenticate/${encodeURIComponent(this.creds.username)}`, auth: false });
        const received = this.now();
        if (res.status === 404) {
          const passportless = /token passport/i.test(res.text);
          throw new AuthError(
            passportless
              ? `OpenHIM has no token login for ${this.creds.username} (users created or given a password through the 7.2+ API have none)`
              : `OpenHIM knows no user ${this.creds.username}`,
            {
              status: 401,
              serverMessage: shortText(res.text),
              hint: passportless ? 'use auth: basic or session for this user' : 'check the username (OPENHIM_USERNAME or the profile)',
            },
          );
        }
        let body: { salt?: unknown; ts?: unknown };
        try {
          body = JSON.parse(res.text) as typeof body;
        } catch {
          body = {};
        }
        if (res.status !== 200 || typeof body.salt !== 'string' || typeof body.ts !== 'string') {
          throw new NetworkError(`unexpected answer from GET /authenticate (${res.status})`, { serverMessage: shortText(res.text), hint: 'is the URL an OpenHIM core API?' });
        }
        const serverTime = Date.parse(body.ts);
        const offsetMs = Number.isNaN(serverTime) ? 0 : Math.round(serverTime - (sent + received) / 2);
        this.offsetMs = offsetMs;
        const passwordHash = sha512hex(body.salt + this.creds.password);
        this.secrets.add(passwordHash);
        return { passwordHash, offsetMs };
      })();
    }
    return this.tokenInit;
  }

  private initSession(): Promise<string> {
    if (!this.sessionInit) {
      this.sessionInit = (async () => {
        const res = await this.client.request({
          method: 'POST',
          path: '/authenticate/local',
          json: { username: this.creds.username, password: this.creds.password },
          auth: false,
        });
        if (res.status !== 200) {
          throw new AuthError(`session login refused for ${this.creds.username} (${res.status})`, {
            status: res.status,
            serverMessage: shortText(res.text),
            hint: 'session login needs OpenHIM 7.2+; for 4.x use auth: token',
          });
        }
        const cookies = (res.headers['set-cookie'] as string[] | undefined) ?? [];
        const pairs = cookies.map((c) => c.split(';')[0].trim()).filter((c) => /^koa\.sess(\.sig)?=/.test(c));
        if (pairs.length === 0) throw new AuthError('session login answered without a session cookie', { status: res.status });
        for (const p of pairs) this.secrets.add(p.slice(p.indexOf('=') + 1));
        return pairs.join('; ');
      })();
    }
    return this.sessionInit;
  }
}

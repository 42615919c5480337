/** What each provider contributes to the shared commands (`api`, `profile test`) and to its own tree. */
import type { Context } from '../context.js';
import type { ResolvedProfile } from '../config/resolve.js';
import type { HttpClient, HttpResponse } from '../http/client.js';
import type { TaskctlError } from '../errors.js';

export interface ProviderModule {
  /** an authenticated client for the profile this command uses */
  connect(ctx: Context, opts?: { timeoutMs?: number }): Promise<HttpClient>;
  /** a non-2xx response as the typed error, with the server's own message; `client` is the one that sent it */
  errorFor(res: HttpResponse, what?: string, client?: HttpClient): TaskctlError;
  /** `profile test`: checks reachability and credentials; returns facts to print */
  test(ctx: Context, profile: ResolvedProfile): Promise<Record<string, unknown>>;
  /** a warning about a response `api` printed (e.g. OpenHIM's "User Authenticated Successfully" trap) */
  apiWarning?(res: HttpResponse): string | undefined;
}

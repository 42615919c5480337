/**
 * Spaaza Services API authentication (providers/spaaza.md §2): privileged authentication,
 * `Authorization: Bearer <access_token_id>:<token_secret>` on every request. Stateless: no exchange,
 * nothing cached. The whole header value is a credential (the id is half of it), so the pair is
 * registered for scrubbing and the header always prints as `Bearer ***`.
 *
 * Admin-session auth (X-Spaaza-Session-* headers after an interactive, possibly 2FA, login on the core
 * API) is not supported: it is interactive and not in the contract.
 */
import type { AuthStrategy } from '../../http/client.js';
import type { SecretRegistry } from '../../http/redact.js';

export interface SpaazaCredentials {
  tokenId: string;
  tokenSecret: string;
}

/** The header value for a privileged request. */
export function bearerValue(creds: SpaazaCredentials): string {
  return `Bearer ${creds.tokenId}:${creds.tokenSecret}`;
}

export class SpaazaAuth implements AuthStrategy {
  readonly mode = 'bearer';

  constructor(
    private readonly creds: SpaazaCredentials,
    secrets: SecretRegistry,
  ) {
    secrets.add(`${creds.tokenId}:${creds.tokenSecret}`);
    secrets.add(creds.tokenSecret);
  }

  async apply(headers: Record<string, string>): Promise<void> {
    // under --dry-run too: the client prints it redacted as "Bearer ***"
    headers.authorization = bearerValue(this.creds);
  }
}

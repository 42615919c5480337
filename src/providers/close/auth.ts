/**
 * Close authentication (providers/close.md §1): HTTP Basic with the API key as the user name and an
 * EMPTY password, i.e. `Authorization: Basic base64("<apiKey>:")` (curl `-u key:`). Stateless: no
 * exchange, so --dry-run shows the header's shape with the value as `***`.
 */
import type { AuthStrategy } from '../../http/client.js';
import type { SecretRegistry } from '../../http/redact.js';

/** The header value for an API key. */
export function basicAuthHeader(apiKey: string): string {
  return `Basic ${Buffer.from(`${apiKey}:`, 'utf8').toString('base64')}`;
}

export class CloseAuth implements AuthStrategy {
  readonly mode = 'basic';
  private readonly header: string;

  constructor(apiKey: string, secrets: SecretRegistry) {
    this.header = basicAuthHeader(apiKey);
    // the base64 form is as secret as the key itself
    secrets.add(apiKey);
    secrets.add(this.header.slice('Basic '.length));
  }

  async apply(headers: Record<string, string>): Promise<void> {
    headers.authorization = this.header;
  }
}

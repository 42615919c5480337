/** The `api` command's declaration, shared by the four provider trees. */
import type { CommandSpec } from '../types.js';
import type { Provider } from '../../config/providers.js';

export function apiSpec(provider: Provider, examples: string[]): CommandSpec {
  return {
    name: 'api',
    summary: 'send one authenticated request (the raw escape hatch)',
    description:
      'Send one request with the profile\'s authentication and TLS settings and print the response body\n' +
      '(pretty JSON when JSON, raw otherwise). The exit code follows the HTTP status: 2xx → 0,\n' +
      '401/403 → 4, 404 → 5, other → 1. Credentials are never taken from -H.',
    provider,
    args: ['<method>', '<path>'],
    argDescriptions: { method: 'GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS', path: 'path below the profile URL, e.g. /tasks' },
    options: [
      { flags: '--data <json>', description: 'request body (JSON), given inline' },
      { flags: '--input <file>', description: 'request body from a file; - reads standard input' },
      { flags: '-H, --header <line>', description: "extra header 'Name: value' (repeatable)", parse: 'collect' },
      { flags: '-q, --param <key=value>', description: 'query parameter (repeatable)', parse: 'collect' },
      { flags: '-i, --include', description: 'print the status line and response headers before the body' },
    ],
    examples,
    load: () => import('./api.js'),
  };
}

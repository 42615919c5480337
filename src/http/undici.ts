/**
 * The parts of undici taskctl uses: Agent, EnvHttpProxyAgent and the `request` API, imported from
 * their own modules. undici's index also loads fetch, WebSocket, EventSource, caches and mocks, which
 * roughly doubles the code every command would parse at start-up.
 */
import v8 from 'node:v8';
import type { Dispatcher, Agent as AgentType } from 'undici';

// undici parses HTTP/1.1 with llhttp compiled to WebAssembly. V8 first compiles it with its baseline
// compiler (Liftoff), then re-compiles the whole module with TurboFan on background threads, and the
// process cannot exit until that is done: ~130 ms added to every run for parsing a few kilobytes.
// Baseline code is plenty for a command-line client. Set before the first request compiles the module.
v8.setFlagsFromString('--liftoff-only');
// @ts-expect-error -- undici ships no types for its internal modules; the public types below describe them
import AgentImpl from 'undici/lib/dispatcher/agent.js';
// @ts-expect-error -- see above
import requestImpl from 'undici/lib/api/api-request.js';

export const Agent = AgentImpl as typeof AgentType;

type RequestOptions = { dispatcher: Dispatcher } & Omit<Dispatcher.RequestOptions, 'origin' | 'path'>;

/** undici.request() without the package index: the dispatcher is required. */
export function request(url: URL, opts: RequestOptions): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = opts;
  return (requestImpl as (this: Dispatcher, o: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>).call(dispatcher, {
    ...rest,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
  } as Dispatcher.RequestOptions);
}

/** Loaded only when a proxy variable is set. */
export async function loadEnvHttpProxyAgent(): Promise<typeof import('undici').EnvHttpProxyAgent> {
  // ProxyAgent opens its tunnels with dispatcher.connect(), one of the API methods undici's index
  // installs on Dispatcher.prototype; do what the index does, here where it is needed.
  // @ts-expect-error -- see above
  const [{ default: Dispatcher }, { default: api }, mod] = await Promise.all([import('undici/lib/dispatcher/dispatcher.js'), import('undici/lib/api/index.js'), import('undici/lib/dispatcher/env-http-proxy-agent.js')]);
  Object.assign((Dispatcher as { prototype: object }).prototype, api);
  return (mod.default ?? mod) as typeof import('undici').EnvHttpProxyAgent;
}

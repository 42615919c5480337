/**
 * One undici dispatcher per process (per TLS setting): keep-alive, a connection limit from
 * --concurrency, TLS from the profile or flags, timeouts from --timeout, and HTTP(S)_PROXY/NO_PROXY.
 */
import fs from 'node:fs';
import type { Dispatcher } from 'undici';
import { Agent, loadEnvHttpProxyAgent } from './undici.js';
import { ConfigError } from '../errors.js';

export interface TransportOptions {
  ca?: string;
  /** where `ca` came from (`--ca`, `TASKCTL_CA`, a profile's "ca"), named when the file is unusable */
  caSource?: string;
  insecure: boolean;
  connections: number;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
}

const dispatchers = new Map<string, Promise<Dispatcher>>();

export function getDispatcher(opts: TransportOptions): Promise<Dispatcher> {
  const key = `${opts.ca ?? ''}|${opts.insecure}`;
  let d = dispatchers.get(key);
  if (!d) {
    d = createDispatcher(opts);
    dispatchers.set(key, d);
  }
  return d;
}

async function createDispatcher(opts: TransportOptions): Promise<Dispatcher> {
  let ca: string[] | undefined;
  if (opts.ca) {
    let pem: string;
    try {
      pem = fs.readFileSync(opts.ca, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read CA file ${opts.ca}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { hint: `check ${opts.caSource ?? '--ca or the profile\'s "ca"'}` });
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`CA file ${opts.ca} holds no PEM certificate`, { hint: `check ${opts.caSource ?? '--ca or the profile\'s "ca"'}` });
    // "in addition to the system store": Node's `ca` option replaces the defaults otherwise
    ca = [...process.getBuiltinModule('node:tls').rootCertificates, pem];
  }
  const options = {
    connections: Math.max(1, opts.connections),
    keepAliveTimeout: 10_000,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    connect: { timeout: opts.timeoutMs, rejectUnauthorized: !opts.insecure, ...(ca ? { ca } : {}) },
  };
  const env = opts.env;
  const proxied = env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy;
  const EnvHttpProxyAgent = proxied ? await loadEnvHttpProxyAgent() : undefined;
  return EnvHttpProxyAgent
    ? new EnvHttpProxyAgent({
        ...options,
        httpProxy: env.HTTP_PROXY || env.http_proxy,
        httpsProxy: env.HTTPS_PROXY || env.https_proxy,
        noProxy: env.NO_PROXY ?? env.no_proxy,
      })
    : new Agent(options);
}

/** Closes every dispatcher so the process can exit without waiting for keep-alive sockets. */
export async function closeDispatchers(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.allSettled(all.map(async (d) => (await d).destroy()));
}

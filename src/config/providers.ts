/**
 * What each provider's profile holds: its fields, which one is the secret, and which environment
 * variables override which field. Shared by the schema, the resolver, `profile show` and `profile add`.
 * Loaded at start-up by `profile` commands only; no heavy imports here.
 */

export const PROVIDERS = ['openhim', 'conductor', 'close', 'spaaza'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface ProviderFacts {
  /** profile fields in display order */
  fields: string[];
  /** the one field holding the secret (password, keySecret, apiKey, tokenSecret) */
  secret: string;
  /** env var → profile field; these work without any config file */
  env: Record<string, string>;
  /** the env var that, alone, makes an env-only profile possible */
  urlEnv: string;
  /** default values where the contract has one */
  defaults: Record<string, unknown>;
  /** fields required before a request can be made */
  required: string[];
}

export const PROVIDER_FACTS: Record<Provider, ProviderFacts> = {
  openhim: {
    fields: ['url', 'username', 'password', 'auth', 'ca', 'insecure'],
    secret: 'password',
    env: { OPENHIM_URL: 'url', OPENHIM_USERNAME: 'username', OPENHIM_PASSWORD: 'password', OPENHIM_AUTH: 'auth' },
    urlEnv: 'OPENHIM_URL',
    defaults: { auth: 'auto', insecure: false },
    required: ['url', 'username', 'password'],
  },
  conductor: {
    fields: ['url', 'keyId', 'keySecret', 'ca', 'insecure'],
    secret: 'keySecret',
    env: { CONDUCTOR_SERVER_URL: 'url', CONDUCTOR_AUTH_KEY: 'keyId', CONDUCTOR_AUTH_SECRET: 'keySecret' },
    urlEnv: 'CONDUCTOR_SERVER_URL',
    defaults: { insecure: false },
    // keys are optional: Conductor OSS has no auth
    required: ['url'],
  },
  close: {
    fields: ['url', 'apiKey', 'ca', 'insecure'],
    secret: 'apiKey',
    env: { CLOSE_URL: 'url', CLOSE_API_KEY: 'apiKey' },
    urlEnv: 'CLOSE_API_KEY',
    defaults: { url: 'https://api.close.com', insecure: false },
    required: ['url', 'apiKey'],
  },
  spaaza: {
    fields: ['url', 'tokenId', 'tokenSecret', 'chain', 'ca', 'insecure'],
    secret: 'tokenSecret',
    env: { SPAAZA_URL: 'url', SPAAZA_TOKEN_ID: 'tokenId', SPAAZA_TOKEN_SECRET: 'tokenSecret', SPAAZA_CHAIN: 'chain' },
    urlEnv: 'SPAAZA_URL',
    defaults: { insecure: false },
    required: ['url', 'tokenId', 'tokenSecret'],
  },
};

export function isProvider(s: string): s is Provider {
  return (PROVIDERS as readonly string[]).includes(s);
}

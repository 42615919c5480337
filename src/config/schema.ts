/**
 * The config file's schema (zod). Two passes: `fileSchema` checks the whole file's shape with
 * `${VAR}` placeholders still in place (so an unset variable in another profile is no error), and
 * `profileSchemas` checks the one profile in use after interpolation and env overrides.
 */
import { z } from 'zod';
import { PROVIDERS, type Provider } from './providers.js';

const placeholder = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;
/** a string that may still hold ${VAR} placeholders */
const str = z.string();
/** booleans and numbers may also be written as a ${VAR} placeholder */
const boolish = z.union([z.boolean(), z.string().regex(placeholder, 'expected a boolean')]);
const intish = z.union([z.number().int(), z.string().regex(/^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|\d+)$/, 'expected an integer')]);

const common = { url: str, ca: str.optional(), insecure: boolish.optional() };

const rawProfiles = {
  openhim: z.strictObject({
    provider: z.literal('openhim'),
    ...common,
    username: str.optional(),
    password: str.optional(),
    auth: z.union([z.enum(['basic', 'token', 'session', 'auto']), z.string().regex(placeholder)]).optional(),
  }),
  conductor: z.strictObject({ provider: z.literal('conductor'), ...common, keyId: str.optional(), keySecret: str.optional() }),
  close: z.strictObject({ provider: z.literal('close'), ...common, url: str.optional(), apiKey: str.optional() }),
  spaaza: z.strictObject({
    provider: z.literal('spaaza'),
    ...common,
    tokenId: str.optional(),
    tokenSecret: str.optional(),
    chain: intish.optional(),
  }),
};

export const rawProfileSchema = z.discriminatedUnion('provider', [
  rawProfiles.openhim,
  rawProfiles.conductor,
  rawProfiles.close,
  rawProfiles.spaaza,
]);

export const fileSchema = z.strictObject({
  defaults: z.partialRecord(z.enum(PROVIDERS), z.string()).optional(),
  profiles: z.record(z.string(), z.unknown()).optional(),
});

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** After interpolation + env overrides: the types every command relies on. */
export const profileSchemas: Record<Provider, z.ZodType> = {
  openhim: z.object({
    url,
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    auth: z.enum(['basic', 'token', 'session', 'auto']),
    ca: z.string().optional(),
    insecure: z.boolean(),
  }),
  conductor: z.object({
    url,
    keyId: z.string().optional(),
    keySecret: z.string().optional(),
    ca: z.string().optional(),
    insecure: z.boolean(),
  }),
  close: z.object({ url, apiKey: z.string().optional(), ca: z.string().optional(), insecure: z.boolean() }),
  spaaza: z.object({
    url,
    tokenId: z.string().optional(),
    tokenSecret: z.string().optional(),
    chain: z.coerce.number().int().positive().optional(),
    ca: z.string().optional(),
    insecure: z.boolean(),
  }),
};

/** "profiles.local.auth: expected one of basic|token|session|auto, received "bsic"" */
export function describeIssue(issue: z.core.$ZodIssue, prefix: string, input: unknown, secretKeys: ReadonlySet<string> = new Set()): string {
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  let received: unknown = input;
  for (const key of issue.path) {
    received = received && typeof received === 'object' ? (received as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  }
  let what = issue.message;
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue) {
    what = `expected provider to be one of ${PROVIDERS.join('|')}`;
    const at = issue.path.length ? path : `${path}.provider`;
    const value = issue.path.length ? received : (received as Record<string, unknown>)?.provider;
    return `${at}: ${what}, received ${value === undefined ? 'nothing' : JSON.stringify(value)}`;
  }
  if (issue.code === 'invalid_value') {
    what = `expected one of ${issue.values.map(String).join('|')}`;
  }
  const last = String(issue.path[issue.path.length - 1] ?? '');
  const shown = received === undefined ? 'nothing' : secretKeys.has(last) ? '***' : JSON.stringify(received);
  return `${path}: ${what}, received ${shown}`;
}

/**
 * The config file's schema (zod, in its "mini" build: the same validation, a fraction of the start-up
 * cost). Two passes: `rawProfileSchema` checks each profile's shape with `${VAR}` placeholders still in
 * place (so an unset variable in another profile is no error), and `profileSchemas` checks the one
 * profile in use after interpolation and env overrides.
 */
import '../zod-en.js';
import * as z from 'zod/mini';
import { PROVIDERS, type Provider } from './providers.js';

const placeholder = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;
/** a string that may still hold ${VAR} placeholders */
const str = z.string();
const opt = <T extends z.core.SomeType>(t: T) => z.optional(t);
/** booleans and numbers may also be written as a ${VAR} placeholder */
const boolish = z.union([z.boolean(), z.string().check(z.regex(placeholder, 'expected a boolean'))]);
const intish = z.union([z.int(), z.string().check(z.regex(/^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|\d+)$/, 'expected an integer'))]);

const common = { url: str, ca: opt(str), insecure: opt(boolish) };

export const rawProfileSchema = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('openhim'),
    ...common,
    username: opt(str),
    password: opt(str),
    auth: opt(z.union([z.enum(['basic', 'token', 'session', 'auto']), z.string().check(z.regex(placeholder))])),
  }),
  z.strictObject({ provider: z.literal('conductor'), ...common, keyId: opt(str), keySecret: opt(str) }),
  z.strictObject({ provider: z.literal('close'), ...common, url: opt(str), apiKey: opt(str) }),
  z.strictObject({ provider: z.literal('spaaza'), ...common, tokenId: opt(str), tokenSecret: opt(str), chain: opt(intish) }),
]);

export const fileSchema = z.strictObject({
  defaults: opt(z.partialRecord(z.enum(PROVIDERS), z.string())),
  profiles: opt(z.record(z.string(), z.unknown())),
});

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const tls = { ca: opt(z.string()), insecure: z.boolean() };

/** After interpolation + env overrides: the types every command relies on. */
export const profileSchemas: Record<Provider, z.ZodMiniType> = {
  openhim: z.object({ url, username: opt(z.string().check(z.minLength(1))), password: opt(z.string()), auth: z.enum(['basic', 'token', 'session', 'auto']), ...tls }),
  conductor: z.object({ url, keyId: opt(z.string()), keySecret: opt(z.string()), ...tls }),
  close: z.object({ url, apiKey: opt(z.string()), ...tls }),
  spaaza: z.object({
    url,
    tokenId: opt(z.string()),
    tokenSecret: opt(z.string()),
    chain: opt(z.coerce.number().check(z.int(), z.positive())),
    ...tls,
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
  if (issue.code === 'invalid_type') what = `expected ${issue.expected}`;
  if (issue.code === 'invalid_union') what = 'expected ' + (issue.errors.flat().map((e) => (e.code === 'invalid_type' ? e.expected : e.message)).join(' or ') || 'another value');
  const last = String(issue.path[issue.path.length - 1] ?? '');
  const shown = received === undefined ? 'nothing' : secretKeys.has(last) ? '***' : JSON.stringify(received);
  return `${path}: ${what}, received ${shown}`;
}

/**
 * The legacy OpenHIM token formula, checked against answers computed independently with coreutils'
 * sha512sum for the root user's known credentials (salt d9bcb40e-…, password openhim-password).
 */
import { describe, expect, it } from 'vitest';
import { sha512hex, tokenHeaders } from '../../src/providers/openhim/auth.js';

const ROOT_SALT = 'd9bcb40e-ae65-478f-962e-5e5e5e7d0a01';
// printf '%s' "${salt}openhim-password" | sha512sum
const ROOT_PASSWORD_HASH =
  '943a856bba65aad6c639d5c8d4a11fc8bb7fe9de62ae307aec8cf6ae6c1faab722127964c71db4bdd2ea2cdf60c6e4094dcad54d4522ab2839b65ae98100d0fb';
// printf '%s' "${hash}0123456789abcdef0123456789abcdef2026-11-24T04:33:42.711Z" | sha512sum
const EXPECTED_TOKEN =
  'd477c4a67990c12f5a3669cf8246340ff5e005293fb4e2576793b7f4b8300ceb71bbf2ba16157634ece118d6aaed399517cdde049f2905fc2169d87d23a3e2b3';

describe('OpenHIM token auth formula', () => {
  it('passwordHash = sha512(salt + password) for root', () => {
    expect(sha512hex(ROOT_SALT + 'openhim-password')).toBe(ROOT_PASSWORD_HASH);
  });

  it('auth-token = sha512(passwordHash + auth-salt + auth-ts), with the four headers', () => {
    const h = tokenHeaders({ username: 'root@openhim.org', passwordHash: ROOT_PASSWORD_HASH, salt: '0123456789abcdef0123456789abcdef', ts: '2026-11-24T04:33:42.711Z' });
    expect(h).toEqual({
      'auth-username': 'root@openhim.org',
      'auth-ts': '2026-11-24T04:33:42.711Z',
      'auth-salt': '0123456789abcdef0123456789abcdef',
      'auth-token': EXPECTED_TOKEN,
    });
  });

  it('a different nonce or time gives a different token', () => {
    const base = { username: 'root@openhim.org', passwordHash: ROOT_PASSWORD_HASH, salt: '0123456789abcdef0123456789abcdef', ts: '2026-11-24T04:33:42.711Z' };
    expect(tokenHeaders({ ...base, salt: 'ffff' })['auth-token']).not.toBe(EXPECTED_TOKEN);
    expect(tokenHeaders({ ...base, ts: '2026-11-24T04:33:42.712Z' })['auth-token']).not.toBe(EXPECTED_TOKEN);
  });
});

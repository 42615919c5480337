/** Profile selection precedence, env overrides, ${VAR} rules and source reporting (pure functions). */
import { describe, expect, it } from 'vitest';
import { resolveProfile, selectProfileName, requireFields } from '../../src/config/resolve.js';
import { holdsLiteralSecret, mergeFiles, type ConfigFile, type LoadedConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const profiles = {
  local: { provider: 'openhim', url: 'https://localhost:8080/', username: 'root@openhim.org', password: '${OPENHIM_PW}', ca: './core.pem' },
  staging: { provider: 'openhim', url: 'https://staging:8080', username: 'ops@example.org', password: '${STAGING_PW}' },
  orkes: { provider: 'conductor', url: 'https://developer.orkescloud.com', keyId: 'k', keySecret: '${NEVER_SET}' },
  exports: { provider: 'spaaza', url: 'https://services-test01.spaaza.com', tokenId: 'id', tokenSecret: 'literal-secret', chain: 1764 },
};
const file: ConfigFile = {
  filepath: '/etc/x/.openhimrc',
  role: 'explicit',
  dir: '/etc/x',
  mode: 0o600,
  trust: 'always',
  defaults: { openhim: 'local' },
  profiles,
  content: Buffer.from(''),
  warnings: [],
};
const config: LoadedConfig = mergeFiles([file])!;

describe('selectProfileName', () => {
  it('uses --profile, then TASKCTL_PROFILE of the same provider, then defaults, then the only profile', () => {
    expect(selectProfileName(config, { provider: 'openhim', flag: 'staging', env: {} })).toBe('staging');
    expect(selectProfileName(config, { provider: 'openhim', env: { TASKCTL_PROFILE: 'staging' } })).toBe('staging');
    expect(selectProfileName(config, { provider: 'openhim', env: { TASKCTL_PROFILE: 'orkes' } })).toBe('local');
    expect(selectProfileName(config, { provider: 'openhim', env: {} })).toBe('local');
    expect(selectProfileName(config, { provider: 'conductor', env: {} })).toBe('orkes');
  });

  it('refuses a --profile of another provider and an unknown name with exit 3', () => {
    expect(() => selectProfileName(config, { provider: 'openhim', flag: 'orkes', env: {} })).toThrow(/is a conductor profile, not openhim/);
    expect(() => selectProfileName(config, { provider: 'openhim', flag: 'nope', env: {} })).toThrow(ConfigError);
    expect(() => selectProfileName(config, { provider: 'close', env: {} })).toThrow(/no close profile/);
  });

  it('falls back to environment variables alone when no file profile exists', () => {
    expect(selectProfileName(null, { provider: 'close', env: { CLOSE_API_KEY: 'k' } })).toBeNull();
    expect(selectProfileName(config, { provider: 'close', env: { CLOSE_API_KEY: 'k' } })).toBeNull();
  });
});

describe('resolveProfile', () => {
  it('interpolates ${VAR} only in the profile in use, applies env overrides and reports sources', () => {
    // orkes has an unset ${NEVER_SET}: no error while resolving another profile
    const p = resolveProfile(config, 'local', 'openhim', { OPENHIM_PW: 'pw', OPENHIM_AUTH: 'token' });
    expect(p.values).toMatchObject({ url: 'https://localhost:8080', username: 'root@openhim.org', password: 'pw', auth: 'token', insecure: false, ca: '/etc/x/core.pem' });
    expect(p.fields.password.source).toBe('/etc/x/.openhimrc (${OPENHIM_PW})');
    expect(p.fields.auth.source).toBe('env:OPENHIM_AUTH');
    expect(p.fields.insecure.source).toBe('default');
    expect(p.secret).toBe('pw');
  });

  it('an unset ${VAR} names the variable and the profile', () => {
    expect(() => resolveProfile(config, 'orkes', 'conductor', {})).toThrow(/profile "orkes" field "keySecret" uses \$\{NEVER_SET\}, but NEVER_SET is not set/);
  });

  it('env-only profiles work and have close\'s default URL', () => {
    const p = resolveProfile(null, null, 'close', { CLOSE_API_KEY: ' key-with-newline\n' });
    expect(p.values).toMatchObject({ url: 'https://api.close.com', apiKey: 'key-with-newline' });
    expect(p.fields.url.source).toBe('default');
    expect(p.name).toBe('(env)');
  });

  it('requireFields names the missing credential and its env var', () => {
    const p = resolveProfile(null, null, 'openhim', { OPENHIM_URL: 'https://h:8080', OPENHIM_USERNAME: 'a@b.c' });
    expect(() => requireFields(p, ['url', 'username', 'password'])).toThrow(/has no password/);
    try {
      requireFields(p, ['password']);
    } catch (e) {
      expect((e as ConfigError).hint).toContain('set OPENHIM_PASSWORD');
    }
  });

  it('SPAAZA_CHAIN from the environment becomes a number', () => {
    expect(resolveProfile(config, 'exports', 'spaaza', { SPAAZA_CHAIN: '99' }).values.chain).toBe(99);
  });

  it('detects literal secrets (not ${VAR} placeholders)', () => {
    expect(holdsLiteralSecret(file)).toBe(true);
    const noLiteral = { ...file, profiles: { local: profiles.local } };
    expect(holdsLiteralSecret(noLiteral)).toBe(false);
  });
});

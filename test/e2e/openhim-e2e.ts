/** Shared set-up of the `openhim task|transaction` end-to-end tests: fake cores that close after each test, and the CLI with an env-only profile. */
import { afterEach } from 'vitest';
import { CANARY, runCli, type RunOptions } from '../helpers/cli.js';
import { startOpenhim, type FakeOpenhim, type OpenhimOptions } from '../servers/openhim.js';

export const USER = 'e2e-admin@example.org';

const servers: FakeOpenhim[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A fake core with an admin user whose password is the canary. */
export async function fake(opts: OpenhimOptions = {}): Promise<FakeOpenhim> {
  const s = await startOpenhim({ lifetimeMs: 60_000, ...opts, users: [{ email: USER, password: CANARY.openhimPassword, groups: ['admin'] }] });
  servers.push(s);
  return s;
}

/** `taskctl openhim <group> …args` against `srv` (token auth on 4.0.5, which has no Basic). */
export function openhimCli(group: 'task' | 'transaction') {
  return (srv: FakeOpenhim, args: string[], opts: RunOptions = {}) =>
    runCli(['openhim', group, ...args], {
      ...opts,
      env: { OPENHIM_URL: srv.url, OPENHIM_USERNAME: USER, OPENHIM_PASSWORD: CANARY.openhimPassword, ...(srv.flavor === '4.0.5' ? { OPENHIM_AUTH: 'token' } : {}), ...opts.env },
    });
}

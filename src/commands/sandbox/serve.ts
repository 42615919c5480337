import type { Handler } from '../types.js';
import { ExitWith, UsageError } from '../../errors.js';
import { openSandbox, replacedWarning, SANDBOX_CREDENTIALS, type Sandbox } from '../../sandbox/session.js';
import { parseFaults, type Faults } from '../../sandbox/server.js';
import { stateFileOf } from './common.js';
import { PROVIDER_FACTS, PROVIDERS } from '../../config/providers.js';

export const run: Handler = async (ctx, { opts }) => {
  const port = (opts.port as number | undefined) ?? 8480;
  if (port + 3 > 65535) throw new UsageError(`--port ${port}: the four servers need ports ${port}..${port + 3}, above 65535`);
  let faults: Faults | undefined;
  if (typeof opts.faults === 'string') {
    try {
      faults = parseFaults(opts.faults);
    } catch (err) {
      throw new UsageError(`--faults: ${(err as Error).message}`);
    }
  }
  const file = await stateFileOf(ctx, opts);
  let sb: Sandbox;
  try {
    sb = await openSandbox({ stateFile: file, port, faults });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') throw new ExitWith(1, `cannot listen on 127.0.0.1:${port}..${port + 3} (${e.code}); choose other ports with --port`);
    throw err;
  }
  if (sb.replaced) ctx.warn(replacedWarning(file));
  // one table of values per provider gives both the profile block and the environment variables
  const values = Object.fromEntries(PROVIDERS.map((p) => [p, { url: sb.urls[p], ...SANDBOX_CREDENTIALS[p] } as Record<string, unknown>]));
  ctx.writeOut(
    [
      `# taskctl sandbox: emulated servers with demo data, not real ones (state in ${file})`,
      '# profiles (add to ~/.config/taskctl/config.yaml, or use the environment variables below):',
      'profiles:',
      ...PROVIDERS.flatMap((p) => [`  sandbox-${p}:`, `    provider: ${p}`, ...Object.entries(values[p]).map(([k, v]) => `    ${k}: ${String(v)}`)]),
      '',
      '# environment variables:',
      ...PROVIDERS.map((p) => `export ${Object.entries(PROVIDER_FACTS[p].env).map(([name, field]) => `${name}=${String(values[p][field])}`).join(' ')}`),
      '',
    ].join('\n'),
  );
  ctx.info(`sandbox serving on 127.0.0.1:${port}..${port + 3}${faults ? ` with faults ${opts.faults as string}` : ''}; Ctrl-C or SIGTERM stops it`);
  // the first Ctrl-C or SIGTERM aborts ctx.signal; its reason carries the exit code (130 / 143)
  const signal = await new Promise<string>((resolve) => {
    const name = () => ((ctx.signal.reason as { exitCode?: number } | undefined)?.exitCode === 143 ? 'SIGTERM' : 'SIGINT');
    if (ctx.signal.aborted) return resolve(name());
    ctx.signal.addEventListener('abort', () => resolve(name()), { once: true });
  });
  // each request saved its own changes; this brings the OpenHIM processor's work up to now
  await sb.save();
  await sb.close();
  ctx.info(`sandbox stopped (${signal}); state saved in ${file}`);
  return 0;
};

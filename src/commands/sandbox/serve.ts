import type { Handler } from '../types.js';
import { ExitWith, UsageError } from '../../errors.js';
import { openSandbox, SANDBOX_CREDENTIALS, type Sandbox } from '../../sandbox/session.js';
import { parseFaults, type Faults } from '../../sandbox/server.js';
import { stateFileOf } from './common.js';

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
  const { openhim, conductor, close, spaaza } = SANDBOX_CREDENTIALS;
  ctx.writeOut(
    [
      `# taskctl sandbox: emulated servers with demo data, not real ones (state in ${file})`,
      '# profiles (add to ~/.config/taskctl/config.yaml, or use the environment variables below):',
      'profiles:',
      '  sandbox-openhim:',
      '    provider: openhim',
      `    url: ${sb.urls.openhim}`,
      `    username: ${openhim.username}`,
      `    password: ${openhim.password}`,
      `    auth: ${openhim.auth}`,
      '  sandbox-conductor:',
      '    provider: conductor',
      `    url: ${sb.urls.conductor}`,
      `    keyId: ${conductor.keyId}`,
      `    keySecret: ${conductor.keySecret}`,
      '  sandbox-close:',
      '    provider: close',
      `    url: ${sb.urls.close}`,
      `    apiKey: ${close.apiKey}`,
      '  sandbox-spaaza:',
      '    provider: spaaza',
      `    url: ${sb.urls.spaaza}`,
      `    tokenId: ${spaaza.tokenId}`,
      `    tokenSecret: ${spaaza.tokenSecret}`,
      `    chain: ${spaaza.chain}`,
      '',
      '# environment variables:',
      `export OPENHIM_URL=${sb.urls.openhim} OPENHIM_USERNAME=${openhim.username} OPENHIM_PASSWORD=${openhim.password} OPENHIM_AUTH=${openhim.auth}`,
      `export CONDUCTOR_SERVER_URL=${sb.urls.conductor} CONDUCTOR_AUTH_KEY=${conductor.keyId} CONDUCTOR_AUTH_SECRET=${conductor.keySecret}`,
      `export CLOSE_URL=${sb.urls.close} CLOSE_API_KEY=${close.apiKey}`,
      `export SPAAZA_URL=${sb.urls.spaaza} SPAAZA_TOKEN_ID=${spaaza.tokenId} SPAAZA_TOKEN_SECRET=${spaaza.tokenSecret} SPAAZA_CHAIN=${spaaza.chain}`,
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

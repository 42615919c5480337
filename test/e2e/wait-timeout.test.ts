/** `--wait-timeout` through the built binary: a Paused task no longer makes `watch` wait forever; several ids and `-`. */
import { describe, expect, it } from 'vitest';
import { fake, openhimCli } from './openhim-e2e.js';

const cli = openhimCli('task');

describe('openhim task watch --wait-timeout', () => {
  it('stops with exit 6 and says where each task stood; takes several ids from -', async () => {
    const srv = await fake();
    const a = srv.createTask({ tids: ['6b0513a986b2e93ee5444081'], status: 'Paused' })._id;
    const b = srv.createTask({ tids: ['6b0513a986b2e93ee5444082'], status: 'Paused' })._id;
    const r = await cli(srv, ['watch', '-', '--wait-timeout', '1', '--interval', '200'], { input: `${a}\n${b}\n` });
    expect(r.code).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`gave up waiting after 1s (--wait-timeout): task ${a} is Paused`);
    expect(r.stderr).toContain(`task ${b} is Paused`);
    const j = await cli(srv, ['watch', a, '--wait-timeout', '1s', '--interval', '200', '--json']);
    expect(j.code).toBe(6);
    const events = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; id: string; status: string });
    expect(events.at(-1)).toMatchObject({ event: 'timeout', id: a, status: 'Paused' });
    const bad = await cli(srv, ['watch', a, '--wait-timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--wait-timeout "soon"');
  });
});

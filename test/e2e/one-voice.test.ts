/** One voice across trees, through the binary: did-you-mean for a mistyped payload field, before anything is sent. */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { CANARY, runCli, sandboxDir } from '../helpers/cli.js';

describe('payload fields', () => {
  it('a mistyped field in --file names the field it meant, exits 2 and sends nothing', async () => {
    const file = path.join(sandboxDir(), 'task-typo.json');
    fs.writeFileSync(file, JSON.stringify({ tids: ['6b0513a986b2e93ee5444081'], batchsize: 2 }));
    // port 9 (discard) on loopback: any request would fail with exit 6, so exit 2 proves nothing was sent
    const r = await runCli(['openhim', 'task', 'create', '--file', file], {
      env: { OPENHIM_URL: 'http://127.0.0.1:9', OPENHIM_USERNAME: 'a@example.org', OPENHIM_PASSWORD: CANARY.openhimPassword },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`taskctl: --file ${file}: unknown field "batchsize" (did you mean batchSize?) (nothing was sent)\n`);
  });
});

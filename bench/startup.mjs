// Start-up: `taskctl --version` and `taskctl --help` against `node -e 0` (the floor for any Node CLI),
// run interleaved in one process tree so machine load affects all three alike.
// Targets: --version ≤ 1.2× the floor, --help ≤ 1.3×.
import { pathToFileURL } from 'node:url';
import { BIN, QUICK, interleave, report, run as exec } from './lib.mjs';

export async function run({ quick = QUICK } = {}) {
  const rounds = quick ? 15 : 40;
  const node = process.execPath;
  // warm the file cache first
  for (let i = 0; i < 3; i++) await Promise.all([exec(node, ['-e', '0']), exec(node, [BIN, '--version']), exec(node, [BIN, '--help'])]);
  const t = await interleave(
    {
      floor: () => exec(node, ['-e', '0']),
      version: () => exec(node, [BIN, '--version']),
      help: () => exec(node, [BIN, '--help']),
    },
    rounds,
  );
  const v = t.version / t.floor;
  const h = t.help / t.floor;
  report(`start-up (median of ${rounds} interleaved runs)`, [
    { name: 'node -e 0 (floor)', value: `${t.floor.toFixed(1)} ms` },
    { name: 'taskctl --version', value: `${t.version.toFixed(1)} ms  ${v.toFixed(2)}×`, target: '≤ 1.20×', ok: v <= 1.2 },
    { name: 'taskctl --help', value: `${t.help.toFixed(1)} ms  ${h.toFixed(2)}×`, target: '≤ 1.30×', ok: h <= 1.3 },
  ]);
  return { ok: v <= 1.2 && h <= 1.3, figures: { floorMs: t.floor, versionMs: t.version, helpMs: t.help, versionRatio: v, helpRatio: h } };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run();
  process.exitCode = r.ok ? 0 : 1;
}

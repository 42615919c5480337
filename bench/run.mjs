// `npm run bench [-- --quick]`: every benchmark, each printing its figures as ratios measured side by
// side in this one run. Exit code 1 when a target was missed.
import { QUICK } from './lib.mjs';

const benches = ['startup.mjs', 'one-request.mjs', 'openhim-bulk.mjs', 'close-complete.mjs', 'recovery-429.mjs', 'large-answer.mjs'];
let ok = true;
console.log(`# taskctl benchmarks (${QUICK ? 'quick' : 'full'} run), node ${process.version}`);
for (const file of benches) {
  const mod = await import(`./${file}`);
  const r = await mod.run({ quick: QUICK });
  ok &&= Boolean(r.ok);
}
console.log(ok ? '\nall targets met' : '\nsome targets were missed');
process.exitCode = ok ? 0 : 1;

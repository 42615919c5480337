#!/usr/bin/env node
// taskctl: this file only starts the built bundle and sets the exit code. It is CommonJS (see
// bin/package.json) so that `--version`, answered here from package.json, costs no more than bare node.
'use strict';

const argv = process.argv.slice(2);
// a closed pipe (`taskctl … | head -1`) ends the run quietly
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(0);
  throw err;
});
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  import('../dist/taskctl.js').then(
    ({ main }) =>
      main(argv).then((code) => {
        process.exitCode = code;
      }),
    (err) => {
      process.stderr.write(`taskctl: cannot load dist/taskctl.js (${err && err.code ? err.code : err}); run \`npm run build\`\n`);
      process.exitCode = 1;
    },
  ).catch((err) => {
    process.stderr.write(`taskctl: unexpected error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

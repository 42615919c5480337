#!/usr/bin/env node
// taskctl: the built bundle does the work; this file only starts it and sets the exit code.
import { main } from '../dist/taskctl.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`taskctl: unexpected error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

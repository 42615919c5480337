/** The conductor emulator (src/sandbox/conductor.ts) with its test-only knobs; tests import it from here. */
export * from '../../src/sandbox/conductor.js';

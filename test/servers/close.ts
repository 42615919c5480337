/** The close emulator (src/sandbox/close.ts) with its test-only knobs; tests import it from here. */
export * from '../../src/sandbox/close.js';

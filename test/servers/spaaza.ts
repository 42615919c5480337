/** The spaaza emulator (src/sandbox/spaaza.ts) with its test-only knobs; tests import it from here. */
export * from '../../src/sandbox/spaaza.js';

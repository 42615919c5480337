/** The openhim emulator (src/sandbox/openhim.ts) with its test-only knobs; tests import it from here. */
export * from '../../src/sandbox/openhim.js';

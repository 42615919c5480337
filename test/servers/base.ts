/** The emulators' HTTP core (src/sandbox/server.ts): recording, replies; tests import it from here. */
export * from '../../src/sandbox/server.js';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/real/**', 'node_modules/**'],
    // e2e tests spawn the binary up to a dozen times; on a loaded 2-core CI machine one spawn can take
    // seconds, so the limit is for hangs, not for speed (speed is measured in bench/)
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Children do the heavy lifting; two cores.
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Compile src/ into lib/ first: the children that load filters run the compiled package.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    // Children do the heavy lifting; two cores.
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // generous: CI machines are shared, and browser tests take screenshots
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll gives up after 1 s by default, which a page rendering on a loaded CI machine can
    // need; a poll that should fail still fails, 5 s later.
    expect: { poll: { timeout: 5_000 } },
    // Integration and e2e suites bind real loopback ports and start real browsers; two cores.
    maxWorkers: 2,
  },
});

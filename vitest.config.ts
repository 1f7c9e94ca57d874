import { defineConfig } from 'vitest/config';

// Files that start Chromium: each is a browser of several processes, and two of them at once on two
// shared cores starve each other (pages then time out). They run one file at a time, after the rest.
const BROWSER_FILES = ['test/e2e/**/*.test.ts', 'test/attack/*chromium*.test.ts', 'test/attack/dns-rebinding.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    // generous: CI machines are shared, and browser tests take screenshots
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll gives up after 1 s by default, which a page rendering on a loaded CI machine can
    // need; a poll that should fail still fails, 5 s later.
    expect: { poll: { timeout: 5_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: BROWSER_FILES,
          // Integration suites bind real loopback ports and spawn processes; two cores.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: BROWSER_FILES,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

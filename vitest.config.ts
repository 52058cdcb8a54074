import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Watch tests drive real inotify and real timers; give them room on a 2-core machine.
    testTimeout: 20_000,
  },
});

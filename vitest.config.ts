import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs-node's addon and ours load once per process: use child processes, not worker threads.
    pool: 'forks',
    testTimeout: 60_000,
  },
});

import {defineConfig} from 'vitest/config';

export default defineConfig({
  // The library is a workspace symlink: keep its node_modules path, so that
  // vitest loads its build with Node as a user's app would, not as source.
  resolve: {preserveSymlinks: true},
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global_setup.ts'],
    // tfjs-node's addon and ours load once per process: use child processes, not worker threads.
    pool: 'forks',
    testTimeout: 60_000,
  },
});

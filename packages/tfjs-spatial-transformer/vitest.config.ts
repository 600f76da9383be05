import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The packed package in scratch apps: its own run (vitest.consumer.config.ts), after this one.
    exclude: ['test/consumer/**', '**/node_modules/**'],
    // tfjs-node's addon and ours load once per process: use child processes, not worker threads.
    pool: 'forks',
    // The leak tests collect garbage before they read memory figures.
    execArgv: ['--expose-gc'],
    testTimeout: 60_000,
  },
});

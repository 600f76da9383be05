import {defineConfig} from 'vitest/config';

// `npm run test:consumer`: the packed package installed into scratch apps
// (test/consumer/consumer.test.ts). It runs `npm pack`, which rebuilds dist/,
// so it runs on its own, after the other tests.
export default defineConfig({
  test: {
    include: ['test/consumer/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 900_000,
  },
});

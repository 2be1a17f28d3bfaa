import { defineConfig } from 'vitest/config';

// Unit tests live beside the code (src/**/*.test.ts); integration tests against real services live in test/.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The services' variables (brokers, credentials, database URLs) come from the file `services.sh up` writes.
    setupFiles: ['test/support/servicesEnv.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: more workers only make the heavy tests fight for them.
    maxWorkers: 2,
  },
});

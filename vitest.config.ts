import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One stack for every project: PostgreSQL, FerretDB, gateway (test/setup/global-setup.ts).
    globalSetup: ['./test/setup/global-setup.ts'],
    projects: [
      {
        // Tests inside workerd: the real Worker with real Durable Object and Queue bindings.
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: { ...inject('bindings'), LOG_LEVEL: 'warn', ENVIRONMENT: 'test', ORDER_SAGA_RETRY_BASE_MS: '20' },
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Tests of the Node tooling (migrations) with the official drivers.
        test: { name: 'node', include: ['test/node/**/*.test.ts'], environment: 'node', testTimeout: 30_000 },
      },
    ],
  },
});

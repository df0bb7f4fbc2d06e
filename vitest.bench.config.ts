import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

/** Benchmark scenarios inside workerd on the test stack (scripts/bench-notifications.ts). */
export default defineConfig({
  test: {
    globalSetup: ['./test/setup/global-setup.ts'],
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ...inject('bindings'),
                LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
                ENVIRONMENT: 'bench',
                BENCH_BATCHES: process.env.BENCH_BATCHES ?? '3',
              },
            },
          })),
        ],
        test: { name: 'bench', include: ['test/bench/**/*.bench.ts'], testTimeout: 600_000, hookTimeout: 120_000 },
      },
    ],
  },
});

import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

/**
 * The Worker's structured log lines (one JSON object per line) below `error` are what the
 * tests provoke on purpose (declined cards, retries, local notification delivery): drop
 * them so a real error, or anything else printed, stands out in `npm test`.
 */
function quietStructuredLogs(log: string): false | void {
  try {
    const entry = JSON.parse(log) as { level?: unknown };
    if (typeof entry.level === 'string' && entry.level !== 'error') return false;
  } catch {
    // not a structured log line: keep it
  }
}

const CONTENDED = [
  'test/worker/checkout-saga.test.ts',
  'test/worker/order-lifecycle.property.test.ts',
  'test/worker/promotions-race.test.ts',
];

/** A project of tests inside workerd: the real Worker with real Durable Object and Queue bindings. */
function workerProject(options: { name: string; include: string[]; exclude?: string[]; groupOrder: number }) {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          // The store timeout is production's (wrangler.toml, 3 s).
          bindings: {
            ...inject('bindings'),
            LOG_LEVEL: 'warn',
            ENVIRONMENT: 'test',
            ORDER_SAGA_RETRY_BASE_MS: '20',
            ORDER_SAGA_STEP_TIMEOUT_MS: '20000',
          },
        },
      })),
    ],
    test: {
      name: options.name,
      include: options.include,
      exclude: options.exclude ?? [],
      sequence: { groupOrder: options.groupOrder },
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}

export default defineConfig({
  test: {
    // One stack for every project: PostgreSQL, FerretDB, gateway (test/setup/global-setup.ts).
    globalSetup: ['./test/setup/global-setup.ts'],
    onConsoleLog: quietStructuredLogs,
    projects: [
      // Tests inside workerd, in parallel files.
      workerProject({ name: 'worker', include: ['test/worker/**/*.test.ts'], exclude: CONTENDED, groupOrder: 0 }),
      // Files that measure behaviour under contention they create themselves (50 concurrent
      // checkouts for one unit): they run after the rest, alone, so the load of 50 other files
      // on the shared stack does not decide what they observe.
      workerProject({ name: 'worker-contended', include: CONTENDED, groupOrder: 1 }),
      {
        // Tests of the Node tooling (migrations) with the official drivers.
        test: { name: 'node', include: ['test/node/**/*.test.ts'], environment: 'node', testTimeout: 30_000 },
        // The Worker's app is imported to check the typed client: workerd's built-in modules are stubs here.
        resolve: {
          alias: {
            'cloudflare:workers': './scripts/lib/cloudflare-stubs.mjs',
            'cloudflare:email': './scripts/lib/cloudflare-stubs.mjs',
          },
        },
      },
    ],
  },
});

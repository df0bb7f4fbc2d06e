/**
 * Notification numbers: consumer throughput (batches of 100, all four channels against the
 * local providers), Data API calls per message, live-feed latency p50/p99 over 100 messages.
 * Runs test/bench/notifications.bench.ts inside workerd on the test stack.
 *
 *   node scripts/bench-notifications.ts          (BENCH_BATCHES=3 by default)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const result = spawnSync(
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.bench.config.ts'],
  {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  },
);
process.exit(result.status ?? 1);

/**
 * `npm run fuzz:orders -- --runs N [--seed S] [--only NAME] [--minutes M] [--collect]`: long runs
 * of the order-lifecycle property test (test/worker/order-lifecycle.property.test.ts) on its own
 * throwaway stack, as vitest starts it. Each run is 1-4 concurrent sequences (~2.5 on average).
 *
 *   --runs N      runs (default 300; CI runs the file with its fixed 80)
 *   --seed S      fast-check seed (default: a new one, printed; pass it again to replay)
 *   --only NAME   fail only on one invariant (quiescence, mirror, undo-visible, saga-vs-order,
 *                 once, stock-balance, money, taken, given-back, one-writer, notified), so
 *                 fast-check shrinks that class (an answer outside the legitimate ones always fails)
 *   --minutes M   time limit (default 60); what ran so far is reported
 *   --collect     never fail: print every violation class with its first sequence
 *
 * The settings reach the test inside workerd as VITE_ORDER_FUZZ_* (vitest copies VITE_*
 * variables into the test's process.env).
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '300' },
    seed: { type: 'string' },
    only: { type: 'string' },
    minutes: { type: 'string', default: '60' },
    collect: { type: 'boolean', default: false },
  },
});
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
console.log(`fuzz:orders: ${values.runs} runs, seed ${seed}${values.only ? `, only ${values.only}` : ''}`);

const env: NodeJS.ProcessEnv = {
  ...process.env,
  VITE_ORDER_FUZZ_RUNS: values.runs,
  VITE_ORDER_FUZZ_SEED: seed,
  VITE_ORDER_FUZZ_MINUTES: values.minutes,
  ...(values.only ? { VITE_ORDER_FUZZ_ONLY: values.only } : {}),
  ...(values.collect ? { VITE_ORDER_FUZZ_COLLECT: '1' } : {}),
};
const res = spawnSync(
  'npx',
  ['vitest', 'run', '--project', 'worker-contended', 'test/worker/order-lifecycle.property.test.ts'],
  { stdio: 'inherit', env },
);
if (res.status !== 0) console.log(`fuzz:orders: failed; replay with --seed ${seed}`);
process.exit(res.status ?? 1);

/**
 * A stateful property test of an order's life against the real stack (workerd with the real
 * OrderSaga Durable Object, PostgreSQL, FerretDB, the local test payment provider): random
 * sequences of cancels, staff status moves, refunds (full, partial, repeated keys, concurrent),
 * provider webhooks and Durable Object aborts, run while the saga runs, on orders paid with
 * every fault the test provider has. Once the saga rests, the rules of
 * order-lifecycle-invariants.ts must hold; the notifications are checked for all orders at
 * the end (the queue delivers in batches of up to 2 s).
 *
 * Each run is 1-4 independent sequences run at once (one order and one product each), so
 * ~200 sequences fit in a few minutes; fast-check shrinks a failure to one sequence.
 * Settings (fixed seed in CI): VITE_ORDER_FUZZ_RUNS, VITE_ORDER_FUZZ_SEED, VITE_ORDER_FUZZ_ONLY
 * (fail only on one invariant name, to shrink one class), VITE_ORDER_FUZZ_MINUTES (time
 * limit). `npm run fuzz:orders -- --runs N [--seed S] [--only NAME]` sets them.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { shop } from './catalog-helpers.ts';
import { eventually } from './helpers.ts';
import { notificationsByOrder, stores, type Shop } from './order-lifecycle-harness.ts';
import { checkNotifications } from './order-lifecycle-invariants.ts';
import { runSequence, scenarioArb, type SequenceResult } from './order-lifecycle-model.ts';

/**
 * Vitest hands the shell's VITE_* variables to the test's process.env (nodejs_compat). Not
 * import.meta.env: vite inlines that into the cached transform, so a second run sees the first's.
 */
const settings = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;
const setting = (name: string) => settings[`VITE_ORDER_FUZZ_${name}`];
const RUNS = Number(setting('RUNS') ?? 85); // 85 runs of seed 20261206: >= 200 sequences
const SEED = Number(setting('SEED') ?? 20261206);
const ONLY = setting('ONLY');
const MINUTES = Number(setting('MINUTES') ?? 20);
/** Exploration: never fail, print every violation class with its first sequence. */
const COLLECT = setting('COLLECT') === '1';
/**
 * TEMPORARY (issue 15): on this branch the saga still loses cancels and leaves interrupted steps
 * undone (order-lifecycle-regressions.test.ts), so the CI run (no settings) is expected to fail,
 * and does so without shrinking. Set to false once the saga-core and orders-input fixes are
 * merged. `npm run fuzz:orders` always runs it as a plain test.
 */
const KNOWN_FAILING = false;
const expectFailure = KNOWN_FAILING && setting('RUNS') === undefined;

let s: Shop;
beforeAll(async () => {
  s = await shop();
});
afterAll(() => stores.close());

(expectFailure ? it.fails : it)(
  `order lifecycle: ${RUNS} runs of 1-4 concurrent sequences keep the invariants (seed ${SEED})`,
  async () => {
    const done: SequenceResult[] = [];
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.array(scenarioArb, { minLength: 1, maxLength: 4 }), async (scenarios) => {
        const results = await Promise.all(
          scenarios.map((x) => runSequence(s, x.spec, x.commands, { only: ONLY, collect: COLLECT })),
        );
        done.push(...results);
      }),
      {
        numRuns: RUNS,
        seed: SEED,
        endOnFailure: expectFailure,
        interruptAfterTimeLimit: MINUTES * 60_000,
        markInterruptAsFailure: false,
      },
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`order lifecycle: ${done.length} sequences in ${seconds} s (seed ${SEED})`);
    if (setting('RUNS') === undefined) expect(done.length).toBeGreaterThanOrEqual(200); // the CI budget
    if (COLLECT) {
      const slow = [...done].sort((a, b) => b.ms - a.ms).slice(0, 8);
      for (const r of slow) console.log(`slow: ${r.ms} ms (rest ${r.quiesceMs}) ${r.real.token} ${r.commands}`);
      const classes = new Map<string, { n: number; example: string }>();
      for (const r of done)
        for (const x of r.violations) {
          const name = x
            .replace(/[0-9a-f-]{36}/g, '<id>')
            .replace(/\d+/g, 'N')
            .slice(0, 90);
          const seen = classes.get(name) ?? {
            n: 0,
            example: `${x}\n    ${JSON.stringify(r.real.token)} q${r.real.quantity}/${r.real.stock} ${r.commands}\n    ${r.model.log.join(' | ')}`,
          };
          seen.n++;
          classes.set(name, seen);
        }
      for (const [name, { n, example }] of classes) console.log(`VIOLATION x${n} ${name}\n  ${example}`);
    }

    // Notifications: every order's, once the queue had time to deliver them.
    const violations: string[] = [];
    await eventually(async () => {
      const byOrder = await notificationsByOrder(s);
      violations.length = 0;
      for (const r of done)
        for (const x of checkNotifications(r.model, r.obs, byOrder.get(r.real.orderId) ?? []))
          violations.push(`${x}\n    order ${r.real.orderId} ${JSON.stringify(r.real.token)} ${r.commands}`);
      return violations.length === 0;
    }, 30_000).catch(() => {});
    if (!ONLY || ONLY === 'notified') expect(violations).toEqual([]);
  },
  40 * 60_000,
);

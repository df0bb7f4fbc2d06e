/**
 * The saga's mirror carried by a step's own write (runner.ts, `fold`): CONFIRM_ORDER reads the
 * order and writes the completed saga's mirror in one transaction, each write guarded by
 * "the order is not CANCELLED" (`whileOrderLive`), so a cancelled order is neither confirmed
 * nor shown with a COMPLETED saga, and the step fails for good.
 */
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

import { orders, sagaExecutions } from '../../src/db/pg/schema/orders.ts';
import { inTenantBatch, inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { mirrorStatements, orderSnapshotOf } from '../../src/services/orders/saga-mirror.ts';
import { confirmOrderStep } from '../../src/services/orders/saga/confirm-order.ts';
import type { MirrorFold } from '../../src/services/orders/saga/step.ts';
import { checkoutShop, lines, orderRow, placeAndSettle } from './checkout-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

/** A confirmed order whose PostgreSQL rows are put back to "saga IN_PROGRESS", the order at `status`. */
async function rewound(status: 'PENDING' | 'CANCELLED') {
  const s = await checkoutShop(3);
  const placed = await placeAndSettle(s.user, { lines: lines(s.product) });
  const state = (await env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(placed.order.id)).state())!;
  expect(state.status).toBe('COMPLETED');
  await inTenantTx(stores.pg('orders').db, s.tenantId, async (tx) => {
    await tx.update(orders).set({ status }).where(eq(orders.id, placed.order.id));
    await tx
      .update(sagaExecutions)
      .set({ status: 'IN_PROGRESS', currentStep: 2 })
      .where(eq(sagaExecutions.aggregateId, placed.order.id));
  });
  const mirror = async () => {
    const [row] = await inTenantTx(stores.pg('orders').db, s.tenantId, (tx) =>
      tx.select().from(sagaExecutions).where(eq(sagaExecutions.aggregateId, placed.order.id)),
    );
    return row!;
  };
  return { s, orderId: placed.order.id, state, mirror };
}

describe('a mirror carried by CONFIRM_ORDER', () => {
  it('guarded: over a cancelled order it writes nothing of the saga and does not confirm; unguarded it would', async () => {
    const { s, orderId, state, mirror } = await rewound('CANCELLED');
    const pg = stores.pg('orders');
    await inTenantBatch(pg, s.tenantId, (db) => mirrorStatements(db, state, 0, { whileOrderLive: true }) as never);
    expect(await mirror()).toMatchObject({ status: 'IN_PROGRESS', currentStep: 2 });
    expect(await orderRow(s.tenantId, orderId)).toMatchObject({ status: 'CANCELLED' });

    await inTenantBatch(pg, s.tenantId, (db) => mirrorStatements(db, state, 0) as never);
    expect(await mirror()).toMatchObject({ status: 'COMPLETED', currentStep: 3 });
    expect(await orderRow(s.tenantId, orderId)).toMatchObject({ status: 'CANCELLED' });
  });

  it('the step: a cancelled order fails it for good with the mirror untouched; a pending one is confirmed with its saga', async () => {
    for (const status of ['CANCELLED', 'PENDING'] as const) {
      const { s, orderId, state, mirror } = await rewound(status);
      const svc = { env, stores, tenantId: s.tenantId, principal: null, logger: createLogger('error') };
      const completed = { ...state, context: { ...state.context, confirmed: true } };
      let answers: readonly unknown[] | undefined;
      const fold: MirrorFold = {
        pg: stores.pg('orders'),
        statements: (db, output, opts) =>
          mirrorStatements(db, { ...state, context: { ...state.context, ...output } }, 0, opts),
        landed: (results) => (answers = results),
      };
      const run = confirmOrderStep.run({ svc, saga: state, input: {}, attempt: 1, fold });
      if (status === 'CANCELLED') {
        await expect(run).rejects.toMatchObject({ type: expect.stringContaining('saga-order-cancelled') });
        expect(answers).toBeUndefined(); // a fold that did not hold is not reported as landed
        expect(await mirror()).toMatchObject({ status: 'IN_PROGRESS' });
        expect(await orderRow(s.tenantId, orderId)).toMatchObject({ status: 'CANCELLED' });
      } else {
        await expect(run).resolves.toEqual({ confirmed: true });
        expect(await mirror()).toMatchObject({ status: 'COMPLETED' });
        const row = (await orderRow(s.tenantId, orderId))!;
        expect(row).toMatchObject({ status: 'CONFIRMED' });
        // The settled saga's mirror read its order back in the same transaction, as it left it.
        expect(orderSnapshotOf(completed, answers!)).toEqual({
          status: 'CONFIRMED',
          paymentStatus: row.paymentStatus,
          version: row.version,
          updatedAt: row.updatedAt.toISOString(),
          completedAt: row.completedAt?.toISOString() ?? null,
          cancelledAt: null,
        });
      }
    }
  }, 60_000);
});

/**
 * CONFIRM_ORDER: the last check before the order is confirmed, and the confirmation itself.
 * One transaction (one round trip over the HTTP path): the order's status is read, and the
 * mirror of the completed saga is written with it (`fold`: saga_executions COMPLETED, the
 * order PENDING -> CONFIRMED), each write only while the order is not CANCELLED, so the
 * order never says CONFIRMED without its saga saying COMPLETED, and a cancelled order is not
 * confirmed. A status past PENDING means a previous run already confirmed it (done);
 * CANCELLED or no order fails the step for good. Without a fold (never, today: the runner
 * always offers one) the runner writes the same mirror after the step.
 * Compensation: nothing external to undo (the mirror cancels the order when compensation
 * ends). Input: nothing from the context; output: `confirmed`.
 */
import { eq } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { z } from 'zod';

import { orders } from '../../../db/pg/schema/orders.ts';
import { inTenantBatch } from '../../../db/pg/tenant-tx.ts';
import { stepReportSchema } from './context.ts';
import { stepErrors } from './errors.ts';
import { defineStep } from './step.ts';

export const confirmOrderStep = defineStep({
  name: 'CONFIRM_ORDER',
  input: z.object({}),
  output: stepReportSchema.pick({ confirmed: true }),
  foldsMirror: true,
  async run({ svc, saga, fold }) {
    const output = { confirmed: true };
    const [[order]] = await inTenantBatch(
      svc.stores.pg('orders'),
      saga.tenantId,
      (db) =>
        [
          db.select({ status: orders.status }).from(orders).where(eq(orders.id, saga.orderId)).limit(1),
          ...(fold?.statements(db, output, { whileOrderLive: true }) ?? []),
        ] as [BatchItem<'pg'>, ...BatchItem<'pg'>[]],
    );
    if (!order) throw stepErrors.orderNotFound();
    // Already confirmed (by this saga's mirror before a crash) is done; CANCELLED is not.
    if (order.status === 'CANCELLED') throw stepErrors.orderCancelled();
    return output;
  },
  async compensate() {
    return { confirmed: false };
  },
});

/**
 * CONFIRM_ORDER: the last check before the order is confirmed, and the confirmation itself.
 * One transaction (one round trip over the HTTP path): the order's status is read, and the
 * mirror of the completed saga is written with it (`fold`: saga_executions COMPLETED, the
 * order PENDING -> CONFIRMED), each write only while the order is not CANCELLED, so the
 * order never says CONFIRMED without its saga saying COMPLETED, and a cancelled order is not
 * confirmed. A status past PENDING means a previous run already confirmed it (done);
 * CANCELLED or no order fails the step for good. Without a fold (never, today: the runner
 * always offers one) the runner writes the same mirror after the step. The same read and
 * mirror usually ride in PROCESS_PAYMENT's last write (`alongside`, runner.ts); this run is
 * then needed only when they found the order cancelled (or gone), and it fails the step.
 * Compensation: nothing external to undo (the mirror cancels the order when compensation
 * ends). Input: nothing from the context; output: `confirmed`.
 */
import { eq } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { z } from 'zod';

import type { HttpDatabase } from '../../../db/pg/http.ts';
import { orders } from '../../../db/pg/schema/orders.ts';
import { inTenantBatch } from '../../../db/pg/tenant-tx.ts';
import { stepReportSchema } from './context.ts';
import { stepErrors } from './errors.ts';
import { defineStep, type Alongside, type StepInput } from './step.ts';

const output = { confirmed: true };
/** The order's status, read in the transaction that confirms it. */
const statusOf = (db: HttpDatabase, saga: StepInput['saga']) =>
  db.select({ status: orders.status }).from(orders).where(eq(orders.id, saga.orderId)).limit(1);
/** What that read says: the order may be confirmed (a status past PENDING is this saga's own, before a crash). */
function verdict([rows]: readonly unknown[]): 'live' | 'missing' | 'cancelled' {
  const [order] = rows as { status: string }[];
  return !order ? 'missing' : order.status === 'CANCELLED' ? 'cancelled' : 'live';
}

/** The confirmation inside PROCESS_PAYMENT's last write, where the runner sends it there. */
const alongside: Alongside = {
  statements: (db, saga) => [statusOf(db, saga)],
  done: (results) => verdict(results) === 'live',
  output,
  mirror: { whileOrderLive: true },
};

export const confirmOrderStep = defineStep({
  name: 'CONFIRM_ORDER',
  input: z.object({}),
  output: stepReportSchema.pick({ confirmed: true }),
  foldsMirror: true,
  alongside,
  async run({ svc, saga, fold }) {
    const results = await inTenantBatch(
      svc.stores.pg('orders'),
      saga.tenantId,
      (db) =>
        [statusOf(db, saga), ...(fold?.statements(db, output, alongside.mirror) ?? [])] as [
          BatchItem<'pg'>,
          ...BatchItem<'pg'>[],
        ],
    );
    const found = verdict(results);
    if (found === 'missing') throw stepErrors.orderNotFound();
    if (found === 'cancelled') throw stepErrors.orderCancelled();
    fold?.landed(results.slice(1));
    return output;
  },
  async compensate() {
    return { confirmed: false };
  },
});

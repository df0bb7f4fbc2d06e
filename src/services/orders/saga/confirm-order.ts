/**
 * CONFIRM_ORDER: the last check before the order is confirmed. The mirror writes
 * CONFIRMED (with the saga_executions row, in one transaction) when the saga
 * completes; this step makes sure the order still exists and was not cancelled
 * meanwhile (a status past PENDING means a previous run already confirmed it).
 * Compensation: nothing external to undo (the mirror cancels the order when
 * compensation ends). Input: nothing from the context; output: `confirmed`.
 */
import { z } from 'zod';

import { loadOrderForSaga } from '../queries.ts';
import { stepReportSchema } from './context.ts';
import { stepErrors } from './errors.ts';
import { defineStep } from './step.ts';

export const confirmOrderStep = defineStep({
  name: 'CONFIRM_ORDER',
  input: z.object({}),
  output: stepReportSchema.pick({ confirmed: true }),
  async run({ svc, saga }) {
    const order = await loadOrderForSaga(svc, saga.orderId);
    if (!order) throw stepErrors.orderNotFound();
    // Already confirmed (by this saga's mirror before a crash) is done; CANCELLED is not.
    if (order.status === 'CANCELLED') throw stepErrors.orderCancelled();
    return { confirmed: true };
  },
  async compensate() {
    return { confirmed: false };
  },
});

/**
 * CONFIRM_ORDER: the last check before the order is confirmed. The mirror writes
 * CONFIRMED (with the saga_executions row, in one transaction) when the saga
 * completes; this step makes sure the order still exists and was not cancelled
 * meanwhile (a status past PENDING means a previous run already confirmed it). Compensation: nothing external to undo (the mirror cancels the order
 * when compensation ends).
 */
import { loadOrderForSaga } from '../queries.ts';
import { PermanentStepError, type SagaStep } from './step.ts';

export const confirmOrderStep: SagaStep = {
  name: 'CONFIRM_ORDER',
  async run({ svc, saga }) {
    const order = await loadOrderForSaga(svc, saga.orderId);
    if (!order) throw new PermanentStepError('order vanished', 'order_not_found');
    // Already confirmed (by this saga's mirror before a crash) is done; CANCELLED is not.
    if (order.status === 'CANCELLED') throw new PermanentStepError('order was cancelled', 'order_cancelled');
    return { confirmed: true };
  },
  async compensate() {
    return { confirmed: false };
  },
};

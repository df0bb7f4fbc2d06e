/**
 * CONFIRM_ORDER: the last check before the order is confirmed. The mirror writes
 * CONFIRMED (with the saga_executions row, in one transaction) when the saga
 * completes; this step makes sure the order still exists and was not cancelled
 * meanwhile. Compensation: nothing external to undo (the mirror cancels the order
 * when compensation ends).
 */
import { loadOrderForSaga } from '../queries.ts';
import { PermanentStepError, type SagaStep } from './step.ts';

export const confirmOrderStep: SagaStep = {
  name: 'CONFIRM_ORDER',
  async run({ svc, saga }) {
    const order = await loadOrderForSaga(svc, saga.orderId);
    if (!order) throw new PermanentStepError('order vanished', 'order_not_found');
    if (order.status !== 'PENDING') throw new PermanentStepError(`order is ${order.status}`, 'order_not_pending');
    return { confirmed: true };
  },
  async compensate() {
    return { confirmed: false };
  },
};

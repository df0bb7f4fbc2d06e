/**
 * PROCESS_PAYMENT: authorize, then capture, the order's total with the payment
 * service (idempotency key per (order, step, attempt); a crash-resume repeats the
 * same attempt and so the same key, and the provider answers with the first result).
 * A declined card is permanent; provider 5xx/timeouts are transient.
 * Compensation: refund what was captured, void what was only authorized. It also runs
 * when this step was interrupted (cancel, deadline) or failed after authorizing.
 */
import type { SagaContext } from '../../../durable/saga-state.ts';
import { chargeOrder, undoOrderCharge } from '../../payments/index.ts';
import type { SagaStep } from './step.ts';

export const processPaymentStep: SagaStep = {
  name: 'PROCESS_PAYMENT',
  async run({ svc, saga, attempt }) {
    const payment = await chargeOrder(svc, {
      orderId: saga.orderId,
      userId: String(saga.context.userId),
      amountMinor: Number(saga.context.totalMinor),
      currency: String(saga.context.currency),
      paymentMethod: String(saga.context.paymentMethod),
      paymentToken: String(saga.context.paymentToken),
      attempt,
    });
    return { paymentId: payment.id, paymentOutcome: 'CAPTURED' };
  },
  async compensate({ svc, saga, attempt }): Promise<SagaContext> {
    const outcome = await undoOrderCharge(svc, { orderId: saga.orderId, attempt });
    // NONE keeps what the run recorded (DECLINED, for the order's payment status and PAYMENT_FAILED).
    return outcome === 'NONE' ? {} : { paymentOutcome: outcome };
  },
};

/**
 * PROCESS_PAYMENT: authorize, then capture, the order's total with the payment
 * service (idempotency key per (order, step, attempt); a crash-resume repeats the
 * same attempt and so the same key, and the provider answers with the first result).
 * A declined card is permanent (payments' `payment-declined`, mapped here to this saga's
 * own problem type); provider 5xx/timeouts are transient.
 * Compensation: refund what was captured, void what was only authorized. It also runs
 * when this step was interrupted (cancel, deadline) or failed after authorizing.
 * Input: the order's user, total, currency, method and the payment token (null once
 * the step is behind the saga: its compensation does not need it); output: the payment.
 * Where payments and orders share a database, the payment's completion carries the saga's
 * mirror of this step (`fold`): one transaction, one round trip for both.
 */
import { Problem } from '../../../lib/problem.ts';
import { chargeOrder, declinedPaymentOf, undoOrderCharge } from '../../payments/index.ts';
import { orderPaymentLink } from '../payment-link.ts';
import { sagaContextSchema, stepReportSchema } from './context.ts';
import { stepErrors } from './errors.ts';
import { defineStep } from './step.ts';

export const processPaymentStep = defineStep({
  name: 'PROCESS_PAYMENT',
  input: sagaContextSchema.pick({
    userId: true,
    totalMinor: true,
    currency: true,
    paymentMethod: true,
    paymentToken: true,
  }),
  output: stepReportSchema.pick({ paymentId: true, paymentOutcome: true, paymentFailed: true }),
  foldsMirror: true,
  async run({ svc, saga, input, attempt, fold }) {
    const captured = (paymentId: string) => ({ paymentId, paymentOutcome: 'CAPTURED' as const });
    const mirror = fold && fold.pg === svc.stores.pg('payments') ? fold : undefined;
    try {
      const payment = await chargeOrder(svc, {
        orderId: saga.orderId,
        userId: input.userId,
        amountMinor: input.totalMinor,
        currency: input.currency,
        paymentMethod: input.paymentMethod,
        // No token (the saga is past needing one: a resumed step whose payment went through)
        // is refused by payments as an invalid request, before any provider call, if it must charge.
        paymentToken: input.paymentToken ?? '',
        attempt,
        ...(mirror
          ? {
              alsoCommit: {
                statements: (db, payment) => mirror.statements(db, captured(payment.id)),
                landed: (results) => mirror.landed(results),
              },
            }
          : {}),
      });
      return captured(payment.id);
    } catch (err) {
      const declined = err instanceof Problem ? declinedPaymentOf(err) : null;
      if (!declined) throw err;
      throw stepErrors.paymentDeclined(declined.detail, {
        paymentId: declined.paymentId,
        paymentOutcome: 'DECLINED',
        paymentFailed: true,
      });
    }
  },
  async compensate({ svc, saga, attempt }) {
    const outcome = await undoOrderCharge(svc, { orderId: saga.orderId, attempt }, orderPaymentLink);
    // NONE keeps what the run recorded (DECLINED, for the order's payment status and PAYMENT_FAILED).
    return outcome === 'NONE' ? {} : { paymentOutcome: outcome };
  },
});

/**
 * The problem types a saga step fails with, each declared once. The runner decides by
 * type (runner.ts, `classify`): the permanent ones compensate at once, `stock-held-in-checkout`
 * waits (the same attempt, later) and is permanent past the wait bound, anything else is
 * transient. A step problem may carry a report to record although the step failed
 * (paymentOutcome DECLINED, for the order's payment status and PAYMENT_FAILED).
 */
import { Problem } from '../../../lib/problem.ts';
import type { StepReport } from './context.ts';

export class StepProblem extends Problem {
  constructor(
    slug: string,
    title: string,
    detail: string,
    readonly output: StepReport = {},
  ) {
    super(422, slug, title, detail);
  }
}

const STEP_PROBLEM = {
  outOfStock: 'out-of-stock',
  stockHeldInCheckout: 'stock-held-in-checkout',
  productNotFound: 'saga-product-not-found',
  orderNotFound: 'saga-order-not-found',
  orderCancelled: 'saga-order-cancelled',
  paymentDeclined: 'saga-payment-declined',
} as const;

/** Retrying cannot change these. */
export const PERMANENT_STEP_PROBLEMS: readonly string[] = [
  STEP_PROBLEM.outOfStock,
  STEP_PROBLEM.productNotFound,
  STEP_PROBLEM.orderNotFound,
  STEP_PROBLEM.orderCancelled,
  STEP_PROBLEM.paymentDeclined,
];

/** Not now, maybe soon: something under way may lift it (units held by orders still in checkout). */
export const WAITING_STEP_PROBLEMS: readonly string[] = [STEP_PROBLEM.stockHeldInCheckout];

export const stepErrors = {
  outOfStock: (detail: string) => new StepProblem(STEP_PROBLEM.outOfStock, 'Out of stock', detail),
  stockHeldInCheckout: (detail: string) =>
    new StepProblem(STEP_PROBLEM.stockHeldInCheckout, 'Stock held by orders in checkout', detail),
  productNotFound: (detail: string) => new StepProblem(STEP_PROBLEM.productNotFound, 'Product not found', detail),
  orderNotFound: () => new StepProblem(STEP_PROBLEM.orderNotFound, 'Order not found', 'order vanished'),
  orderCancelled: () => new StepProblem(STEP_PROBLEM.orderCancelled, 'Order cancelled', 'order was cancelled'),
  paymentDeclined: (detail: string, output: StepReport) =>
    new StepProblem(STEP_PROBLEM.paymentDeclined, 'Payment declined', detail, output),
};

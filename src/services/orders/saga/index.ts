/** The order saga's steps, in the order they run (compensation runs them backwards). */
import { confirmOrderStep } from './confirm-order.ts';
import { processPaymentStep } from './process-payment.ts';
import { reserveStockStep } from './reserve-stock.ts';
import type { OrderSagaStep } from './state.ts';
import type { SagaStep } from './step.ts';

export const ORDER_SAGA_STEP_DEFS: Record<OrderSagaStep, SagaStep<unknown>> = {
  RESERVE_STOCK: reserveStockStep,
  PROCESS_PAYMENT: processPaymentStep,
  CONFIRM_ORDER: confirmOrderStep,
};

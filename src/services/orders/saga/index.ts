/** The order saga's steps, in the order they run (compensation runs them backwards). */
import { ORDER_SAGA_STEPS, type OrderSagaStep } from '../../../durable/saga-state.ts';
import { confirmOrderStep } from './confirm-order.ts';
import { processPaymentStep } from './process-payment.ts';
import { reserveStockStep } from './reserve-stock.ts';
import type { SagaStep } from './step.ts';

export const ORDER_SAGA_STEP_DEFS: Record<OrderSagaStep, SagaStep> = {
  RESERVE_STOCK: reserveStockStep,
  PROCESS_PAYMENT: processPaymentStep,
  CONFIRM_ORDER: confirmOrderStep,
};
export { ORDER_SAGA_STEPS };
export { PermanentStepError, StepWaitError, type SagaStep, type StepInput } from './step.ts';

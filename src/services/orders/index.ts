/** The order service's public surface. */
export { overCapLines, placeOrder, type PlaceOrderInput } from './place-order.ts';
export { getOrder, listOrders, type ListOrdersQuery } from './queries.ts';
export { hasDeliveredOrderOf } from './purchases.ts';
export { announceRefund, cancelOrder, changeOrderStatus, markOrderRefunded } from './status.ts';
export { sagaContextOf, sagaOf, waitForSaga } from './saga-client.ts';
export { forgetSagaStart, mirrorSaga } from './saga-mirror.ts';
export { applyStaffMove, cancellableNow, type CancelCheck, type MoveOutcome } from './order-writes.ts';
export { sweepSagaStarts } from './sweeper.ts';
export { orderEvent, publishOrderEvents, type OrderFacts } from './events.ts';
export * from './model.ts';
export { ORDER_SAGA_STEP_DEFS, PermanentStepError, StepWaitError } from './saga/index.ts';

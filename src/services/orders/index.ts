/** The order service's public surface. */
export { overCapLines, placeOrder, type PlaceOrderInput } from './place-order.ts';
export { getOrder, listOrders, loadOrderForSaga, orderOwners, type ListOrdersQuery } from './queries.ts';
export { announceRefund, cancelOrder, changeOrderStatus, markOrderRefunded } from './status.ts';
export { sagaOf, waitForSaga } from './saga-client.ts';
export { mirrorSaga } from './saga-mirror.ts';
export { orderEvent, publishOrderEvents, type OrderFacts } from './events.ts';
export { orderErrors } from './errors.ts';
export * from './model.ts';
export { ORDER_SAGA_STEP_DEFS, PermanentStepError } from './saga/index.ts';

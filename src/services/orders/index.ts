/** The order service's public surface. */
export { overCapLines, placeOrder, type PlacedOrder, type PlaceOrderInput } from './place-order.ts';
export { getOrder, listOrders, type ListOrdersQuery } from './queries.ts';
export { hasDeliveredOrderOf } from './purchases.ts';
export { cancelOrder, changeOrderStatus } from './status.ts';
export { sagaOf, waitForSaga } from './saga-client.ts';
export { orderPaymentLink } from './payment-link.ts';
export { sweepSagaStarts } from './sweeper.ts';
export { type OrderFacts } from './events.ts';
export * from './model.ts';

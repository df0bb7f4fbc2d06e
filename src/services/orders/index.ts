/** The order service's public surface. */
export { overCapLines, placeOrder, type PlaceOrderInput } from './place-order.ts';
export { getOrder, listOrders, loadOrderForSaga, orderOwners, type ListOrdersQuery } from './queries.ts';
export { cancelOrder, changeOrderStatus } from './status.ts';
export { sagaOf, waitForSaga } from './saga-client.ts';
export { orderPaymentLink } from './payment-link.ts';
export { sweepSagaStarts } from './sweeper.ts';
export { orderEvent, publishOrderEvents, type OrderFacts } from './events.ts';
export { orderErrors } from './errors.ts';
export * from './model.ts';

import { createRoute, z } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { jsonBody, jsonResponse, problemResponses, UuidParam } from '../schemas.ts';
import {
  CancelBody,
  IdempotencyHeaders,
  IfMatchRequired,
  OrderCreateBody,
  OrderListQuery,
  OrderPage,
  OrderSchema,
  PlacedOrderSchema,
  PreferHeaders,
  SagaDetailSchema,
  StatusBody,
} from './orders.schemas.ts';

const tags = ['Orders'];
const read = { tags, ...access.permission('read:orders') };
const etag = z.object({ etag: z.string().openapi({ example: '"1"' }) });

export const placeOrder = createRoute({
  method: 'post',
  path: '/orders',
  tags,
  ...access.permission('write:orders'),
  summary: 'Place an order: priced by the server, paid and confirmed by the order saga',
  description:
    'Prices every line from the catalog, writes the order and its items in one transaction and starts its saga ' +
    '(RESERVE_STOCK -> PROCESS_PAYMENT -> CONFIRM_ORDER). Answers 202 at once, or with `Prefer: wait=N` when the saga ' +
    'has finished or N seconds passed. `Idempotency-Key` is required: the same key and body return the same order; ' +
    'the same key with another body is 422. An optional `promotionCode` (one per order; stacking is not supported) is ' +
    'checked and its use taken in the transaction that writes the order; its discount lands in `discount` and the payment ' +
    'is the discounted total. A refused code is a 422 `promotion-code-<reason>` naming `body.promotionCode`.',
  request: { headers: IdempotencyHeaders, body: jsonBody(OrderCreateBody) },
  responses: {
    202: {
      ...jsonResponse(PlacedOrderSchema, 'Accepted; Location names the order'),
      headers: z.object({ location: z.string(), etag: z.string() }),
    },
    ...problemResponses(400, 401, 403, 415, 422, 503),
  },
});

export const listOrders = createRoute({
  method: 'get',
  path: '/orders',
  ...read,
  summary: 'Your orders (staff: the whole tenant), newest first',
  request: { query: OrderListQuery },
  responses: { 200: jsonResponse(OrderPage, 'A page of orders'), ...problemResponses(400, 401, 403) },
});

export const getOrder = createRoute({
  method: 'get',
  path: '/orders/{id}',
  ...read,
  summary: 'One order with its items (ETag = version)',
  request: { params: UuidParam },
  responses: {
    200: { ...jsonResponse(OrderSchema, 'The order'), headers: etag },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const getOrderSaga = createRoute({
  method: 'get',
  path: '/orders/{id}/saga',
  tags,
  ...access.userToken({ roles: ['ADMIN', 'MANAGER', 'SUPPORT'] }),
  summary: "Staff: the order saga's state and step log",
  request: { params: UuidParam },
  responses: { 200: jsonResponse(SagaDetailSchema, 'Saga state and history'), ...problemResponses(400, 401, 403, 404) },
});

export const cancelOrder = createRoute({
  method: 'post',
  path: '/orders/{id}/cancel',
  tags,
  ...access.permission('write:orders'),
  summary: 'Cancel an order (its owner, or an ADMIN) while PENDING, CONFIRMED or PROCESSING',
  description:
    'The saga compensates: refund or void, stock released; the order becomes CANCELLED when it is done. `Prefer: wait=N` waits for it.',
  request: { params: UuidParam, headers: PreferHeaders, body: jsonBody(CancelBody) },
  responses: {
    202: jsonResponse(PlacedOrderSchema, 'Cancellation accepted'),
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

export const changeStatus = createRoute({
  method: 'patch',
  path: '/orders/{id}/status',
  tags,
  ...access.userToken({ roles: ['ADMIN', 'MANAGER'] }),
  summary: 'Staff: move an order CONFIRMED -> PROCESSING -> SHIPPED -> DELIVERED (If-Match required)',
  request: { params: UuidParam, headers: IfMatchRequired, body: jsonBody(StatusBody) },
  responses: {
    200: { ...jsonResponse(OrderSchema, 'The order'), headers: etag },
    ...problemResponses(400, 401, 403, 404, 409, 412, 415, 428),
  },
});

import { createRoute } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { jsonBody, jsonResponse, problemResponses, UuidParam } from '../schemas.ts';
import {
  PaymentSchema,
  ProviderParam,
  RefundBody,
  RefundHeaders,
  RefundSchema,
  WebhookAck,
} from './payments.schemas.ts';

const tags = ['Payments'];
const read = { tags, ...access.permission('read:orders') };

export const getPayment = createRoute({
  method: 'get',
  path: '/payments/{id}',
  ...read,
  summary: 'A payment (owner or staff); card brand and last4 only',
  request: { params: UuidParam },
  responses: { 200: jsonResponse(PaymentSchema, 'The payment'), ...problemResponses(400, 401, 403, 404) },
});

export const getOrderPayment = createRoute({
  method: 'get',
  path: '/orders/{id}/payment',
  ...read,
  summary: "An order's payment (owner or staff)",
  request: { params: UuidParam },
  responses: { 200: jsonResponse(PaymentSchema, 'The payment'), ...problemResponses(400, 401, 403, 404) },
});

export const refundPayment = createRoute({
  method: 'post',
  path: '/payments/{id}/refunds',
  tags,
  ...access.userToken({ roles: ['ADMIN', 'MANAGER'] }),
  summary: 'Staff: refund part or all of a captured payment',
  description:
    'Never more than captured minus refunded (422). A full refund makes the payment and the order REFUNDED. `Idempotency-Key` required.',
  request: { params: UuidParam, headers: RefundHeaders, body: jsonBody(RefundBody) },
  responses: {
    201: jsonResponse(RefundSchema, 'The refund'),
    ...problemResponses(400, 401, 403, 404, 409, 415, 422, 503),
  },
});

export const webhook = createRoute({
  method: 'post',
  path: '/payments/webhooks/{provider}',
  tags,
  ...access.public(),
  summary: 'Payment provider webhooks (signature-checked, idempotent per event id)',
  description:
    'Stripe: `Stripe-Signature`. The built-in test provider signs the same way with PAYMENTS_TEST_WEBHOOK_SECRET.',
  request: { params: ProviderParam },
  responses: { 200: jsonResponse(WebhookAck, 'Received'), ...problemResponses(400, 404, 413) },
});

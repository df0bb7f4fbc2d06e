import { z } from '@hono/zod-openapi';

import { PAYMENT_STATUSES, PAYMENT_TRANSACTION_TYPES, REFUND_STATUSES } from '../../db/pg/schema/index.ts';
import { MoneyInput, requiredIdempotencyKey } from '../schemas.ts';

const Money = z.string().openapi({ example: '19.99' });

export const RefundSchema = z
  .object({
    id: z.uuid(),
    paymentId: z.uuid(),
    amount: Money,
    reason: z.string().nullable(),
    status: z.enum(REFUND_STATUSES),
    gatewayRefundId: z.string().nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi('Refund');

export const PaymentSchema = z
  .object({
    id: z.uuid(),
    orderId: z.uuid(),
    userId: z.uuid(),
    amount: Money,
    currency: z.string(),
    paymentMethod: z.string(),
    paymentProvider: z.string(),
    transactionType: z.enum(PAYMENT_TRANSACTION_TYPES),
    status: z.enum(PAYMENT_STATUSES),
    gatewayTransactionId: z.string().nullable(),
    card: z
      .object({ brand: z.string().nullable(), last4: z.string().nullable() })
      .nullable()
      .openapi({ description: 'All that is readable of the sealed gateway response' }),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    retryCount: z.number().int(),
    refunds: z.array(RefundSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi('Payment');

export const RefundBody = z
  .object({
    amount: MoneyInput.optional().openapi({ description: 'Defaults to everything not yet refunded', example: '10.00' }),
    reason: z.string().trim().min(1).max(255).optional(),
  })
  .strict()
  .openapi('RefundRequest', { example: { amount: '10.00', reason: 'damaged item' } });

export const RefundHeaders = z.object({
  'idempotency-key': requiredIdempotencyKey('Required: a retry with the same key and body returns the same refund'),
});

export const ProviderParam = z.object({
  provider: z
    .string()
    .min(1)
    .max(50)
    .openapi({ param: { name: 'provider', in: 'path' }, example: 'stripe' }),
});
export const WebhookAck = z
  .object({ received: z.literal(true), duplicate: z.boolean(), applied: z.string().nullable() })
  .openapi('WebhookAck');

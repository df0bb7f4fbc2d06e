import { z } from '@hono/zod-openapi';

import { SAGA_STATUSES } from '../../db/pg/schema/index.ts';
import { isCardNumberShaped } from '../../lib/card-number.ts';
import { ifMatchHeaders } from '../../lib/etag.ts';
import { OBJECT_ID_PATTERN } from '../../lib/ids.ts';
import { keyedPageQuery, pageOf, timeIdKey } from '../../lib/pagination.ts';
import { overCapLines } from '../../services/orders/index.ts';
import {
  MAX_LINES,
  MAX_QUANTITY,
  ORDER_PAYMENT_STATUSES,
  ORDER_STATUSES,
  STAFF_TARGETS,
} from '../../services/orders/model.ts';
import { PromotionCodeField } from '../promotions/promotions.schemas.ts';
import { requiredIdempotencyKey } from '../schemas.ts';
import { AddressCreateBody } from '../users/users.schemas.ts';

const ObjectIdHex = z
  .string()
  .regex(OBJECT_ID_PATTERN, 'must be a product id (24 hex digits)')
  .openapi({ example: '6b06eed21006e491d07feb71' });

export const ShippingAddressBody = AddressCreateBody.omit({ type: true, isDefault: true }).openapi('ShippingAddress');

export const OrderCreateBody = z
  .object({
    lines: z
      .array(z.object({ productId: ObjectIdHex, quantity: z.number().int().min(1).max(MAX_QUANTITY) }).strict())
      .min(1)
      .max(MAX_LINES)
      .openapi({
        description: `1..${MAX_LINES} lines; a product named twice becomes one line with the quantities added (at most ${MAX_QUANTITY} in all)`,
      }),
    shippingAddressId: z
      .uuid()
      .optional()
      .openapi({ description: 'One of your saved addresses (or give shippingAddress)' }),
    shippingAddress: ShippingAddressBody.optional(),
    paymentMethod: z
      .object({
        type: z.enum(['card']).default('card'),
        token: z
          .string()
          .min(3)
          .max(255)
          // First, and alone: a card number is named as such (and never echoed).
          .refine((t) => !isCardNumberShaped(t), {
            message: 'a card number; send a payment provider token (e.g. pm_...), never card numbers',
            abort: true,
          })
          .regex(/^[A-Za-z0-9_]+$/, 'a payment provider token, e.g. pm_test_success')
          .openapi({ example: 'pm_test_success' }),
      })
      .strict()
      .openapi({ description: 'A provider token, never card numbers' }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'ISO 4217, upper case')
      .default('USD'),
    promotionCode: PromotionCodeField.optional().openapi({
      description:
        'One promotion code (case-insensitive; stacking codes is not supported). Refused codes answer 422 naming body.promotionCode.',
      example: 'SPRING10',
    }),
  })
  .strict()
  .superRefine((body, ctx) => {
    for (const { index, quantity } of overCapLines(body.lines)) {
      ctx.addIssue({
        code: 'custom',
        path: ['lines', index, 'quantity'],
        message: `the product's lines add up to ${quantity}; at most ${MAX_QUANTITY} of one product per order`,
      });
    }
    if ((body.shippingAddressId === undefined) === (body.shippingAddress === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['shippingAddressId'],
        message: 'give exactly one of shippingAddressId and shippingAddress',
      });
    }
  })
  .openapi('OrderCreateRequest', {
    example: {
      lines: [{ productId: '6b06eed21006e491d07feb71', quantity: 2 }],
      shippingAddressId: '0b9c1a8e-3f5e-4a51-9d7e-2f4c8b6a1d20',
      paymentMethod: { type: 'card', token: 'pm_test_success' },
      currency: 'USD',
    },
  });

export const IdempotencyHeaders = z.object({
  'idempotency-key': requiredIdempotencyKey('Required: a retry with the same key and body returns the same order'),
  /** Parsed to the seconds to wait: `wait=N` capped at 10, else 0. */
  prefer: z
    .string()
    .max(100)
    .optional()
    .transform((header) => {
      const m = /(?:^|[;,\s])wait=(\d+)/i.exec(header ?? '');
      return m ? Math.min(10, Number(m[1])) : 0;
    })
    .openapi({
      param: { name: 'prefer', in: 'header' },
      type: 'string',
      example: 'wait=5',
      description: '`wait=N` (N <= 10): answer when the saga has finished or N seconds passed',
    }),
});

export const PreferHeaders = IdempotencyHeaders.pick({ prefer: true });

export const IfMatchRequired = ifMatchHeaders('order', { required: true });

const Money = z.string().openapi({ example: '19.99' });

const OrderItemSchema = z
  .object({
    id: z.uuid(),
    productId: z.uuid(),
    productName: z.string(),
    productSku: z.string().nullable(),
    quantity: z.number().int(),
    unitPrice: Money,
    totalPrice: Money,
  })
  .openapi('OrderItem');

const orderFields = {
  id: z.uuid(),
  orderNumber: z.string().openapi({ example: 'ORD-2026-000123' }),
  userId: z.uuid(),
  status: z.enum(ORDER_STATUSES),
  paymentStatus: z.enum(ORDER_PAYMENT_STATUSES),
  paymentMethod: z.string().nullable(),
  subtotal: Money,
  tax: Money,
  shipping: Money,
  discount: Money,
  total: Money,
  currency: z.string(),
  shippingAddress: z.object({
    street: z.string().nullable(),
    city: z.string().nullable(),
    state: z.string().nullable(),
    zipCode: z.string().nullable(),
    country: z.string().nullable(),
  }),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
};

const OrderSummarySchema = z.object(orderFields).openapi('OrderSummary');
export const OrderSchema = z.object({ ...orderFields, items: z.array(OrderItemSchema) }).openapi('Order');

const SagaSummarySchema = z
  .object({
    status: z.enum(SAGA_STATUSES),
    currentStep: z.number().int(),
    totalSteps: z.number().int(),
    errorMessage: z.string().nullable(),
  })
  .openapi('SagaSummary');

export const PlacedOrderSchema = z
  .object({ order: OrderSchema, saga: SagaSummarySchema.nullable() })
  .openapi('PlacedOrder');

export const OrderPage = pageOf(OrderSummarySchema, 'OrderPage');

export const OrderListQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  sagaStatus: z.enum(SAGA_STATUSES).optional().openapi({
    description:
      'Orders whose checkout saga is in this status; staff use COMPENSATION_FAILED to find orders whose undo failed (money or stock may still be held)',
  }),
  ...keyedPageQuery(timeIdKey),
});

export const StatusBody = z
  .object({ status: z.enum(STAFF_TARGETS) })
  .strict()
  .openapi('OrderStatusChange', { example: { status: 'PROCESSING' } });
export const CancelBody = z
  .object({ reason: z.string().trim().min(1).max(255).default('cancelled by request') })
  .strict()
  .openapi('OrderCancel');

export const SagaDetailSchema = z
  .object({
    state: z.record(z.string(), z.unknown()).nullable(),
    history: z.array(z.object({ seq: z.number().int(), at: z.string(), event: z.unknown() })),
  })
  .openapi('OrderSagaDetail');

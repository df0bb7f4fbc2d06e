import { z } from '@hono/zod-openapi';

import { ifMatchHeaders } from '../../lib/etag.ts';
import { CART_STATUSES, CART_TOKEN_HEADER, MAX_QUANTITY } from '../../services/carts/index.ts';
import { IdempotencyHeaders, OrderCreateBody, ShippingAddressBody } from '../orders/orders.schemas.ts';

const ProductId = z
  .string()
  .regex(/^[0-9a-fA-F]{24}$/, 'must be a product id (24 hex digits)')
  .openapi({ example: '6b06eed21006e491d07feb71' });

export const CartTokenHeader = z.object({
  [CART_TOKEN_HEADER]: z
    .string()
    .min(10)
    .max(200)
    .optional()
    .openapi({
      param: { name: CART_TOKEN_HEADER, in: 'header' },
      description: 'The secret answered by POST /carts for an anonymous cart (not needed for your own cart)',
    }),
});

export const EditHeaders = CartTokenHeader.extend(ifMatchHeaders('cart', { required: false }).shape);

export const LineBody = z
  .object({ productId: ProductId, quantity: z.number().int().min(1).max(MAX_QUANTITY) })
  .strict()
  .openapi('CartLineInput', { example: { productId: '6b06eed21006e491d07feb71', quantity: 2 } });

export const RemoveLineQuery = z.object({
  productId: ProductId.openapi({ param: { name: 'productId', in: 'query' } }),
});

export const CartAddressBody = ShippingAddressBody;

export const PromotionCodeBody = z
  .object({
    code: z
      .string()
      .trim()
      .min(1)
      .max(50)
      .nullable()
      .openapi({ description: 'The code (case-insensitive); null removes it', example: 'WELCOME10' }),
  })
  .strict()
  .openapi('CartPromotionCode');

export const CheckoutBody = z
  .object({
    paymentMethod: OrderCreateBody.shape.paymentMethod,
    shippingAddressId: z
      .uuid()
      .optional()
      .openapi({ description: "One of your saved addresses; else the cart's shipping address" }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'ISO 4217, upper case')
      .optional()
      .openapi({ description: "Default: the currency of the cart's estimates (else USD)" }),
  })
  .strict()
  .openapi('CartCheckout', { example: { paymentMethod: { type: 'card', token: 'pm_test_success' } } });

export const CheckoutHeaders = IdempotencyHeaders;

const Money = z.string().openapi({ example: '19.99' });

export const CartSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(CART_STATUSES),
    anonymous: z.boolean(),
    userId: z.uuid().nullable(),
    version: z.number().int(),
    lines: z.array(
      z.object({
        productId: z.string(),
        quantity: z.number().int(),
        name: z.string().nullable(),
        availability: z.enum(['AVAILABLE', 'UNAVAILABLE', 'PENDING']).openapi({
          description:
            'UNAVAILABLE: the product is gone or not for sale (the line stays, flagged); PENDING: not yet read from the catalog',
        }),
        estimatedUnitPrice: Money.nullable(),
        estimatedLineTotal: Money.nullable(),
        currency: z.string().nullable(),
        priceCheckedAt: z.string().nullable(),
      }),
    ),
    pricesAreEstimates: z.literal(true).openapi({
      description: "Prices come from the catalog's edge cache; checkout prices every line from the store",
    }),
    estimatedSubtotal: Money,
    currency: z.string().nullable(),
    unavailableProductIds: z.array(z.string()),
    shippingAddress: z
      .object({
        street: z.string(),
        apartment: z.string().nullable().optional(),
        city: z.string(),
        state: z.string(),
        zipCode: z.string(),
        country: z.string(),
      })
      .nullable(),
    promotionCode: z.string().nullable(),
    estimatedDiscount: Money.nullable().openapi({
      description:
        "What the code took off the estimated subtotal when it was set; checkout decides on the store's prices",
    }),
    freeShipping: z.boolean(),
    orderId: z.uuid().nullable().openapi({ description: 'The order of the latest checkout' }),
    mergedInto: z.uuid().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    expiresAt: z.string().nullable().openapi({ description: 'Deleted after this much inactivity (CART_EXPIRY_DAYS)' }),
  })
  .openapi('Cart');

export const CreatedCartSchema = z
  .object({
    cart: CartSchema,
    cartToken: z.string().nullable().openapi({
      description: 'Anonymous carts only, answered once: send it as X-Cart-Token. Never stored in clear.',
    }),
  })
  .openapi('CreatedCart');

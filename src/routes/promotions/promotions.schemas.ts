import { z } from '@hono/zod-openapi';

import { ifMatchHeaders } from '../../lib/etag.ts';
import { OBJECT_ID_PATTERN } from '../../lib/ids.ts';
import { keyedPageQuery, pageOf, timeIdKey } from '../../lib/pagination.ts';
import { PROMOTION_KINDS } from '../../services/promotions/model.ts';

/** A promotion code as customers type it: letters, digits, `-` and `_`, compared case-insensitively. */
export const PromotionCodeField = z
  .string()
  .trim()
  .min(2)
  .max(50)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only');

const ObjectIdHex = z.string().regex(OBJECT_ID_PATTERN, 'must be a product id (24 hex digits)');
const MinorUnits = z.number().int().min(0).max(99_999_999_99);
const Limit = z.number().int().min(1).max(1_000_000_000);
const When = z.iso.datetime({ offset: true }).transform((t) => new Date(t));

const editable = {
  code: PromotionCodeField.openapi({ example: 'SPRING10' }),
  description: z.string().trim().max(255).nullable().optional(),
  kind: z.enum(PROMOTION_KINDS),
  value: z.number().int().min(0).max(99_999_999_99).openapi({
    description:
      'PERCENT: basis points 1..10000 (1000 = 10%); FIXED_AMOUNT: minor units (500 = 5.00); FREE_SHIPPING: 0',
    example: 1000,
  }),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217, upper case'),
  startsAt: When.nullable().optional().openapi({ type: 'string', format: 'date-time' }),
  endsAt: When.nullable().optional().openapi({ type: 'string', format: 'date-time', description: 'exclusive' }),
  minSubtotalMinor: MinorUnits.nullable()
    .optional()
    .openapi({ description: "minimum of the order's subtotal, minor units" }),
  productIds: z
    .array(ObjectIdHex)
    .max(200)
    .nullable()
    .optional()
    .openapi({ description: 'scope: these products only' }),
  categoryIds: z
    .array(z.string().min(1).max(100))
    .max(200)
    .nullable()
    .optional()
    .openapi({ description: "scope: products of these categories (the product's own category)" }),
  usageLimit: Limit.nullable().optional().openapi({ description: 'uses in all; null: unlimited' }),
  perCustomerLimit: Limit.nullable().optional().openapi({ description: 'uses per customer; null: unlimited' }),
  active: z.boolean().optional(),
};

export const PromotionCreateBody = z
  .object(editable)
  .strict()
  .openapi('PromotionCreate', {
    example: { code: 'SPRING10', kind: 'PERCENT', value: 1000, currency: 'USD', usageLimit: 100, perCustomerLimit: 1 },
  });

export const PromotionPatchBody = z
  .object(editable)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'change at least one field' })
  .openapi('PromotionPatch');

export const PromotionSchema = z
  .object({
    id: z.uuid(),
    code: z.string(),
    description: z.string().nullable(),
    kind: z.enum(PROMOTION_KINDS),
    value: z.number().int(),
    currency: z.string(),
    startsAt: z.string().nullable(),
    endsAt: z.string().nullable(),
    minSubtotalMinor: z.number().int().nullable(),
    productIds: z.array(z.string()),
    categoryIds: z.array(z.string()),
    usageLimit: z.number().int().nullable(),
    perCustomerLimit: z.number().int().nullable(),
    timesUsed: z.number().int().openapi({ description: 'redemptions that count (released ones do not)' }),
    active: z.boolean(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Promotion');

export const RedemptionSchema = z
  .object({
    id: z.uuid(),
    promotionId: z.uuid(),
    orderId: z.uuid(),
    userId: z.uuid(),
    amount: z.string().openapi({ example: '4.50', description: 'what the code took off (FREE_SHIPPING: shipping)' }),
    createdAt: z.string(),
    releasedAt: z.string().nullable().openapi({ description: 'set when the order was cancelled' }),
  })
  .openapi('PromotionRedemption');

export const PromotionPage = pageOf(PromotionSchema, 'PromotionPage');
export const RedemptionPage = pageOf(RedemptionSchema, 'PromotionRedemptionPage');
export const PromotionListQuery = z.object({ ...keyedPageQuery(timeIdKey) });
export const IfMatchRequired = ifMatchHeaders('promotion', { required: true });

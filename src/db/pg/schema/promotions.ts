/**
 * ADDITION (issue #20): promotion codes, in the order service's Postgres schema `orders`.
 * Both tables are tenant-owned under the same forced RLS as the seed's (drizzle/0013).
 *
 * - `promotions`: one code per tenant, unique case-insensitively (`lower(code)`). `value` is
 *   basis points for PERCENT (1..10000), minor units for FIXED_AMOUNT (> 0), 0 for
 *   FREE_SHIPPING. `times_used` counts the redemptions not released; the CHECK keeps it within
 *   `usage_limit`, and the order's transaction raises it with a conditional UPDATE.
 * - `promotion_redemptions`: one per order (an order carries at most one code). `released_at`
 *   is set (and `times_used` lowered) by the trigger on `orders.orders` when the order becomes
 *   CANCELLED, in the transaction that moves it: no code path can forget it.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  numeric,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

import { oneOf } from './one-of.ts';
import { orders, ordersSchema } from './orders.ts';

export const PROMOTION_KINDS = ['PERCENT', 'FIXED_AMOUNT', 'FREE_SHIPPING'] as const;

export const promotions = ordersSchema.table(
  'promotions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    code: varchar('code', { length: 50 }).notNull(),
    description: varchar('description', { length: 255 }),
    kind: varchar('kind', { length: 20, enum: PROMOTION_KINDS }).notNull(),
    value: integer('value').notNull(),
    currency: varchar('currency', { length: 3 }).notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    minSubtotalMinor: integer('min_subtotal_minor'),
    /** Product ObjectIds (hex) the code applies to; null or empty: no product scope. */
    productIds: text('product_ids').array(),
    /** Category ids the code applies to; null or empty: no category scope. */
    categoryIds: text('category_ids').array(),
    usageLimit: integer('usage_limit'),
    perCustomerLimit: integer('per_customer_limit'),
    timesUsed: integer('times_used').notNull().default(0),
    active: boolean('active').notNull().default(true),
    version: integer('version').notNull().default(0),
    createdAt: timestamp('created_at').notNull().defaultNow(),
    updatedAt: timestamp('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('chk_promotions_kind', oneOf(t.kind, PROMOTION_KINDS)),
    check(
      'chk_promotions_value',
      sql`(${t.kind} = 'PERCENT' AND ${t.value} BETWEEN 1 AND 10000) OR (${t.kind} = 'FIXED_AMOUNT' AND ${t.value} > 0) OR (${t.kind} = 'FREE_SHIPPING' AND ${t.value} = 0)`,
    ),
    check('chk_promotions_window', sql`${t.startsAt} IS NULL OR ${t.endsAt} IS NULL OR ${t.startsAt} < ${t.endsAt}`),
    check('chk_promotions_min_subtotal', sql`${t.minSubtotalMinor} IS NULL OR ${t.minSubtotalMinor} >= 0`),
    check(
      'chk_promotions_limits',
      sql`(${t.usageLimit} IS NULL OR ${t.usageLimit} > 0) AND (${t.perCustomerLimit} IS NULL OR ${t.perCustomerLimit} > 0)`,
    ),
    check(
      'chk_promotions_times_used',
      sql`${t.timesUsed} >= 0 AND (${t.usageLimit} IS NULL OR ${t.timesUsed} <= ${t.usageLimit})`,
    ),
    uniqueIndex('uq_promotions_tenant_code').on(t.tenantId, sql`lower(${t.code})`),
    index('idx_promotions_tenant_created').on(t.tenantId, t.createdAt.desc(), t.id.desc()),
  ],
);

export const promotionRedemptions = ordersSchema.table(
  'promotion_redemptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    promotionId: uuid('promotion_id')
      .notNull()
      .references(() => promotions.id, { onDelete: 'restrict' }),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    /** auth.users.id, no FK (service boundary). */
    userId: uuid('user_id').notNull(),
    /** What the code took off the order (for FREE_SHIPPING: the shipping waived). */
    amount: numeric('amount', { precision: 10, scale: 2, mode: 'string' }).notNull(),
    createdAt: timestamp('created_at').notNull().defaultNow(),
    /** Set when the order was cancelled (the saga compensated): the use counts no more. */
    releasedAt: timestamp('released_at'),
  },
  (t) => [
    check('chk_promotion_redemptions_amount', sql`${t.amount} >= 0`),
    uniqueIndex('uq_promotion_redemptions_order').on(t.orderId),
    index('idx_promotion_redemptions_promotion').on(t.promotionId, t.createdAt.desc(), t.id.desc()),
    index('idx_promotion_redemptions_customer').on(t.promotionId, t.userId),
    index('idx_promotion_redemptions_tenant_id').on(t.tenantId),
  ],
);

export type Promotion = typeof promotions.$inferSelect;
export type NewPromotion = typeof promotions.$inferInsert;
export type PromotionRedemption = typeof promotionRedemptions.$inferSelect;

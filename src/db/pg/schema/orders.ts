/**
 * Order service — Postgres schema `orders`.
 *
 * Reproduces the seed (docs section 3) exactly. Additions are marked `ADDITION:`.
 * Service boundary: `orders.user_id` and `order_items.product_id` have no FK, and
 * `tenant_id` has no FK to auth.tenants.
 * Money columns are DECIMAL(10,2) read/written as strings (never floats).
 */
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

import { oneOf } from './one-of.ts';

/** Value sets of the seed's CHECK constraints: the constraint below and the API's zod enums are made of these. */
export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export const ORDER_PAYMENT_STATUSES = ['PENDING', 'COMPLETED', 'FAILED', 'REFUNDED'] as const;
// ADDITION: COMPENSATION_FAILED, a saga whose undo kept failing (money or stock may still be held: staff act).
export const SAGA_STATUSES = [
  'STARTED',
  'IN_PROGRESS',
  'COMPLETED',
  'FAILED',
  'COMPENSATING',
  'COMPENSATED',
  'COMPENSATION_FAILED',
] as const;

export const ordersSchema = pgSchema('orders');

// ---------------------------------------------------------------------------
// orders (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const orders = ordersSchema.table(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Globally unique, as in the seed.
    orderNumber: varchar('order_number', { length: 50 }).notNull().unique(),
    /** auth.users.id — no FK (service boundary). */
    userId: uuid('user_id').notNull(),
    // Order status
    status: varchar('status', { length: 20, enum: ORDER_STATUSES }).notNull().default('PENDING'),
    // Payment information
    paymentStatus: varchar('payment_status', { length: 20, enum: ORDER_PAYMENT_STATUSES }).notNull().default('PENDING'),
    paymentMethod: varchar('payment_method', { length: 50 }),
    // Amounts
    subtotal: numeric('subtotal', { precision: 10, scale: 2, mode: 'string' }).notNull(),
    tax: numeric('tax', { precision: 10, scale: 2, mode: 'string' })
      .notNull()
      .default(sql`0`),
    shipping: numeric('shipping', { precision: 10, scale: 2, mode: 'string' })
      .notNull()
      .default(sql`0`),
    discount: numeric('discount', { precision: 10, scale: 2, mode: 'string' })
      .notNull()
      .default(sql`0`),
    total: numeric('total', { precision: 10, scale: 2, mode: 'string' }).notNull(),
    currency: varchar('currency', { length: 3 }).notNull().default('USD'),
    // Shipping address (denormalized for performance)
    shippingStreet: varchar('shipping_street', { length: 255 }),
    shippingCity: varchar('shipping_city', { length: 100 }),
    shippingState: varchar('shipping_state', { length: 100 }),
    shippingZipCode: varchar('shipping_zip_code', { length: 20 }),
    shippingCountry: varchar('shipping_country', { length: 100 }),
    // Timestamps
    createdAt: timestamp('created_at').notNull().defaultNow(),
    updatedAt: timestamp('updated_at').notNull().defaultNow(),
    completedAt: timestamp('completed_at'),
    cancelledAt: timestamp('cancelled_at'),
    // Optimistic locking
    version: integer('version').notNull().default(0),
    // ADDITION: tenant column for RLS.
    tenantId: uuid('tenant_id').notNull(),
    // ADDITION: the client's Idempotency-Key of POST /orders and the fingerprint of
    // the request that first used it (same key + other body = 422).
    idempotencyKey: varchar('idempotency_key', { length: 255 }),
    requestFingerprint: varchar('request_fingerprint', { length: 64 }),
  },
  (t) => [
    check('chk_status', oneOf(t.status, ORDER_STATUSES)),
    // ADDITION: one order per (tenant, user, Idempotency-Key).
    uniqueIndex('uq_orders_idempotency').on(t.tenantId, t.userId, t.idempotencyKey),
    // ADDITION: keyset pages of a user's / a tenant's orders, newest first.
    index('idx_orders_tenant_user_created').on(t.tenantId, t.userId, t.createdAt.desc(), t.id.desc()),
    index('idx_orders_tenant_created').on(t.tenantId, t.createdAt.desc(), t.id.desc()),
    check('chk_payment_status', oneOf(t.paymentStatus, ORDER_PAYMENT_STATUSES)),
    index('idx_orders_user_id').on(t.userId),
    index('idx_orders_order_number').on(t.orderNumber),
    index('idx_orders_status').on(t.status),
    // Seed: (created_at DESC); Postgres' default for DESC is NULLS FIRST, drizzle's is NULLS LAST.
    index('idx_orders_created_at').on(t.createdAt.desc().nullsFirst()),
    // ADDITION
    index('idx_orders_tenant_id').on(t.tenantId),
  ],
);

// ---------------------------------------------------------------------------
// order_items (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const orderItems = ordersSchema.table(
  'order_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    // Product information (denormalized; product lives in MongoDB, no FK)
    productId: uuid('product_id').notNull(),
    productName: varchar('product_name', { length: 255 }).notNull(),
    productSku: varchar('product_sku', { length: 100 }),
    // Pricing
    quantity: integer('quantity').notNull(),
    unitPrice: numeric('unit_price', { precision: 10, scale: 2, mode: 'string' }).notNull(),
    totalPrice: numeric('total_price', { precision: 10, scale: 2, mode: 'string' }).notNull(),
    createdAt: timestamp('created_at').notNull().defaultNow(),
    // ADDITION: tenant column for RLS.
    tenantId: uuid('tenant_id').notNull(),
  },
  (t) => [
    check('chk_quantity', sql`${t.quantity} > 0`),
    check('chk_unit_price', sql`${t.unitPrice} >= 0`),
    index('idx_order_items_order_id').on(t.orderId),
    index('idx_order_items_product_id').on(t.productId),
    // ADDITION
    index('idx_order_items_tenant_id').on(t.tenantId),
  ],
);

// ---------------------------------------------------------------------------
// saga_executions (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const sagaExecutions = ordersSchema.table(
  'saga_executions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sagaType: varchar('saga_type', { length: 100 }).notNull(),
    aggregateId: uuid('aggregate_id').notNull(),
    // Saga state
    status: varchar('status', { length: 20, enum: SAGA_STATUSES }).notNull().default('STARTED'),
    currentStep: integer('current_step').notNull().default(0),
    totalSteps: integer('total_steps').notNull(),
    // Execution data (JSON)
    context: jsonb('context').$type<Record<string, unknown>>().notNull(),
    // Error handling
    errorMessage: text('error_message'),
    retryCount: integer('retry_count').notNull().default(0),
    // Timestamps
    createdAt: timestamp('created_at').notNull().defaultNow(),
    updatedAt: timestamp('updated_at').notNull().defaultNow(),
    completedAt: timestamp('completed_at'),
    // ADDITION: tenant column for RLS.
    tenantId: uuid('tenant_id').notNull(),
  },
  (t) => [
    check('chk_status', oneOf(t.status, SAGA_STATUSES)),
    index('idx_saga_executions_aggregate_id').on(t.aggregateId),
    index('idx_saga_executions_status').on(t.status),
    // ADDITION: one mirror row per (saga type, aggregate).
    uniqueIndex('uq_saga_executions_type_aggregate').on(t.sagaType, t.aggregateId),
    // ADDITION
    index('idx_saga_executions_tenant_id').on(t.tenantId),
  ],
);

// ---------------------------------------------------------------------------
// ADDITION: saga_starts, the durable start of an order's saga. Written in the
// order's own transaction, deleted by the saga's first mirror. A row older than
// ORDER_SAGA_START_GRACE_SECONDS is an order whose saga never started (the Worker
// died between the insert and the Durable Object call): the scheduled sweeper
// hands it to its Durable Object, which cancels it. No RLS: the sweeper reads
// every tenant's rows, and a row holds ids only.
// ---------------------------------------------------------------------------
export const sagaStarts = ordersSchema.table(
  'saga_starts',
  {
    orderId: uuid('order_id')
      .primaryKey()
      .references(() => orders.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id').notNull(),
    createdAt: timestamp('created_at').notNull().defaultNow(),
  },
  (t) => [index('idx_saga_starts_created_at').on(t.createdAt)],
);

// ---------------------------------------------------------------------------
// Inferred row types
// ---------------------------------------------------------------------------
export type Order = typeof orders.$inferSelect;
export type NewOrder = typeof orders.$inferInsert;
export type OrderItem = typeof orderItems.$inferSelect;
export type NewOrderItem = typeof orderItems.$inferInsert;
export type SagaExecution = typeof sagaExecutions.$inferSelect;
export type NewSagaExecution = typeof sagaExecutions.$inferInsert;

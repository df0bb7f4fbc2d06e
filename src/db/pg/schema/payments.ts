/**
 * Payment service — Postgres schema `payments`.
 *
 * Reproduces the seed (docs section 4) exactly. Additions are marked `ADDITION:`.
 * Service boundary: `payments.order_id` / `user_id` have no FK, and `tenant_id`
 * has no FK to auth.tenants.
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
  unique,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

import { oneOf } from './one-of.ts';

/** Value sets of the seed's CHECK constraints: the constraint below and the API's zod enums are made of these. */
export const REFUND_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export const PAYMENT_TRANSACTION_TYPES = ['CHARGE', 'REFUND', 'AUTHORIZATION', 'CAPTURE'] as const;
export const PAYMENT_STATUSES = ['PENDING', 'COMPLETED', 'FAILED', 'REFUNDED', 'CANCELLED'] as const;

export const paymentsSchema = pgSchema('payments');

// ---------------------------------------------------------------------------
// payments (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const payments = paymentsSchema.table(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** orders.orders.id — no FK (service boundary). */
    orderId: uuid('order_id').notNull().unique(),
    /** auth.users.id — no FK (service boundary). */
    userId: uuid('user_id').notNull(),
    // Amount
    amount: numeric('amount', { precision: 10, scale: 2, mode: 'string' }).notNull(),
    currency: varchar('currency', { length: 3 }).notNull().default('USD'),
    // Payment method
    paymentMethod: varchar('payment_method', { length: 50 }).notNull(),
    paymentProvider: varchar('payment_provider', { length: 50 }).notNull(),
    // Transaction details
    transactionType: varchar('transaction_type', { length: 20, enum: PAYMENT_TRANSACTION_TYPES }).notNull(),
    status: varchar('status', { length: 20, enum: PAYMENT_STATUSES }).notNull().default('PENDING'),
    // External gateway info
    gatewayTransactionId: varchar('gateway_transaction_id', { length: 255 }),
    gatewayResponse: text('gateway_response'),
    // Idempotency
    idempotencyKey: varchar('idempotency_key', { length: 255 }).unique(),
    // Error handling
    errorCode: varchar('error_code', { length: 50 }),
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
    check('chk_transaction_type', oneOf(t.transactionType, PAYMENT_TRANSACTION_TYPES)),
    check('chk_status', oneOf(t.status, PAYMENT_STATUSES)),
    check('chk_amount', sql`${t.amount} > 0`),
    index('idx_payments_order_id').on(t.orderId),
    index('idx_payments_user_id').on(t.userId),
    index('idx_payments_status').on(t.status),
    index('idx_payments_idempotency_key').on(t.idempotencyKey),
    // ADDITION
    index('idx_payments_tenant_id').on(t.tenantId),
  ],
);

// ---------------------------------------------------------------------------
// ADDITION: refunds (tenant-owned, RLS). The seed keeps one payments row per
// order (order_id UNIQUE), so partial refunds are rows here; the payment becomes
// REFUNDED when they add up to its amount.
// ---------------------------------------------------------------------------
export const refunds = paymentsSchema.table(
  'refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id, { onDelete: 'cascade' }),
    amount: numeric('amount', { precision: 10, scale: 2, mode: 'string' }).notNull(),
    reason: varchar('reason', { length: 255 }),
    status: varchar('status', { length: 20, enum: REFUND_STATUSES }).notNull().default('PENDING'),
    gatewayRefundId: varchar('gateway_refund_id', { length: 255 }),
    idempotencyKey: varchar('idempotency_key', { length: 255 }).notNull(),
    requestFingerprint: varchar('request_fingerprint', { length: 64 }),
    /** Who asked for it: a staff user id, or null for the saga's compensation. */
    requestedBy: uuid('requested_by'),
    createdAt: timestamp('created_at').notNull().defaultNow(),
    completedAt: timestamp('completed_at'),
    tenantId: uuid('tenant_id').notNull(),
  },
  (t) => [
    check('chk_refund_status', oneOf(t.status, REFUND_STATUSES)),
    check('chk_refund_amount', sql`${t.amount} > 0`),
    index('idx_refunds_payment_id').on(t.paymentId),
    unique('uq_refunds_tenant_idempotency').on(t.tenantId, t.idempotencyKey),
    index('idx_refunds_tenant_id').on(t.tenantId),
  ],
);

// ---------------------------------------------------------------------------
// ADDITION: webhook_events (tenant-owned, RLS): one row per provider event, so a
// replayed webhook changes nothing.
// ---------------------------------------------------------------------------
export const webhookEvents = paymentsSchema.table(
  'webhook_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    provider: varchar('provider', { length: 50 }).notNull(),
    eventId: varchar('event_id', { length: 255 }).notNull(),
    eventType: varchar('event_type', { length: 100 }).notNull(),
    paymentId: uuid('payment_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    providerCreatedAt: timestamp('provider_created_at'),
    receivedAt: timestamp('received_at').notNull().defaultNow(),
    tenantId: uuid('tenant_id').notNull(),
  },
  (t) => [
    unique('uq_webhook_events_provider_event').on(t.provider, t.eventId),
    index('idx_webhook_events_tenant_id').on(t.tenantId),
  ],
);

// ---------------------------------------------------------------------------
// Inferred row types
// ---------------------------------------------------------------------------
export type Payment = typeof payments.$inferSelect;
export type NewPayment = typeof payments.$inferInsert;
export type Refund = typeof refunds.$inferSelect;
export type WebhookEvent = typeof webhookEvents.$inferSelect;

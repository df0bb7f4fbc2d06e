/**
 * Payment service — Postgres schema `payments`.
 *
 * Reproduces the seed (docs section 4) exactly. Additions are marked `ADDITION:`.
 * Service boundary: `payments.order_id` / `user_id` have no FK, and `tenant_id`
 * has no FK to auth.tenants.
 * Money columns are DECIMAL(10,2) read/written as strings (never floats).
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, numeric, pgSchema, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

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
    transactionType: varchar('transaction_type', { length: 20 }).notNull(),
    status: varchar('status', { length: 20 }).notNull().default('PENDING'),
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
    check('chk_transaction_type', sql`${t.transactionType} IN ('CHARGE', 'REFUND', 'AUTHORIZATION', 'CAPTURE')`),
    check('chk_status', sql`${t.status} IN ('PENDING', 'COMPLETED', 'FAILED', 'REFUNDED', 'CANCELLED')`),
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
// Inferred row types
// ---------------------------------------------------------------------------
export type Payment = typeof payments.$inferSelect;
export type NewPayment = typeof payments.$inferInsert;

/** Value sets of the seed's CHECK constraints, for validation in code. */
export const PAYMENT_TRANSACTION_TYPES = ['CHARGE', 'REFUND', 'AUTHORIZATION', 'CAPTURE'] as const;
export const PAYMENT_STATUSES = ['PENDING', 'COMPLETED', 'FAILED', 'REFUNDED', 'CANCELLED'] as const;

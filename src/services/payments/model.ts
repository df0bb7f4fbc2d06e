/** The payment service's domain: what charging, refunding and webhooks take and give back. */
import type { BatchItem } from 'drizzle-orm/batch';

import type { HttpDatabase } from '../../db/pg/http.ts';
import type { REFUND_STATUSES } from '../../db/pg/schema/index.ts';
import type { Payment } from '../../db/pg/schema/payments.ts';
import type { ServiceContext } from '../context.ts';

/** The payments schema's database, for tenant transactions (inTenantTx). */
export const paymentsDb = (svc: Pick<ServiceContext, 'stores'>) => svc.stores.pg('payments').db;

export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** PROCESS_PAYMENT's input: one attempt to authorize and capture an order's total. */
export interface ChargeInput {
  orderId: string;
  userId: string;
  amountMinor: number;
  currency: string;
  paymentMethod: string;
  paymentToken: string;
  attempt: number;
  /**
   * Statements the caller commits with the payment's completion, in the same transaction
   * (the saga's mirror of the step: one round trip for both), and what to do with their
   * answers once committed. Only for tables in the payments database; the caller checks that
   * its own tables live there too.
   */
  alsoCommit?: {
    statements(db: HttpDatabase, payment: Payment): BatchItem<'pg'>[];
    landed(results: readonly unknown[]): void;
  };
}

/** What undoing PROCESS_PAYMENT did. */
export type UndoOutcome = 'REFUNDED' | 'VOIDED' | 'NONE';

export interface RefundInput {
  /** Minor units; the whole remaining amount when absent. */
  amountMinor?: number | undefined;
  reason?: string | undefined;
  idempotencyKey: string;
  /** Staff user id, or null for the saga's compensation. */
  requestedBy: string | null;
  /** Fingerprint of the HTTP request (null for the saga). */
  fingerprint: string | null;
}

/**
 * What payments tells the order a payment belongs to. Orders implements it
 * (orders/payment-link.ts) and callers hand it in: payments never imports orders.
 */
export interface OrderLink {
  /** The payment is refunded in full: the order's payment_status follows. */
  refunded(svc: ServiceContext, orderId: string): Promise<void>;
  /** A staff refund went through: the buyer hears of it, once per refund. */
  refundIssued(svc: ServiceContext, refund: { orderId: string; refundId: string; amount: string }): Promise<void>;
  /** The provider reported on the payment (a webhook): the order's saga looks again. */
  paymentChanged(svc: ServiceContext, orderId: string): Promise<void>;
}

export type WebhookOutcome = { received: true; duplicate: boolean; applied: string | null };

/** The payment service's domain: what charging, refunding and webhooks take and give back. */
import type { REFUND_STATUSES } from '../../db/pg/schema/index.ts';
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

export type WebhookOutcome = { received: true; duplicate: boolean; applied: string | null };

/**
 * The order's life, as the seed's CHECK constraints name it:
 *
 *   PENDING --saga completes--> CONFIRMED --staff--> PROCESSING --> SHIPPED --> DELIVERED
 *      \--saga compensates / cancel-->  CANCELLED  <--cancel-- CONFIRMED, PROCESSING
 *
 * PENDING -> CONFIRMED and -> CANCELLED belong to the saga (its mirror writes them);
 * staff move an order forward one step at a time; every other transition is refused.
 */
import { ORDER_PAYMENT_STATUSES, ORDER_STATUSES, type Order, type OrderItem } from '../../db/pg/schema/orders.ts';

export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type OrderPaymentStatus = (typeof ORDER_PAYMENT_STATUSES)[number];
export { ORDER_PAYMENT_STATUSES, ORDER_STATUSES };

/** Staff moves: from -> the only allowed next status. */
export const STAFF_TRANSITIONS: Partial<Record<OrderStatus, OrderStatus>> = {
  CONFIRMED: 'PROCESSING',
  PROCESSING: 'SHIPPED',
  SHIPPED: 'DELIVERED',
};
export const STAFF_TARGETS = ['PROCESSING', 'SHIPPED', 'DELIVERED'] as const;
export type StaffTarget = (typeof STAFF_TARGETS)[number];

/** Owner or staff may cancel from these; later the goods are on their way. */
export const CANCELLABLE: readonly OrderStatus[] = ['PENDING', 'CONFIRMED', 'PROCESSING'];

export const ORDER_SAGA_TYPE = 'ORDER_CHECKOUT';

export const MAX_LINES = 50;
export const MAX_QUANTITY = 100;

/** What a staff move did (plain data: it crosses Durable Object RPC); status.ts turns refusals into problems. */
export type MoveOutcome =
  | { ok: true; order: Order; items: OrderItem[] }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale'; version: number }
  | { ok: false; reason: 'invalid_transition' | 'cancelling'; from: string };

export type CancelCheck =
  | { ok: true; order: Order; items: OrderItem[] }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_cancellable'; status: string };

/** What a settled saga's mirror left of its order: the fields the saga moves (ISO timestamps). */
export interface OrderSnapshot {
  status: OrderStatus;
  paymentStatus: OrderPaymentStatus;
  version: number;
  updatedAt: string;
  completedAt: string | null;
  cancelledAt: string | null;
}

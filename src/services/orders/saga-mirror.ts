/**
 * Mirrors the saga's state into PostgreSQL: the seed's `orders.saga_executions` row
 * (one per order, upserted) and the order's `status` / `payment_status`, in ONE
 * transaction, so the order never says CONFIRMED without its saga saying COMPLETED.
 *
 *   saga COMPLETED    -> order PENDING -> CONFIRMED, payment COMPLETED
 *   saga COMPENSATED  -> order (PENDING | CONFIRMED | PROCESSING) -> CANCELLED, cancelled_at
 *   saga COMPENSATION_FAILED -> the order keeps its status (stock or money may still be
 *                        held); staff find it with GET /orders?sagaStatus=COMPENSATION_FAILED
 *   any state         -> payment_status follows the payment outcome the steps recorded
 *                        (CAPTURED -> COMPLETED, DECLINED/VOIDED -> FAILED, REFUNDED)
 * Each change bumps the order's `version` (its ETag). Writing the same state twice
 * changes nothing (guards in the WHERE clauses), so the runner may repeat a mirror.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';

import type { HttpDatabase } from '../../db/pg/http.ts';
import { orders, sagaExecutions, sagaStarts } from '../../db/pg/schema/orders.ts';
import { inTenantBatch } from '../../db/pg/tenant-tx.ts';
import type { ServiceContext } from '../context.ts';
import {
  CANCELLABLE,
  ORDER_SAGA_TYPE,
  type OrderPaymentStatus,
  type OrderSnapshot,
  type OrderStatus,
} from './model.ts';
import { redacted, type PaymentOutcome, type SagaContext } from './saga/context.ts';
import { initialState, isTerminal, type SagaState } from './saga/state.ts';

const PAYMENT_STATUS_OF: Record<PaymentOutcome, OrderPaymentStatus> = {
  CAPTURED: 'COMPLETED',
  DECLINED: 'FAILED',
  VOIDED: 'FAILED',
  REFUNDED: 'REFUNDED',
};

/**
 * payment_status only moves forward: PENDING -> COMPLETED | FAILED -> REFUNDED. A saga
 * that mirrors an older outcome again (after an abort, a retry) never undoes a refund
 * recorded since (refunds.ts, webhooks, staff): the statuses each one may replace.
 */
const PAYMENT_STATUS_REPLACES: Record<OrderPaymentStatus, OrderPaymentStatus[]> = {
  PENDING: [],
  COMPLETED: ['PENDING', 'FAILED'],
  FAILED: ['PENDING', 'COMPLETED'],
  REFUNDED: ['PENDING', 'COMPLETED', 'FAILED'],
};

/** `target` when the order's payment_status may move there, its current value otherwise (SQL). */
function forwardPaymentStatus(target: OrderPaymentStatus) {
  const from = PAYMENT_STATUS_REPLACES[target];
  if (from.length === 0) return sql<OrderPaymentStatus>`${orders.paymentStatus}`;
  return sql<OrderPaymentStatus>`CASE WHEN ${inArray(orders.paymentStatus, from)} THEN ${target} ELSE ${orders.paymentStatus} END`;
}

/** The context as stored in PostgreSQL: without the payment token. */
function storedContext(state: SagaState, waitingForStock: boolean): Record<string, unknown> {
  const { paymentToken: _blank, ...rest } = redacted(state).context;
  return {
    ...rest,
    completedSteps: state.completedSteps,
    compensatedSteps: state.compensatedSteps,
    cancelRequested: state.cancelRequested,
    ...(waitingForStock ? { waitingForStock: true } : {}),
  };
}

/**
 * The saga's first mirror (STARTED), as the order's own INSERT writes it beside the order
 * (order-insert.ts), so the saga's object need not: the row's values but the order number,
 * which the INSERT makes and sets into `context`.
 */
export function startedMirror(orderId: string, tenantId: string, context: SagaContext) {
  const state = initialState(orderId, tenantId, context, new Date().toISOString());
  const { orderNumber: _made, ...rest } = storedContext(state, false);
  return { sagaType: ORDER_SAGA_TYPE, status: state.status, totalSteps: state.totalSteps, context: rest };
}

/** The start record of an order whose saga is known to run (or that is gone). */
export async function forgetSagaStart(svc: ServiceContext, orderId: string): Promise<void> {
  await inTenantBatch(svc.stores.pg('orders'), svc.tenantId, (db) => [
    db.delete(sagaStarts).where(eq(sagaStarts.orderId, orderId)),
  ]);
}

export interface MirrorOptions {
  /** The object's first mirror also removes the order's start record (see `mirrorSaga`). */
  firstMirror?: boolean;
  /** RESERVE_STOCK waits for units held by others (see `mirrorSaga`). */
  waitingForStock?: boolean;
  /**
   * Only while the order is not CANCELLED (CONFIRM_ORDER's check, in the same transaction):
   * otherwise the saga row keeps what it said, and nothing of the order changes but its
   * payment status.
   */
  whileOrderLive?: boolean;
}

/**
 * The statements of one mirror, built but not run: `mirrorSaga` sends them alone, a saga step
 * sends them with its own last write (one transaction, one round trip; runner.ts, `MirrorFold`).
 * They do not depend on each other's answers, so they run as one non-interactive batch.
 */
export function mirrorStatements(
  db: HttpDatabase,
  state: SagaState,
  retryCount: number,
  opts: MirrorOptions = {},
): BatchItem<'pg'>[] {
  const terminal = isTerminal(state);
  const values = {
    status: state.status,
    currentStep: state.currentStep,
    totalSteps: state.totalSteps,
    context: storedContext(state, opts.waitingForStock ?? false),
    errorMessage: state.errorMessage,
    retryCount,
    updatedAt: sql`now()`,
    completedAt: terminal ? sql`coalesce(${sagaExecutions.completedAt}, now())` : null,
  };
  const live = opts.whileOrderLive
    ? sql`exists (select 1 from ${orders} where ${orders.id} = ${state.orderId} and ${orders.status} <> 'CANCELLED')`
    : undefined;
  const statements: BatchItem<'pg'>[] = [
    db
      .insert(sagaExecutions)
      .values({
        ...values,
        sagaType: ORDER_SAGA_TYPE,
        aggregateId: state.orderId,
        tenantId: state.tenantId,
        completedAt: terminal ? sql`now()` : null,
      })
      .onConflictDoUpdate({
        target: [sagaExecutions.sagaType, sagaExecutions.aggregateId],
        set: values,
        ...(live ? { setWhere: live } : {}),
      }),
  ];
  if (opts.firstMirror) statements.push(db.delete(sagaStarts).where(eq(sagaStarts.orderId, state.orderId)));

  const paymentStatus = state.context.paymentOutcome ? PAYMENT_STATUS_OF[state.context.paymentOutcome] : undefined;
  const bump = { version: sql`${orders.version} + 1`, updatedAt: sql`now()` };
  if (state.status === 'COMPLETED') {
    statements.push(
      db
        .update(orders)
        .set({ status: 'CONFIRMED', paymentStatus: forwardPaymentStatus(paymentStatus ?? 'COMPLETED'), ...bump })
        .where(and(eq(orders.id, state.orderId), eq(orders.status, 'PENDING'))),
    );
  } else if (state.status === 'COMPENSATED') {
    statements.push(
      db
        .update(orders)
        .set({
          status: 'CANCELLED',
          cancelledAt: sql`now()`,
          ...(paymentStatus ? { paymentStatus: forwardPaymentStatus(paymentStatus) } : {}),
          ...bump,
        })
        .where(and(eq(orders.id, state.orderId), inArray(orders.status, [...CANCELLABLE]))),
    );
  }
  if (paymentStatus) {
    statements.push(
      db
        .update(orders)
        .set({ paymentStatus, ...bump })
        .where(
          and(eq(orders.id, state.orderId), inArray(orders.paymentStatus, PAYMENT_STATUS_REPLACES[paymentStatus])),
        ),
    );
  }
  // A settled saga's last word: the order as these writes left it (`orderSnapshotOf`), read in the
  // same transaction, so `Prefer: wait` answers with it instead of reading the order again.
  if (terminal) statements.push(db.select(SNAPSHOT_COLUMNS).from(orders).where(eq(orders.id, state.orderId)).limit(1));
  return statements;
}

const SNAPSHOT_COLUMNS = {
  status: orders.status,
  paymentStatus: orders.paymentStatus,
  version: orders.version,
  updatedAt: orders.updatedAt,
  completedAt: orders.completedAt,
  cancelledAt: orders.cancelledAt,
};

/**
 * The order as the mirror of `state` left it: the answer of the last of `mirrorStatements`'
 * statements (the answers of exactly those statements, in order); null unless `state` is terminal.
 */
export function orderSnapshotOf(state: SagaState, results: readonly unknown[]): OrderSnapshot | null {
  if (!isTerminal(state)) return null;
  const [row] = results.at(-1) as { [K in keyof typeof SNAPSHOT_COLUMNS]: (typeof orders.$inferSelect)[K] }[];
  if (!row) return null;
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    ...row,
    status: row.status as OrderStatus,
    paymentStatus: row.paymentStatus as OrderPaymentStatus,
    updatedAt: row.updatedAt.toISOString(),
    completedAt: iso(row.completedAt),
    cancelledAt: iso(row.cancelledAt),
  };
}

/**
 * Writes the saga's state into PostgreSQL: one transaction, over the HTTP path one round trip
 * (`inTenantBatch`; on the WebSocket path a connection, BEGIN, the statements and COMMIT).
 * `firstMirror`: the object's first mirror also removes the order's start record
 * (place-order.ts writes it with the order): from then on the saga is durable.
 * `waitingForStock`: RESERVE_STOCK is waiting for units held by others, so this order
 * holds none of them (`unitsHeldInCheckout` does not count it); the next mirror clears it.
 */
export async function mirrorSaga(
  svc: ServiceContext,
  state: SagaState,
  retryCount: number,
  opts: Omit<MirrorOptions, 'whileOrderLive'> = {},
): Promise<OrderSnapshot | null> {
  const results = await inTenantBatch(
    svc.stores.pg('orders'),
    state.tenantId,
    (db) => mirrorStatements(db, state, retryCount, opts) as [BatchItem<'pg'>, ...BatchItem<'pg'>[]],
  );
  return orderSnapshotOf(state, results);
}

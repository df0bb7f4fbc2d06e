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

import { orders, sagaExecutions, sagaStarts } from '../../db/pg/schema/orders.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { ServiceContext } from '../context.ts';
import { CANCELLABLE, ORDER_SAGA_TYPE, type OrderPaymentStatus } from './model.ts';
import { ordersDb } from './queries.ts';
import { redacted, type PaymentOutcome } from './saga/context.ts';
import { isTerminal, type SagaState } from './saga/state.ts';

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

/** The start record of an order whose saga is known to run (or that is gone). */
export async function forgetSagaStart(svc: ServiceContext, orderId: string): Promise<void> {
  await inTenantTx(ordersDb(svc), svc.tenantId, (tx) => tx.delete(sagaStarts).where(eq(sagaStarts.orderId, orderId)));
}

/**
 * `firstMirror`: the object's first mirror also removes the order's start record
 * (place-order.ts writes it with the order): from then on the saga is durable.
 * `waitingForStock`: RESERVE_STOCK is waiting for units held by others, so this order
 * holds none of them (`unitsHeldInCheckout` does not count it); the next mirror clears it.
 */
export async function mirrorSaga(
  svc: ServiceContext,
  state: SagaState,
  retryCount: number,
  opts: { firstMirror?: boolean; waitingForStock?: boolean } = {},
): Promise<void> {
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
  await inTenantTx(ordersDb(svc), state.tenantId, async (tx) => {
    await tx
      .insert(sagaExecutions)
      .values({
        ...values,
        sagaType: ORDER_SAGA_TYPE,
        aggregateId: state.orderId,
        tenantId: state.tenantId,
        completedAt: terminal ? sql`now()` : null,
      })
      .onConflictDoUpdate({ target: [sagaExecutions.sagaType, sagaExecutions.aggregateId], set: values });
    if (opts.firstMirror) await tx.delete(sagaStarts).where(eq(sagaStarts.orderId, state.orderId));

    const paymentStatus = state.context.paymentOutcome ? PAYMENT_STATUS_OF[state.context.paymentOutcome] : undefined;
    const bump = { version: sql`${orders.version} + 1`, updatedAt: sql`now()` };
    if (state.status === 'COMPLETED') {
      await tx
        .update(orders)
        .set({ status: 'CONFIRMED', paymentStatus: forwardPaymentStatus(paymentStatus ?? 'COMPLETED'), ...bump })
        .where(and(eq(orders.id, state.orderId), eq(orders.status, 'PENDING')));
    } else if (state.status === 'COMPENSATED') {
      await tx
        .update(orders)
        .set({
          status: 'CANCELLED',
          cancelledAt: sql`now()`,
          ...(paymentStatus ? { paymentStatus: forwardPaymentStatus(paymentStatus) } : {}),
          ...bump,
        })
        .where(and(eq(orders.id, state.orderId), inArray(orders.status, [...CANCELLABLE])));
    }
    if (paymentStatus) {
      await tx
        .update(orders)
        .set({ paymentStatus, ...bump })
        .where(
          and(eq(orders.id, state.orderId), inArray(orders.paymentStatus, PAYMENT_STATUS_REPLACES[paymentStatus])),
        );
    }
  });
}

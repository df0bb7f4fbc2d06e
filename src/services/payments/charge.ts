/**
 * The saga's payment work for one order: charge it (authorize, then capture) and,
 * when the saga compensates, undo that (refund what was captured, void what was only
 * authorized). One `payments.payments` row per order (order_id is UNIQUE).
 *
 * Idempotency, per (order, step, attempt): the provider key is
 * `<orderId>:PROCESS_PAYMENT:<attempt>`; a resumed attempt repeats its key, so the
 * provider answers with the first result. Progress is recorded after each provider
 * call: a payment that was authorized is captured next time, never authorized again.
 */
import { eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { payments, type Payment } from '../../db/pg/schema/payments.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { formatMoney } from '../catalog/money.ts';
import type { ServiceContext } from '../context.ts';
import { PermanentStepError } from '../orders/saga/step.ts';
import { defaultPaymentProvider, paymentProviderFor, PaymentDeclinedError, PaymentProviderError, type ProviderPayment } from './providers/index.ts';
import { issueRefund } from './refunds.ts';
import { sealGatewayRecord } from './sealing.ts';

export const paymentsDb = (svc: ServiceContext) => svc.stores.pg('payments').db;

export interface ChargeInput {
  orderId: string;
  userId: string;
  amountMinor: number;
  currency: string;
  paymentMethod: string;
  paymentToken: string;
  attempt: number;
}

async function update(svc: ServiceContext, id: string, set: PgUpdateSetSource<typeof payments>): Promise<Payment> {
  const [row] = await inTenantTx(paymentsDb(svc), svc.tenantId, (tx) =>
    tx.update(payments).set({ ...set, updatedAt: sql`now()` }).where(eq(payments.id, id)).returning(),
  );
  return row!;
}

/** The order's payment row, created PENDING on first call. */
async function paymentRow(svc: ServiceContext, input: ChargeInput, provider: string): Promise<Payment> {
  return inTenantTx(paymentsDb(svc), svc.tenantId, async (tx) => {
    await tx
      .insert(payments)
      .values({
        tenantId: svc.tenantId,
        orderId: input.orderId,
        userId: input.userId,
        amount: formatMoney(input.amountMinor),
        currency: input.currency,
        paymentMethod: input.paymentMethod,
        paymentProvider: provider,
        transactionType: 'AUTHORIZATION',
        status: 'PENDING',
        idempotencyKey: `order:${input.orderId}:charge`,
      })
      .onConflictDoNothing({ target: payments.orderId });
    const [row] = await tx.select().from(payments).where(eq(payments.orderId, input.orderId)).limit(1);
    return row!;
  });
}

const declined = (row: Payment) =>
  new PermanentStepError(row.errorMessage ?? 'payment declined', row.errorCode ?? 'card_declined', { paymentId: row.id, paymentOutcome: 'DECLINED' });

export async function chargeOrder(svc: ServiceContext, input: ChargeInput): Promise<Payment> {
  let row = await paymentRow(svc, input, defaultPaymentProvider(svc.env).name);
  if (row.status === 'COMPLETED') return row;
  if (row.status === 'FAILED') throw declined(row);
  const provider = paymentProviderFor(svc.env, row.paymentProvider);
  const key = `${input.orderId}:PROCESS_PAYMENT:${input.attempt}`;
  const call = { idempotencyKey: key, attempt: input.attempt };
  try {
    let result: ProviderPayment;
    if (row.gatewayTransactionId && row.transactionType === 'AUTHORIZATION') {
      result = await provider.capture({ ...call, transactionId: row.gatewayTransactionId, amountMinor: input.amountMinor });
    } else {
      const authorized = await provider.authorize({
        ...call,
        amountMinor: input.amountMinor,
        currency: input.currency,
        paymentMethod: input.paymentToken,
        description: `Order ${input.orderId}`,
        metadata: { orderId: input.orderId, tenantId: svc.tenantId },
      });
      row = await update(svc, row.id, { gatewayTransactionId: authorized.transactionId, retryCount: input.attempt - 1 });
      result = await provider.capture({ ...call, transactionId: authorized.transactionId, amountMinor: input.amountMinor });
    }
    return await update(svc, row.id, {
      status: 'COMPLETED',
      transactionType: 'CAPTURE',
      gatewayTransactionId: result.transactionId,
      gatewayResponse: await sealGatewayRecord(svc.env, row.id, { card: result.card, raw: result.raw }),
      errorCode: null,
      errorMessage: null,
      retryCount: input.attempt - 1,
      completedAt: sql`now()`,
    });
  } catch (err) {
    if (!(err instanceof PaymentProviderError)) throw err;
    if (err instanceof PaymentDeclinedError || !err.retryable) {
      const failed = await update(svc, row.id, {
        status: 'FAILED',
        errorCode: err.code.slice(0, 50),
        errorMessage: err.message,
        retryCount: input.attempt - 1,
        ...(err.transactionId ? { gatewayTransactionId: err.transactionId } : {}),
        ...(err instanceof PaymentDeclinedError ? { gatewayResponse: await sealGatewayRecord(svc.env, row.id, { card: err.card ?? { brand: null, last4: null }, raw: { code: err.code, declineCode: err.declineCode } }) } : {}),
      });
      throw declined(failed);
    }
    await update(svc, row.id, { errorCode: err.code.slice(0, 50), errorMessage: err.message, retryCount: input.attempt });
    throw err; // transient: the saga retries with the next attempt
  }
}

export type UndoOutcome = 'REFUNDED' | 'VOIDED' | 'NONE';

/** Compensation of PROCESS_PAYMENT. Does nothing when nothing was charged. */
export async function undoOrderCharge(svc: ServiceContext, input: { orderId: string; attempt: number }): Promise<UndoOutcome> {
  const [row] = await inTenantTx(paymentsDb(svc), svc.tenantId, (tx) => tx.select().from(payments).where(eq(payments.orderId, input.orderId)).limit(1));
  if (!row) return 'NONE';
  if (row.status === 'REFUNDED') return 'REFUNDED';
  if (row.status === 'COMPLETED') {
    await issueRefund(svc, row.id, { idempotencyKey: `order:${input.orderId}:compensation`, reason: 'order cancelled', requestedBy: null, fingerprint: null });
    return 'REFUNDED';
  }
  if (row.status === 'PENDING' && row.gatewayTransactionId) {
    const provider = paymentProviderFor(svc.env, row.paymentProvider);
    await provider.void({ idempotencyKey: `${input.orderId}:UNDO_PAYMENT:${input.attempt}`, attempt: input.attempt, transactionId: row.gatewayTransactionId });
    await update(svc, row.id, { status: 'CANCELLED' });
    return 'VOIDED';
  }
  if (row.status === 'PENDING') await update(svc, row.id, { status: 'CANCELLED' });
  return 'NONE';
}

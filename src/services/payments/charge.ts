/**
 * The saga's payment work for one order: charge it (authorize, then capture) and,
 * when the saga compensates, undo that (refund what was captured, void what was only
 * authorized). One `payments.payments` row per order (order_id is UNIQUE).
 *
 * Idempotency, per (order, step, attempt): the provider key is
 * `<orderId>:PROCESS_PAYMENT:<attempt>`, kept in the row's `idempotency_key`. A resumed
 * attempt repeats its key, so the provider answers with the first result. A failure
 * whose outcome is unknown (timeout, network error, 5xx: the provider may have acted)
 * keeps the key for the next attempt too, so a charge that went through is found
 * rather than made twice; only a failure known not to have charged moves to a new key.
 * Progress is recorded after each provider call: a payment that was authorized is
 * captured next time, never authorized again; an authorization whose capture is
 * refused for good stays PENDING (authorized) and the step fails: the saga then
 * compensates the failed step, and that void is retried like every undo (never
 * logged and dropped).
 *
 * The payment token: a card number given as one is refused before any provider call
 * (`card_number_refused`, permanent), and a provider's message is stored and passed on
 * with the token and any run of 12+ digits redacted, so no record holds it.
 */
import { eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';

import { payments, type Payment } from '../../db/pg/schema/payments.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { formatMoney } from '../catalog/index.ts';
import type { ServiceContext } from '../context.ts';
import { paymentErrors } from './errors.ts';
import { paymentsDb, type ChargeInput, type OrderLink, type UndoOutcome } from './model.ts';
import {
  defaultPaymentProvider,
  PaymentDeclinedError,
  PaymentProviderError,
  paymentProviderFor,
  PaymentTransientError,
  type ProviderPayment,
} from './providers/index.ts';
import { checkPaymentMethod, redactPaymentSecrets } from './providers/validation.ts';
import { issueRefund } from './refunds.ts';
import { sealGatewayRecord } from './sealing.ts';

async function update(svc: ServiceContext, id: string, set: PgUpdateSetSource<typeof payments>): Promise<Payment> {
  const [row] = await inTenantTx(paymentsDb(svc), svc.tenantId, (tx) =>
    tx
      .update(payments)
      .set({ ...set, updatedAt: sql`now()` })
      .where(eq(payments.id, id))
      .returning(),
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
        idempotencyKey: `${input.orderId}:PROCESS_PAYMENT:${input.attempt}`,
      })
      .onConflictDoNothing({ target: payments.orderId });
    const [row] = await tx.select().from(payments).where(eq(payments.orderId, input.orderId)).limit(1);
    return row!;
  });
}

const declined = (row: Payment) =>
  paymentErrors.declined(row.id, row.errorCode ?? 'card_declined', row.errorMessage ?? 'payment declined');

export async function chargeOrder(svc: ServiceContext, input: ChargeInput): Promise<Payment> {
  let row = await paymentRow(svc, input, defaultPaymentProvider(svc.env).name);
  if (row.status === 'COMPLETED') return row;
  if (row.status === 'FAILED') throw declined(row);
  const provider = paymentProviderFor(svc.env, row.paymentProvider);
  const call = {
    idempotencyKey: row.idempotencyKey ?? `${input.orderId}:PROCESS_PAYMENT:${input.attempt}`,
    attempt: input.attempt,
  };
  try {
    let result: ProviderPayment;
    if (row.gatewayTransactionId && row.transactionType === 'AUTHORIZATION') {
      result = await provider.capture({
        ...call,
        transactionId: row.gatewayTransactionId,
        amountMinor: input.amountMinor,
      });
    } else {
      checkPaymentMethod(provider.name, input.paymentToken); // a card number never reaches a provider
      const authorized = await provider.authorize({
        ...call,
        amountMinor: input.amountMinor,
        currency: input.currency,
        paymentMethod: input.paymentToken,
        description: `Order ${input.orderId}`,
        metadata: { orderId: input.orderId, tenantId: svc.tenantId },
      });
      row = await update(svc, row.id, {
        gatewayTransactionId: authorized.transactionId,
        retryCount: input.attempt - 1,
      });
      result = await provider.capture({
        ...call,
        transactionId: authorized.transactionId,
        amountMinor: input.amountMinor,
      });
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
    // Providers echo what they were sent: the token never goes into a record, a saga or a log.
    err.message = redactPaymentSecrets(err.message, input.paymentToken);
    if (err instanceof PaymentDeclinedError || !err.retryable) {
      // Authorized, but the capture was refused for good: the row stays PENDING with its
      // transaction, so the saga's undo of this step voids the hold (with retries).
      const authorized = Boolean(row.gatewayTransactionId) && row.transactionType === 'AUTHORIZATION';
      const failed = await update(svc, row.id, {
        ...(authorized ? {} : { status: 'FAILED' as const }),
        errorCode: err.code.slice(0, 50),
        errorMessage: err.message,
        retryCount: input.attempt - 1,
        ...(err.transactionId ? { gatewayTransactionId: err.transactionId } : {}),
        ...(err instanceof PaymentDeclinedError
          ? {
              gatewayResponse: await sealGatewayRecord(svc.env, row.id, {
                card: err.card ?? { brand: null, last4: null },
                raw: { code: err.code, declineCode: err.declineCode },
              }),
            }
          : {}),
      });
      throw declined(failed);
    }
    const nextKey =
      err instanceof PaymentTransientError && err.outcomeUnknown
        ? call.idempotencyKey
        : `${input.orderId}:PROCESS_PAYMENT:${input.attempt + 1}`;
    await update(svc, row.id, {
      errorCode: err.code.slice(0, 50),
      errorMessage: err.message,
      retryCount: input.attempt,
      idempotencyKey: nextKey,
    });
    throw err; // transient: the saga retries with the next attempt
  }
}

/**
 * Compensation of PROCESS_PAYMENT (also of an interrupted or failed one). Does nothing
 * when nothing was charged. A provider failure is thrown, never swallowed: the saga
 * retries the undo with backoff and ends COMPENSATION_FAILED if it never succeeds.
 */
export async function undoOrderCharge(
  svc: ServiceContext,
  input: { orderId: string; attempt: number },
  order: OrderLink,
): Promise<UndoOutcome> {
  const [row] = await inTenantTx(paymentsDb(svc), svc.tenantId, (tx) =>
    tx.select().from(payments).where(eq(payments.orderId, input.orderId)).limit(1),
  );
  if (!row) return 'NONE';
  if (row.status === 'REFUNDED') return 'REFUNDED';
  if (row.status === 'COMPLETED') {
    await issueRefund(
      svc,
      row.id,
      {
        idempotencyKey: `order:${input.orderId}:compensation`,
        reason: 'order cancelled',
        requestedBy: null,
        fingerprint: null,
      },
      order,
    );
    return 'REFUNDED';
  }
  if (row.status === 'PENDING' && row.gatewayTransactionId) {
    const provider = paymentProviderFor(svc.env, row.paymentProvider);
    await provider.void({
      idempotencyKey: `${input.orderId}:UNDO_PAYMENT:${input.attempt}`,
      attempt: input.attempt,
      transactionId: row.gatewayTransactionId,
    });
    await update(svc, row.id, { status: 'CANCELLED' });
    return 'VOIDED';
  }
  if (row.status === 'PENDING') await update(svc, row.id, { status: 'CANCELLED' });
  return 'NONE';
}

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
 *
 * Round trips, first attempt (issue #17): authorize, record, capture, complete: two provider
 * calls and two PostgreSQL requests (each one non-interactive transaction, `inTenantBatch`).
 * - No row is written before the authorization: the first attempt's key is known without
 *   one (nothing earlier could have moved it), and a resumed attempt repeats the same calls
 *   with the same key, the provider answering its first result. A later attempt, or one
 *   without the token (resumed after the saga dropped it), reads the row first (its key, an
 *   authorization to capture rather than make again, a payment already complete).
 * - The authorization is recorded (row PENDING, its transaction id) BEFORE the capture: money
 *   moves only on a transaction the row names, so the undo can always void or refund it. This
 *   is why authorize and capture stay two calls: one call that captures at once would leave,
 *   in a crash between the provider's answer and our record, money taken for an order the
 *   undo knows nothing of (where two calls leave at worst an authorization that expires).
 * - The completion carries the caller's statements (`ChargeInput.alsoCommit`: the saga's
 *   mirror of the step, orders' tables in the same database) in the same transaction.
 * A crash before the record leaves no row, or one without a transaction: the undo then has
 * nothing to void (an authorization, if one was made, expires at the provider).
 *
 * The payment token: a card number given as one is refused before any provider call
 * (`card_number_refused`, permanent), and a provider's message is stored and passed on
 * with the token and any run of 12+ digits redacted, so no record holds it.
 */
import { eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';

import { payments, type NewPayment, type Payment } from '../../db/pg/schema/payments.ts';
import { inTenantBatch, inTenantTx } from '../../db/pg/tenant-tx.ts';
import { formatMoney } from '../catalog/index.ts';
import type { ServiceContext } from '../context.ts';
import { paymentErrors } from './errors.ts';
import { paymentsDb, type ChargeInput, type OrderLink, type UndoOutcome } from './model.ts';
import { providerOf } from './provider-calls.ts';
import {
  defaultPaymentProvider,
  PaymentDeclinedError,
  PaymentProviderError,
  PaymentTransientError,
  type ProviderPayment,
} from './providers/index.ts';
import { checkPaymentMethod, redactPaymentSecrets } from './providers/validation.ts';
import { issueRefund } from './refunds.ts';
import { sealGatewayRecord } from './sealing.ts';

type Batch = [BatchItem<'pg'>, ...BatchItem<'pg'>[]];
type RowSet = PgUpdateSetSource<typeof payments>;
/** Fields a charge writes onto the order's row. */
type RowChanges = Partial<NewPayment>;

async function update(svc: ServiceContext, id: string, set: RowSet): Promise<Payment> {
  const [[row]] = await inTenantBatch(svc.stores.pg('payments'), svc.tenantId, (db) => [
    db
      .update(payments)
      .set({ ...set, updatedAt: sql`now()` })
      .where(eq(payments.id, id))
      .returning(),
  ]);
  return row!;
}

async function readRow(svc: ServiceContext, orderId: string): Promise<Payment | undefined> {
  const [[row]] = await inTenantBatch(
    svc.stores.pg('payments'),
    svc.tenantId,
    (db) => [db.select().from(payments).where(eq(payments.orderId, orderId)).limit(1)],
    { readOnly: true },
  );
  return row;
}

/** The order's row as a first write creates it (PENDING), with `set` on top. */
function newRow(svc: ServiceContext, input: ChargeInput, provider: string, key: string, set: RowChanges) {
  return {
    tenantId: svc.tenantId,
    orderId: input.orderId,
    userId: input.userId,
    amount: formatMoney(input.amountMinor),
    currency: input.currency,
    paymentMethod: input.paymentMethod,
    paymentProvider: provider,
    transactionType: 'AUTHORIZATION' as const,
    status: 'PENDING' as const,
    idempotencyKey: key,
    ...set,
  };
}

/**
 * Writes `set` onto the order's row, creating it where none exists; a row that left PENDING
 * (completed, failed, cancelled, refunded) is left as it is. Returns the row as it now stands.
 * One request: the upsert and a read of the row in one transaction.
 */
async function record(
  svc: ServiceContext,
  input: ChargeInput,
  provider: string,
  key: string,
  set: RowChanges,
): Promise<Payment> {
  const { id: _new, ...changes } = set;
  const [, [row]] = await inTenantBatch(svc.stores.pg('payments'), svc.tenantId, (db) => [
    db
      .insert(payments)
      .values(newRow(svc, input, provider, key, set))
      .onConflictDoUpdate({
        target: payments.orderId,
        set: { ...changes, updatedAt: sql`now()` },
        setWhere: eq(payments.status, 'PENDING'),
      }),
    db.select().from(payments).where(eq(payments.orderId, input.orderId)).limit(1),
  ]);
  return row!;
}

const declined = (row: Payment) =>
  paymentErrors.declined(row.id, row.errorCode ?? 'card_declined', row.errorMessage ?? 'payment declined');

export async function chargeOrder(svc: ServiceContext, input: ChargeInput): Promise<Payment> {
  // The first attempt needs no read: no earlier one can have moved its key (see the header).
  // Without a token the saga is past needing one (a resumed step whose payment went through):
  // the row says what happened, and nothing is sent to a provider unless it must be.
  const known = input.attempt > 1 || !input.paymentToken;
  let row = known ? await readRow(svc, input.orderId) : undefined;
  if (row?.status === 'COMPLETED') return row;
  if (row?.status === 'FAILED') throw declined(row);
  const providerName = row?.paymentProvider ?? defaultPaymentProvider(svc.env).name;
  const provider = providerOf(svc, providerName);
  const key = row?.idempotencyKey ?? `${input.orderId}:PROCESS_PAYMENT:${input.attempt}`;
  const call = { idempotencyKey: key, attempt: input.attempt };
  try {
    if (!(row?.gatewayTransactionId && row.transactionType === 'AUTHORIZATION')) {
      checkPaymentMethod(provider.name, input.paymentToken); // a card number never reaches a provider
      const authorized = await provider.authorize({
        ...call,
        amountMinor: input.amountMinor,
        currency: input.currency,
        paymentMethod: input.paymentToken,
        description: `Order ${input.orderId}`,
        metadata: { orderId: input.orderId, tenantId: svc.tenantId },
      });
      row = await record(svc, input, providerName, key, {
        gatewayTransactionId: authorized.transactionId,
        retryCount: input.attempt - 1,
      });
      // A resumed attempt whose first run got further: what it recorded stands.
      if (row.status === 'COMPLETED') return row;
      if (row.status === 'FAILED') throw declined(row);
    }
    const result: ProviderPayment = await provider.capture({
      ...call,
      transactionId: row.gatewayTransactionId!,
      amountMinor: input.amountMinor,
    });
    const done = row;
    const completed = {
      status: 'COMPLETED' as const,
      transactionType: 'CAPTURE' as const,
      gatewayTransactionId: result.transactionId,
      gatewayResponse: await sealGatewayRecord(svc.env, done.id, { card: result.card, raw: result.raw }),
      errorCode: null,
      errorMessage: null,
      retryCount: input.attempt - 1,
      completedAt: sql`now()`,
      updatedAt: sql`now()`,
    };
    const [[saved], ...theirs] = await inTenantBatch(
      svc.stores.pg('payments'),
      svc.tenantId,
      (db) =>
        [
          db.update(payments).set(completed).where(eq(payments.id, done.id)).returning(),
          ...(input.alsoCommit?.statements(db, done) ?? []),
        ] as Batch,
    );
    input.alsoCommit?.landed(theirs);
    return saved as Payment;
  } catch (err) {
    if (!(err instanceof PaymentProviderError)) throw err;
    return await recordFailure(svc, input, providerName, key, row ?? (await readRow(svc, input.orderId)), err);
  }
}

/** Records a provider's refusal or failure on the order's row (created if need be); always throws. */
async function recordFailure(
  svc: ServiceContext,
  input: ChargeInput,
  providerName: string,
  key: string,
  row: Payment | undefined,
  err: PaymentProviderError,
): Promise<never> {
  // Providers echo what they were sent: the token never goes into a record, a saga or a log.
  err.message = redactPaymentSecrets(err.message, input.paymentToken);
  if (err instanceof PaymentDeclinedError || !err.retryable) {
    // Authorized, but the capture was refused for good: the row stays PENDING with its
    // transaction, so the saga's undo of this step voids the hold (with retries).
    const authorized = Boolean(row?.gatewayTransactionId) && row?.transactionType === 'AUTHORIZATION';
    const id = row?.id ?? crypto.randomUUID();
    const failed = await record(svc, input, providerName, key, {
      id,
      ...(authorized ? {} : { status: 'FAILED' as const }),
      errorCode: err.code.slice(0, 50),
      errorMessage: err.message,
      retryCount: input.attempt - 1,
      ...(err.transactionId ? { gatewayTransactionId: err.transactionId } : {}),
      ...(err instanceof PaymentDeclinedError
        ? {
            gatewayResponse: await sealGatewayRecord(svc.env, id, {
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
      ? key
      : `${input.orderId}:PROCESS_PAYMENT:${input.attempt + 1}`;
  await record(svc, input, providerName, key, {
    errorCode: err.code.slice(0, 50),
    errorMessage: err.message,
    retryCount: input.attempt,
    idempotencyKey: nextKey,
  });
  throw err; // transient: the saga retries with the next attempt
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
    const provider = providerOf(svc, row.paymentProvider);
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

/**
 * Provider webhooks (`POST /payments/webhooks/{provider}`), after the signature
 * verified:
 * - idempotent per provider event id: `payments.webhook_events` has one row per
 *   (provider, event id); a replay is acknowledged and changes nothing;
 * - the tenant comes from the metadata we gave the provider ({orderId, tenantId});
 *   an event about anything else is acknowledged and ignored;
 * - order-independent: statuses only move forward (a refund seen before the capture
 *   event, or a late `succeeded` after `refunded`, never moves a payment back);
 * - reported to the order's saga (a nudge: the saga re-reads the payment itself), through
 *   `OrderLink` (payments never imports orders).
 */
import { and, eq, sql } from 'drizzle-orm';

import { payments, webhookEvents } from '../../db/pg/schema/payments.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { isUuid } from '../../lib/ids.ts';
import { problems } from '../../lib/problem.ts';
import { systemContext, type ServiceContext } from '../context.ts';
import { paymentErrors } from './errors.ts';
import { paymentsDb, type OrderLink, type WebhookOutcome } from './model.ts';
import {
  isPaymentProviderName,
  PaymentProviderConfigError,
  paymentProviderFor,
  PaymentWebhookSignatureError,
} from './providers/index.ts';
import { WebhookPayloadError } from './providers/webhook-event.ts';

function metadataOf(data: unknown): { orderId?: string; tenantId?: string; amountRefunded?: number; amount?: number } {
  const object = (data as { object?: Record<string, unknown> } | null)?.object ?? {};
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  return {
    orderId: typeof metadata.orderId === 'string' ? metadata.orderId : undefined,
    tenantId: typeof metadata.tenantId === 'string' ? metadata.tenantId : undefined,
    amountRefunded: typeof object.amount_refunded === 'number' ? object.amount_refunded : undefined,
    amount: typeof object.amount === 'number' ? object.amount : undefined,
  };
}

export async function receiveWebhook(
  svc: Omit<ServiceContext, 'tenantId' | 'principal'>,
  providerName: string,
  rawBody: string,
  headers: Headers,
  order: OrderLink,
): Promise<WebhookOutcome> {
  if (!isPaymentProviderName(providerName)) throw paymentErrors.unknownProvider(providerName);
  let event;
  try {
    event = await paymentProviderFor(svc.env, providerName).verifyWebhook(rawBody, headers);
  } catch (err) {
    // Signed but not an event we can read (e.g. `created` beyond any date): 400 naming the field.
    if (err instanceof WebhookPayloadError)
      throw problems.validation([{ field: err.field, message: err.problem }], 'The webhook payload is malformed.');
    if (err instanceof PaymentWebhookSignatureError) throw paymentErrors.badSignature(err.message);
    if (err instanceof PaymentProviderConfigError)
      throw paymentErrors.providerUnavailable(`Webhooks of ${providerName} are not configured here.`);
    throw err;
  }
  const meta = metadataOf(event.data);
  if (!meta.tenantId || !isUuid(meta.tenantId)) return { received: true, duplicate: false, applied: null };
  const ctx = systemContext(svc.env, svc.stores, svc.logger, meta.tenantId);

  const result = await inTenantTx(paymentsDb(svc), meta.tenantId, async (tx) => {
    const [payment] = event.transactionId
      ? await tx.select().from(payments).where(eq(payments.gatewayTransactionId, event.transactionId)).limit(1)
      : meta.orderId && isUuid(meta.orderId)
        ? await tx.select().from(payments).where(eq(payments.orderId, meta.orderId)).limit(1)
        : [];
    const [stored] = await tx
      .insert(webhookEvents)
      .values({
        tenantId: meta.tenantId!,
        provider: providerName,
        eventId: event.id,
        eventType: event.type,
        paymentId: payment?.id ?? null,
        payload: event.data as Record<string, unknown>,
        providerCreatedAt: new Date(event.createdAt * 1000),
      })
      .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.eventId] })
      .returning({ id: webhookEvents.id });
    if (!stored) return { duplicate: true, applied: null, payment };
    let applied: string | null = null;
    // A refund the provider made (dashboard, dispute): forward only, COMPLETED -> REFUNDED.
    if (
      payment &&
      event.type === 'charge.refunded' &&
      meta.amountRefunded !== undefined &&
      meta.amount !== undefined &&
      meta.amountRefunded >= meta.amount
    ) {
      const [changed] = await tx
        .update(payments)
        .set({ status: 'REFUNDED', updatedAt: sql`now()` })
        .where(and(eq(payments.id, payment.id), eq(payments.status, 'COMPLETED')))
        .returning({ id: payments.id });
      if (changed) applied = 'payment refunded';
    }
    return { duplicate: false, applied, payment };
  });
  if (result.applied === 'payment refunded' && result.payment) await order.refunded(ctx, result.payment.orderId);
  if (!result.duplicate && result.payment) await order.paymentChanged(ctx, result.payment.orderId);
  return { received: true, duplicate: result.duplicate, applied: result.applied };
}

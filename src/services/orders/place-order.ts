/**
 * POST /orders: price the lines from the catalog, write the order and its items in
 * one transaction, start its saga. Never trusts a client price.
 *
 * Idempotency (Idempotency-Key, required): the key is unique per (tenant, user) in
 * orders.orders together with the request's fingerprint. The same key and body
 * returns the order made first (and starts its saga again if that had failed: start
 * is idempotent); the same key with another body is 422. Two concurrent twins race
 * on the unique index: one inserts, the other reads the winner.
 *
 * Promotion code (optional, at most one per order): claimed in the SAME transaction that
 * writes the order (services/promotions/redeem.ts: one conditional UPDATE takes a use, the
 * rules are evaluated on the locked row, the redemption row is written beside the order);
 * a refused code is a 422 naming `body.promotionCode` and nothing is written. The
 * discount lands in `orders.discount` (FREE_SHIPPING: `orders.shipping` becomes 0), so
 * the payment is the discounted total. Released by a trigger when the order is cancelled.
 *
 * Round trips: 1 PostgreSQL transaction to look for the key, 1 Data API call for all
 * products, 1 transaction (users service) for a saved address, 1 transaction to
 * insert (the order, its items and its saga start record; with a code +3 statements),
 * 1 Durable Object call.
 */
import { and, eq, sql } from 'drizzle-orm';

import { orderItems, orders, sagaStarts, type Order } from '../../db/pg/schema/orders.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { isCardNumberShaped } from '../../lib/card-number.ts';
import { assertSameRequest, requestFingerprint } from '../../lib/idempotency.ts';
import { productIdAsUuid } from '../../lib/ids.ts';
import { Problem, problems } from '../../lib/problem.ts';
import { formatMoney, productsForCheckout } from '../catalog/index.ts';
import type { ServiceContext } from '../context.ts';
import { claimPromotion, promotionOfOrder, recordRedemption } from '../promotions/index.ts';
import { getAddress } from '../users/index.ts';
import { orderErrors } from './errors.ts';
import { MAX_QUANTITY } from './model.ts';
import { priceOrder, pricingRules, shippingOf, subtotalOf } from './pricing.ts';
import { ordersDb, orderWithItems } from './queries.ts';
import { startOrderSaga, type SagaPromotion } from './saga-client.ts';
import { orderView, type OrderView } from './views.ts';

export interface ShippingAddressInput {
  street: string;
  apartment?: string | null | undefined;
  city: string;
  state: string;
  zipCode: string;
  country: string;
}

export interface PlaceOrderInput {
  lines: Array<{ productId: string; quantity: number }>;
  shippingAddressId?: string | undefined;
  shippingAddress?: ShippingAddressInput | undefined;
  paymentMethod: { type: string; token: string };
  currency: string;
  /** A promotion code (case-insensitive); at most one per order. */
  promotionCode?: string | undefined;
}

/**
 * The lines whose product, with the lines before it, goes over MAX_QUANTITY: the cap holds
 * for a product, not for one line (`[{p,100},{p,100}]` is 200 of p). Each names the line
 * that crossed it and the product's running total.
 */
export function overCapLines(lines: PlaceOrderInput['lines']): Array<{ index: number; quantity: number }> {
  const totals = new Map<string, number>();
  const over: Array<{ index: number; quantity: number }> = [];
  lines.forEach((l, index) => {
    const id = l.productId.toLowerCase();
    const quantity = (totals.get(id) ?? 0) + l.quantity;
    totals.set(id, quantity);
    if (quantity > MAX_QUANTITY && quantity - l.quantity <= MAX_QUANTITY) over.push({ index, quantity });
  });
  return over;
}

/** Repeated products become one line with the quantities added (order kept), at most MAX_QUANTITY each (else 400). */
export function mergeLines(
  lines: PlaceOrderInput['lines'],
): Array<{ productId: string; quantity: number; index: number }> {
  const over = overCapLines(lines);
  if (over.length) {
    throw problems.validation(
      over.map(({ index, quantity }) => ({
        field: `body.lines.${index}.quantity`,
        message: `the product's lines add up to ${quantity}; at most ${MAX_QUANTITY} of one product per order`,
      })),
    );
  }
  const merged = new Map<string, { productId: string; quantity: number; index: number }>();
  lines.forEach((l, index) => {
    const id = l.productId.toLowerCase();
    const seen = merged.get(id);
    if (seen) seen.quantity += l.quantity;
    else merged.set(id, { productId: id, quantity: l.quantity, index });
  });
  return [...merged.values()];
}

/** Thrown inside the insert transaction to roll it back when a concurrent twin holds the key. */
class TwinWonKey extends Error {}

async function findByKey(svc: ServiceContext, userId: string, key: string) {
  return inTenantTx(ordersDb(svc), svc.tenantId, (tx) =>
    orderWithItems(tx, and(eq(orders.userId, userId), eq(orders.idempotencyKey, key))),
  );
}

async function shippingAddressOf(
  svc: ServiceContext,
  userId: string,
  input: PlaceOrderInput,
): Promise<ShippingAddressInput> {
  if (input.shippingAddress) return input.shippingAddress;
  try {
    const a = await getAddress(svc, { id: input.shippingAddressId!, userId });
    return {
      street: a.street,
      apartment: a.apartment,
      city: a.city,
      state: a.state,
      zipCode: a.zipCode,
      country: a.country,
    };
  } catch (err) {
    if (err instanceof Problem && err.hasType('not-found')) throw orderErrors.addressNotFound();
    throw err;
  }
}

export async function placeOrder(
  svc: ServiceContext,
  input: PlaceOrderInput,
  idempotencyKey: string,
): Promise<{ order: OrderView; replayed: boolean }> {
  const principal = svc.principal;
  if (!principal) throw problems.unauthorized();
  const userId = principal.userId;
  const fingerprint = await requestFingerprint('POST /orders', input);
  if (isCardNumberShaped(input.paymentMethod.token)) throw orderErrors.cardNumberAsToken();

  const replay = async (found: NonNullable<Awaited<ReturnType<typeof findByKey>>>) => {
    assertSameRequest(found.order.requestFingerprint, fingerprint);
    const promotion = input.promotionCode ? await promotionOfOrder(svc, found.order.id) : null;
    await startOrderSaga(svc, found.order, input.paymentMethod.token, found.items, promotion);
    return { order: orderView(found.order, found.items), replayed: true };
  };
  const existing = await findByKey(svc, userId, idempotencyKey);
  if (existing) return replay(existing);

  const lines = mergeLines(input.lines);
  const [products, address] = await Promise.all([
    productsForCheckout(
      svc.stores.mongo(),
      svc.tenantId,
      lines.map((l) => l.productId),
    ),
    shippingAddressOf(svc, userId, input),
  ]);
  const priced = lines.map((l) => {
    const product = products.get(l.productId);
    if (!product || !product.sellable) throw orderErrors.productUnavailable(l.index, l.productId);
    if (product.currency !== input.currency)
      throw orderErrors.currencyMismatch(l.index, product.currency, input.currency);
    return { ...l, product, unitPriceMinor: product.priceMinor };
  });
  const rules = pricingRules(svc.env);
  const subtotalMinor = subtotalOf(priced);
  const now = new Date();

  const write = inTenantTx(ordersDb(svc), svc.tenantId, async (tx) => {
    const claimed = input.promotionCode
      ? await claimPromotion(tx, input.promotionCode, userId, {
          subtotalMinor,
          shippingMinor: shippingOf(subtotalMinor, rules),
          currency: input.currency,
          lines: priced.map((l) => ({
            productId: l.productId,
            categoryIds: l.product.categoryId ? [l.product.categoryId] : [],
            quantity: l.quantity,
            unitPriceMinor: l.unitPriceMinor,
          })),
          now,
        })
      : null;
    const totals = priceOrder(priced, rules, claimed ?? undefined);
    const [order] = await tx
      .insert(orders)
      .values({
        tenantId: svc.tenantId,
        userId,
        orderNumber: sql`'ORD-' || to_char(now(), 'YYYY') || '-' || lpad(nextval('orders.order_number_seq')::text, 6, '0')`,
        paymentMethod: input.paymentMethod.type,
        subtotal: formatMoney(totals.subtotalMinor),
        tax: formatMoney(totals.taxMinor),
        shipping: formatMoney(totals.shippingMinor),
        discount: formatMoney(totals.discountMinor),
        total: formatMoney(totals.totalMinor),
        currency: input.currency,
        shippingStreet: address.apartment ? `${address.street}, ${address.apartment}` : address.street,
        shippingCity: address.city,
        shippingState: address.state,
        shippingZipCode: address.zipCode,
        shippingCountry: address.country,
        idempotencyKey,
        requestFingerprint: fingerprint,
      })
      .onConflictDoNothing({ target: [orders.tenantId, orders.userId, orders.idempotencyKey] })
      .returning();
    // A concurrent twin won the key: roll back (the promotion use claimed above with it).
    if (!order) throw new TwinWonKey();
    const items = await tx
      .insert(orderItems)
      .values(
        priced.map((l) => ({
          tenantId: svc.tenantId,
          orderId: order.id,
          productId: productIdAsUuid(l.productId),
          productName: l.product.name.slice(0, 255),
          productSku: l.product.sku,
          quantity: l.quantity,
          unitPrice: formatMoney(l.unitPriceMinor),
          totalPrice: formatMoney(l.unitPriceMinor * l.quantity),
        })),
      )
      .returning();
    // The durable start: if this Worker dies before the saga's first mirror deletes it,
    // the sweeper (sweeper.ts) finds the order and hands it to its Durable Object.
    await tx.insert(sagaStarts).values({ orderId: order.id, tenantId: svc.tenantId });
    let promotion: SagaPromotion | null = null;
    if (claimed) {
      const amountMinor = claimed.freeShipping ? shippingOf(subtotalMinor, rules) : totals.discountMinor;
      await recordRedemption(tx, {
        tenantId: svc.tenantId,
        promotionId: claimed.promotion.id,
        orderId: order.id,
        userId,
        amountMinor,
      });
      promotion = { code: claimed.promotion.code, kind: claimed.promotion.kind, amount: formatMoney(amountMinor) };
    }
    return { order, items, promotion };
  });
  const inserted = await write.catch(async (err: unknown) => {
    if (err instanceof TwinWonKey) return null;
    // A refused code may be a twin's doing: the same key's first request took the last use.
    if (err instanceof Problem && input.promotionCode && (await findByKey(svc, userId, idempotencyKey))) return null;
    throw err;
  });
  if (!inserted) {
    const winner = await findByKey(svc, userId, idempotencyKey);
    if (!winner) throw new Error('order idempotency key conflicted but no order holds it');
    return replay(winner);
  }
  await startOrderSaga(svc, inserted.order, input.paymentMethod.token, inserted.items, inserted.promotion);
  return { order: orderView(inserted.order, inserted.items), replayed: false };
}

export type { Order };

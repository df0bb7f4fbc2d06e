/**
 * POST /orders: price the lines from the catalog, write the order, its items, its saga start
 * record and its promotion use in ONE transaction, start its saga. Never trusts a client price.
 *
 * Round trips (docs/performance.md, "Round trips"): the Data API call for the products and, with
 * a promotion code, one read of the code, this customer's count and the key's holder, side by
 * side; then ONE PostgreSQL request (order-insert.ts). Without a code 2, with one 3; a saved
 * address (`shippingAddressId`) adds its read, beside the others. Then one Durable Object call
 * starts the saga, whose state the 202 carries; the order's request wrote the saga's first
 * mirror, so the object starts with a step (`startMirrored`; a replay starts it without).
 *
 * Idempotency (Idempotency-Key, required): the key is unique per (tenant, user) in
 * orders.orders together with the request's fingerprint. The same key and body returns the
 * order made first (and starts its saga again if that had failed: start is idempotent); the
 * same key with another body is 422. Two concurrent twins race on the unique index: one
 * inserts, the other's INSERT does nothing and the same request reads the winner. A request
 * the catalog or the rules refuse (4xx) looks for the key's holder before it answers, so a
 * replay stays a replay when a product or a code has changed since.
 *
 * Promotion code (optional, at most one per order): evaluated on the row read, claimed by the
 * write on condition that the row, its uses and the customer's count still allow it
 * (services/promotions/redeem.ts); a claim that no longer holds writes nothing and the code is
 * read again, so a refusal is always the rules on a fresh row: a 422 naming `body.promotionCode`
 * and nothing written. The discount lands in `orders.discount` (FREE_SHIPPING: `orders.shipping`
 * becomes 0), so the payment is the discounted total. Released by a trigger when the order is
 * cancelled.
 */
import { isCardNumberShaped } from '../../lib/card-number.ts';
import { assertSameRequest, requestFingerprint } from '../../lib/idempotency.ts';
import { productIdAsUuid } from '../../lib/ids.ts';
import { Problem, problems } from '../../lib/problem.ts';
import { formatMoney, productsForCheckout, type SellableProduct } from '../catalog/index.ts';
import type { ServiceContext } from '../context.ts';
import { evaluatePromotion, promotionErrors, ruleOf, type PromotionClaim } from '../promotions/index.ts';
import { getAddress } from '../users/index.ts';
import { orderErrors } from './errors.ts';
import { insertOrder, type KeyHolder } from './order-insert.ts';
import { mergeLines, type OrderLineInput } from './order-lines.ts';
import { claimAndHolder, keyHolder } from './placement-reads.ts';
import { priceOrder, pricingRules, shippingOf, subtotalOf } from './pricing.ts';
import { startOrderSaga } from './saga-client.ts';
import type { SagaState } from './saga/state.ts';
import { orderView, type OrderView } from './views.ts';

export { mergeLines, overCapLines } from './order-lines.ts';

export interface ShippingAddressInput {
  street: string;
  apartment?: string | null | undefined;
  city: string;
  state: string;
  zipCode: string;
  country: string;
}

export interface PlaceOrderInput {
  lines: OrderLineInput[];
  shippingAddressId?: string | undefined;
  shippingAddress?: ShippingAddressInput | undefined;
  paymentMethod: { type: string; token: string };
  currency: string;
  /** A promotion code (case-insensitive); at most one per order. */
  promotionCode?: string | undefined;
}

export interface PlaceOrderRequest {
  body: PlaceOrderInput;
  idempotencyKey: string;
}

export interface PlacedOrder {
  order: OrderView;
  replayed: boolean;
  /** The saga's state as its start answered it. */
  saga: SagaState;
}

/** How many times a claim refused by a concurrent change is read again before the request gives up (503). */
const CLAIM_ATTEMPTS = 4;

async function shippingAddressOf(ctx: ServiceContext, userId: string, input: PlaceOrderInput) {
  if (input.shippingAddress) return input.shippingAddress;
  try {
    const a = await getAddress(ctx, { id: input.shippingAddressId!, userId });
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

/** The lines priced from the catalog's products; 422 naming the line for one that cannot be sold in the currency. */
function priceLines(lines: ReturnType<typeof mergeLines>, products: Map<string, SellableProduct>, currency: string) {
  return lines.map((l) => {
    const product = products.get(l.productId);
    if (!product || !product.sellable) throw orderErrors.productUnavailable(l.index, l.productId);
    if (product.currency !== currency) throw orderErrors.currencyMismatch(l.index, product.currency, currency);
    return { ...l, product, unitPriceMinor: product.priceMinor };
  });
}

export async function placeOrder(ctx: ServiceContext, request: PlaceOrderRequest): Promise<PlacedOrder> {
  const { body, idempotencyKey } = request;
  const principal = ctx.principal;
  if (!principal) throw problems.unauthorized();
  const userId = principal.userId;
  const fingerprint = await requestFingerprint('POST /orders', body);
  if (isCardNumberShaped(body.paymentMethod.token)) throw orderErrors.cardNumberAsToken();
  const code = body.promotionCode;

  const replay = async (holder: KeyHolder): Promise<PlacedOrder> => {
    assertSameRequest(holder.order.requestFingerprint, fingerprint);
    const saga = await startOrderSaga(ctx, { ...holder, paymentToken: body.paymentMethod.token });
    return { order: orderView(holder.order, holder.items), replayed: true, saga };
  };
  // A failure before the write, with a key already used, is that order's replay: the catalog or a
  // code may have changed since (a 4xx), or the catalog may be down (a replay needs no price).
  const replayOrThrow = async (err: unknown): Promise<PlacedOrder> => {
    const holder = await keyHolder(ctx, { userId, idempotencyKey }).catch(() => null);
    if (holder) return replay(holder);
    throw err;
  };

  const lines = mergeLines(body.lines);
  let read;
  try {
    read = await Promise.all([
      productsForCheckout(
        ctx.stores.mongo(),
        ctx.tenantId,
        lines.map((l) => l.productId),
      ),
      shippingAddressOf(ctx, userId, body),
      code ? claimAndHolder(ctx, { code, userId, idempotencyKey }) : null,
    ]);
  } catch (err) {
    return replayOrThrow(err);
  }
  const [products, address, first] = read;
  if (first?.holder) return replay(first.holder);
  let prepared;
  try {
    const priced = priceLines(lines, products, body.currency);
    prepared = { priced, subtotalMinor: subtotalOf(priced) };
  } catch (err) {
    return replayOrThrow(err);
  }
  const { priced, subtotalMinor } = prepared;
  const rules = pricingRules(ctx.env);
  const shippingMinor = shippingOf(subtotalMinor, rules);
  let found = first;
  for (let attempt = 1; ; attempt++) {
    if (found?.holder) return replay(found.holder);
    // The promotion was read before the key's holder: with no holder, a refusal is not a twin's doing.
    const outcome =
      code && found
        ? evaluatePromotion(found.claimable && ruleOf(found.claimable.promotion), {
            subtotalMinor,
            shippingMinor,
            currency: body.currency,
            lines: priced.map((l) => ({
              productId: l.productId,
              categoryIds: l.product.categoryId ? [l.product.categoryId] : [],
              quantity: l.quantity,
              unitPriceMinor: l.unitPriceMinor,
            })),
            now: new Date(),
            customerRedemptions: found.claimable?.customerRedemptions ?? 0,
          })
        : null;
    if (outcome && !outcome.ok) throw promotionErrors.refused(outcome.reason, outcome.detail, 'body.promotionCode');
    const totals = priceOrder(priced, rules, outcome ?? undefined);
    const claim: PromotionClaim | null =
      outcome && found?.claimable
        ? {
            promotionId: found.claimable.promotion.id,
            version: found.claimable.promotion.version,
            tenantId: ctx.tenantId,
            userId,
            amountMinor: outcome.freeShipping ? shippingMinor : totals.discountMinor,
          }
        : null;
    const promotion =
      claim && found?.claimable
        ? {
            code: found.claimable.promotion.code,
            kind: found.claimable.promotion.kind,
            amount: formatMoney(claim.amountMinor),
          }
        : null;
    const orderId = crypto.randomUUID();
    const holder = await insertOrder(ctx, {
      order: {
        id: orderId,
        userId,
        paymentMethod: body.paymentMethod.type,
        currency: body.currency,
        totals,
        address: {
          ...address,
          street: address.apartment ? `${address.street}, ${address.apartment}` : address.street,
        },
        idempotencyKey,
        requestFingerprint: fingerprint,
      },
      items: priced.map((l) => ({
        productId: l.productId,
        name: l.product.name,
        sku: l.product.sku,
        quantity: l.quantity,
        unitPriceMinor: l.unitPriceMinor,
      })),
      claim,
      promotion,
    });
    if (holder?.order.id === orderId) {
      // The items in the order of the request's lines (one INSERT gives them one created_at).
      const position = new Map(priced.map((l, i) => [productIdAsUuid(l.productId), i]));
      const items = [...holder.items].sort((a, b) => position.get(a.productId)! - position.get(b.productId)!);
      const saga = await startOrderSaga(ctx, {
        order: holder.order,
        items,
        paymentToken: body.paymentMethod.token,
        promotion,
        startMirrored: true,
      });
      return { order: orderView(holder.order, items), replayed: false, saga };
    }
    if (holder) return replay(holder);
    if (!claim) throw new Error('the order was not written and no order holds its Idempotency-Key');
    // The claim no longer held (a use taken, the code edited): read the code again.
    if (attempt === CLAIM_ATTEMPTS) throw orderErrors.writeUnavailable();
    found = await claimAndHolder(ctx, { code: code!, userId, idempotencyKey });
  }
}

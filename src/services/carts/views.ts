/** The API shape of a cart: every price an estimate from the catalog's edge cache, flagged lines named. */
import { formatMoney } from '../catalog/index.ts';
import type { CartLine, CartState } from './model.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export type LineAvailability = 'AVAILABLE' | 'UNAVAILABLE' | 'PENDING';

function lineView(l: CartLine) {
  const e = l.estimate;
  const availability: LineAvailability = !e ? 'PENDING' : e.available ? 'AVAILABLE' : 'UNAVAILABLE';
  const priced = e?.available && e.unitPriceMinor !== null ? e.unitPriceMinor : null;
  return {
    productId: l.productId,
    quantity: l.quantity,
    name: e?.name ?? null,
    availability,
    estimatedUnitPrice: priced === null ? null : formatMoney(priced),
    estimatedLineTotal: priced === null ? null : formatMoney(priced * l.quantity),
    currency: e?.currency ?? null,
    priceCheckedAt: iso(e?.checkedAt ?? null),
  };
}

export function cartView(cart: CartState, expiryMs: number) {
  const lines = cart.lines.map(lineView);
  const currency = lines.find((l) => l.estimatedUnitPrice !== null)?.currency ?? null;
  let subtotal = 0;
  for (const l of cart.lines) {
    const e = l.estimate;
    if (e?.available && e.unitPriceMinor !== null && e.currency === currency) subtotal += e.unitPriceMinor * l.quantity;
  }
  return {
    id: cart.id,
    status: cart.status,
    anonymous: cart.userId === null,
    userId: cart.userId,
    version: cart.version,
    lines,
    /** Always true: shown prices come from the catalog's cache; checkout prices from the store. */
    pricesAreEstimates: true as const,
    estimatedSubtotal: formatMoney(subtotal),
    currency,
    unavailableProductIds: lines.filter((l) => l.availability === 'UNAVAILABLE').map((l) => l.productId),
    shippingAddress: cart.shippingAddress,
    promotionCode: cart.promotionCode,
    estimatedDiscount:
      cart.promotionCode && cart.promotionEstimate ? formatMoney(cart.promotionEstimate.discountMinor) : null,
    freeShipping: !!(cart.promotionCode && cart.promotionEstimate?.freeShipping),
    orderId: cart.orderIds.at(-1) ?? null,
    mergedInto: cart.mergedInto,
    createdAt: iso(cart.createdAt)!,
    updatedAt: iso(cart.updatedAt)!,
    closedAt: iso(cart.closedAt),
    // A cart whose checkout placed an order waits for it: no expiry until the order decides.
    expiresAt: cart.status === 'CHECKING_OUT' && cart.checkout?.orderId ? null : iso(cart.updatedAt + expiryMs),
  };
}

export type CartView = ReturnType<typeof cartView>;

/**
 * A cart, as its Durable Object stores it (one object per cart, `idFromName(tenant:cart)`),
 * and the user's cart directory (one object per user, `idFromName(owner:tenant:user)`).
 *
 *   OPEN --checkout--> CHECKING_OUT --order CONFIRMED--> CLOSED
 *     ^                    |  \--order compensated / placement refused--> OPEN
 *     |                    \-- (a CLOSED cart whose order is compensated reopens if the user has no other open cart)
 *   OPEN --merged into the user's cart on sign-in--> MERGED
 *
 * Invariants: a line per product, 1..MAX_QUANTITY each, at most MAX_LINES lines (the order's
 * own limits, so a cart can always be checked out); only an OPEN cart is edited; the cart
 * token is kept as its SHA-256 only. Prices are estimates read from the catalog's edge cache
 * (`estimate`); checkout re-prices every line from the store.
 */
import { MAX_LINES, MAX_QUANTITY } from '../orders/model.ts';

export { MAX_LINES, MAX_QUANTITY };

export const CART_STATUSES = ['OPEN', 'CHECKING_OUT', 'CLOSED', 'MERGED'] as const;
export type CartStatus = (typeof CART_STATUSES)[number];

/** What the catalog's edge cache said of a product; `available: false` flags the line. */
export interface Estimate {
  available: boolean;
  name: string | null;
  unitPriceMinor: number | null;
  currency: string | null;
  /** The product's category (promotion scope), when the catalog named one. */
  categoryId?: string | null | undefined;
  /** Epoch ms of the read. */
  checkedAt: number;
}

export interface CartLine {
  productId: string;
  quantity: number;
  addedAt: number;
  /** null until the catalog answered (an edit never waits for the store). */
  estimate: Estimate | null;
}

export interface ShippingAddress {
  street: string;
  apartment?: string | null | undefined;
  city: string;
  state: string;
  zipCode: string;
  country: string;
}

export type OrderOutcome = 'CONFIRMED' | 'CANCELLED';

export interface CartState {
  kind: 'cart';
  id: string;
  tenantId: string;
  /** The owner; null for an anonymous cart (then `tokenHash` is its only key). */
  userId: string | null;
  tokenHash: string | null;
  status: CartStatus;
  version: number;
  createdAt: number;
  /** Last edit by its owner: the expiry counts from here. */
  updatedAt: number;
  lines: CartLine[];
  shippingAddress: ShippingAddress | null;
  promotionCode: string | null;
  /** What the code took off the estimated subtotal when it was set (checkout decides for real). */
  promotionEstimate?: { discountMinor: number; freeShipping: boolean } | null | undefined;
  checkout: { key: string; orderId: string | null; startedAt: number } | null;
  /** Outcomes of orders heard of before the checkout recorded their id. */
  pendingOutcomes: Record<string, OrderOutcome>;
  /** Orders this cart was checked out as, oldest first. */
  orderIds: string[];
  closedAt: number | null;
  mergedInto: string | null;
  /** Anonymous carts merged into this one (a repeated merge adds nothing). */
  mergedFrom: string[];
}

export interface OwnerState {
  kind: 'owner';
  tenantId: string;
  userId: string;
  openCartId: string | null;
  /** order id -> cart id, the last ORDER_LINKS orders. */
  orders: Array<[string, string]>;
}

export type StoredDoc = CartState | OwnerState;

export const ORDER_LINKS = 50;

/** Who sends a command: the cart's user, the holder of its token (maybe signed in too), or the system. */
export type Actor =
  | { kind: 'user'; userId: string; tokenHash?: string | undefined }
  | { kind: 'token'; tokenHash: string }
  | { kind: 'system' };

/** An estimate older than this is read again from the edge cache when the cart is shown (ms). */
export const ESTIMATE_REFRESH_MS = 60_000;

/**
 * The cart's state changes as one pure function: (stored document, command, now) -> the next
 * document and an answer. The Durable Object (src/durable/cart.ts) runs it and persists the
 * result; everything that needs I/O (catalog estimates, the token's hash, the order) is done
 * by the service before or after. A refusal names a `cartErrors` entry; the object answers it
 * as data (errors do not cross RPC as typed values) and the service throws the problem.
 */
import { timingSafeEqual, utf8 } from '../../lib/bytes.ts';
import type { CartErrorCode } from './errors.ts';
import {
  ESTIMATE_REFRESH_MS,
  MAX_LINES,
  MAX_QUANTITY,
  ORDER_LINKS,
  type Actor,
  type CartLine,
  type CartState,
  type Estimate,
  type OrderOutcome,
  type OwnerState,
  type ShippingAddress,
  type StoredDoc,
} from './model.ts';

export type CartCommand =
  | { type: 'create'; cartId: string; tenantId: string; userId: string | null; tokenHash: string | null }
  | { type: 'read' }
  | { type: 'addLine'; productId: string; quantity: number; estimate: Estimate | null }
  | { type: 'setQuantity'; productId: string; quantity: number }
  | { type: 'removeLine'; productId: string }
  | { type: 'setShippingAddress'; address: ShippingAddress }
  | {
      type: 'setPromotionCode';
      code: string | null;
      estimate: { discountMinor: number; freeShipping: boolean } | null;
    }
  | { type: 'estimates'; estimates: Record<string, Estimate> }
  | { type: 'bind'; userId: string }
  | {
      type: 'absorb';
      sourceId: string;
      lines: CartLine[];
      shippingAddress: ShippingAddress | null;
      promotionCode: string | null;
    }
  | { type: 'markMerged'; into: string }
  | { type: 'beginCheckout'; key: string }
  | { type: 'abortCheckout'; key: string }
  | { type: 'checkoutPlaced'; key: string; orderId: string }
  | { type: 'orderOutcome'; orderId: string; outcome: OrderOutcome; mayReopen: boolean };

export type OwnerCommand =
  | { type: 'claim'; tenantId: string; userId: string; newCartId: string }
  | { type: 'release'; tenantId: string; userId: string; cartId: string }
  | { type: 'reopen'; tenantId: string; userId: string; cartId: string }
  | { type: 'linkOrder'; tenantId: string; userId: string; orderId: string; cartId: string }
  | { type: 'lookup'; tenantId: string; userId: string };

export interface Envelope<C> {
  command: C;
  actor: Actor;
  /** If-Match: refuse (412) unless the cart is at this version. */
  expectedVersion?: number | undefined;
}

export class CartRefusal extends Error {
  // Plain fields, not parameter properties: Node strips types from the files scripts import.
  readonly code: CartErrorCode;
  readonly args: unknown[];
  constructor(code: CartErrorCode, args: unknown[] = []) {
    super(code);
    this.code = code;
    this.args = args;
  }
}

/** What the cart object answers a command: the cart, or the refusal to throw as a problem. */
export type CartAnswer =
  | { ok: true; cart: CartState; note?: 'closed' | 'reopened' | 'stays-closed' | undefined }
  | { ok: false; refused: { code: CartErrorCode; args: unknown[] } };

export interface Outcome<S> {
  state: S | null;
  changed: boolean;
  /** What happened that the service must follow up (e.g. a pending outcome applied). */
  note?: 'closed' | 'reopened' | 'stays-closed' | undefined;
}

const refuse = (code: CartErrorCode, ...args: unknown[]): never => {
  throw new CartRefusal(code, args);
};

function sameHash(a: string, b: string): boolean {
  return timingSafeEqual(utf8(a), utf8(b));
}

/** 404 unless the actor may see the cart: its user, or the holder of its token. */
export function assertAccess(cart: CartState | null, actor: Actor): asserts cart is CartState {
  if (!cart) return refuse('notFound');
  if (actor.kind === 'system') return;
  const token = actor.tokenHash;
  if (cart.userId !== null) {
    if (actor.kind === 'user' && actor.userId === cart.userId) return;
    return refuse('notFound');
  }
  if (cart.tokenHash !== null && token !== undefined && sameHash(cart.tokenHash, token)) return;
  return refuse('notFound');
}

function sameEstimate(a: Estimate, b: Estimate): boolean {
  return (
    a.available === b.available &&
    a.name === b.name &&
    a.unitPriceMinor === b.unitPriceMinor &&
    a.currency === b.currency &&
    (a.categoryId ?? null) === (b.categoryId ?? null)
  );
}

function editable(cart: CartState): void {
  if (cart.status === 'CHECKING_OUT') refuse('checkoutInProgress');
  if (cart.status !== 'OPEN') refuse('notOpen', cart.status);
}

function touched(cart: CartState, now: number, patch: Partial<CartState>): CartState {
  return { ...cart, ...patch, version: cart.version + 1, updatedAt: now };
}

function addQuantities(lines: CartLine[], add: CartLine): CartLine[] {
  const i = lines.findIndex((l) => l.productId === add.productId);
  if (i < 0) {
    if (lines.length >= MAX_LINES) refuse('tooManyLines');
    return [...lines, add];
  }
  const quantity = lines[i]!.quantity + add.quantity;
  if (quantity > MAX_QUANTITY) refuse('quantityOverCap', quantity);
  const next = [...lines];
  next[i] = { ...lines[i]!, quantity, estimate: add.estimate ?? lines[i]!.estimate };
  return next;
}

function outcomeApplied(cart: CartState, outcome: OrderOutcome, now: number, mayReopen: boolean): Outcome<CartState> {
  if (outcome === 'CONFIRMED') {
    if (cart.status === 'CLOSED') return { state: cart, changed: false };
    return {
      state: { ...cart, status: 'CLOSED', closedAt: now, version: cart.version + 1 },
      changed: true,
      note: 'closed',
    };
  }
  // Compensated: the lines are the customer's again.
  if (cart.status === 'OPEN') return { state: cart, changed: false };
  if (cart.status === 'CLOSED' && !mayReopen) return { state: cart, changed: false, note: 'stays-closed' };
  return {
    state: { ...cart, status: 'OPEN', checkout: null, closedAt: null, version: cart.version + 1, updatedAt: now },
    changed: true,
    note: 'reopened',
  };
}

export function runCartCommand(doc: StoredDoc | null, env: Envelope<CartCommand>, now: number): Outcome<CartState> {
  const { command: c, actor } = env;
  if (doc && doc.kind !== 'cart') return refuse('notFound');
  if (c.type === 'create') {
    if (doc) return { state: doc, changed: false }; // a replayed create
    const cart: CartState = {
      kind: 'cart',
      id: c.cartId,
      tenantId: c.tenantId,
      userId: c.userId,
      tokenHash: c.tokenHash,
      status: 'OPEN',
      version: 1,
      createdAt: now,
      updatedAt: now,
      lines: [],
      shippingAddress: null,
      promotionCode: null,
      checkout: null,
      pendingOutcomes: {},
      orderIds: [],
      closedAt: null,
      mergedInto: null,
      mergedFrom: [],
    };
    return { state: cart, changed: true };
  }
  const cart = doc;
  assertAccess(cart, actor);
  if (env.expectedVersion !== undefined && env.expectedVersion !== cart.version) refuse('stale', cart.version);
  const same = { state: cart, changed: false };

  switch (c.type) {
    case 'read':
      return same;
    case 'addLine': {
      editable(cart);
      const line: CartLine = { productId: c.productId, quantity: c.quantity, addedAt: now, estimate: c.estimate };
      return { state: touched(cart, now, { lines: addQuantities(cart.lines, line) }), changed: true };
    }
    case 'setQuantity': {
      editable(cart);
      if (!cart.lines.some((l) => l.productId === c.productId)) refuse('lineNotFound', 'body.productId');
      const lines = cart.lines.map((l) => (l.productId === c.productId ? { ...l, quantity: c.quantity } : l));
      return { state: touched(cart, now, { lines }), changed: true };
    }
    case 'removeLine': {
      editable(cart);
      if (!cart.lines.some((l) => l.productId === c.productId)) refuse('lineNotFound', 'query.productId');
      return {
        state: touched(cart, now, { lines: cart.lines.filter((l) => l.productId !== c.productId) }),
        changed: true,
      };
    }
    case 'setShippingAddress':
      editable(cart);
      return { state: touched(cart, now, { shippingAddress: c.address }), changed: true };
    case 'setPromotionCode':
      editable(cart);
      return { state: touched(cart, now, { promotionCode: c.code, promotionEstimate: c.estimate }), changed: true };
    case 'estimates': {
      // Not an edit: no version, no activity; only lines still in the cart, never an older read, and
      // a write only when the estimate says something new or the line's is ESTIMATE_REFRESH_MS old.
      let changed = false;
      const lines = cart.lines.map((l) => {
        const e = c.estimates[l.productId];
        if (!e || (l.estimate && l.estimate.checkedAt > e.checkedAt)) return l;
        if (l.estimate && sameEstimate(l.estimate, e) && e.checkedAt - l.estimate.checkedAt < ESTIMATE_REFRESH_MS)
          return l;
        changed = true;
        return { ...l, estimate: e };
      });
      return changed ? { state: { ...cart, lines }, changed } : same;
    }
    case 'bind':
      if (cart.userId === c.userId) return same;
      editable(cart);
      return { state: touched(cart, now, { userId: c.userId, tokenHash: null }), changed: true };
    case 'absorb': {
      if (cart.mergedFrom.includes(c.sourceId)) return same;
      editable(cart);
      let lines = cart.lines;
      for (const l of c.lines) {
        const have = lines.find((x) => x.productId === l.productId);
        // Over the cap the merged line stays at the cap; past MAX_LINES the extra products are kept
        // out (the anonymous cart is MERGED, its lines are shown in the answer of the merge).
        if (have) {
          const quantity = Math.min(MAX_QUANTITY, have.quantity + l.quantity);
          lines = lines.map((x) => (x === have ? { ...x, quantity, estimate: l.estimate ?? x.estimate } : x));
        } else if (lines.length < MAX_LINES) lines = [...lines, l];
      }
      return {
        state: touched(cart, now, {
          lines,
          shippingAddress: cart.shippingAddress ?? c.shippingAddress,
          promotionCode: cart.promotionCode ?? c.promotionCode,
          mergedFrom: [...cart.mergedFrom, c.sourceId],
        }),
        changed: true,
      };
    }
    case 'markMerged':
      if (cart.status === 'MERGED') return same;
      editable(cart);
      return {
        state: { ...cart, status: 'MERGED', mergedInto: c.into, closedAt: now, version: cart.version + 1 },
        changed: true,
      };
    case 'beginCheckout': {
      if (cart.checkout?.key === c.key) return same; // a retry: the placement replays by key
      if (cart.status === 'CHECKING_OUT') refuse('checkoutInProgress');
      editable(cart);
      if (cart.lines.length === 0) refuse('empty');
      const flagged = cart.lines.filter((l) => l.estimate && !l.estimate.available).map((l) => l.productId);
      if (flagged.length) refuse('unavailableLines', flagged);
      return {
        state: {
          ...cart,
          status: 'CHECKING_OUT',
          checkout: { key: c.key, orderId: null, startedAt: now },
          version: cart.version + 1,
        },
        changed: true,
      };
    }
    case 'abortCheckout':
      if (cart.status !== 'CHECKING_OUT' || cart.checkout?.key !== c.key || cart.checkout.orderId !== null) return same;
      return { state: { ...cart, status: 'OPEN', checkout: null, version: cart.version + 1 }, changed: true };
    case 'checkoutPlaced': {
      if (cart.checkout?.key !== c.key) return same;
      if (cart.checkout.orderId === c.orderId) return same;
      const placed: CartState = {
        ...cart,
        checkout: { ...cart.checkout, orderId: c.orderId },
        orderIds: cart.orderIds.includes(c.orderId) ? cart.orderIds : [...cart.orderIds, c.orderId],
        version: cart.version + 1,
      };
      const pending = cart.pendingOutcomes[c.orderId];
      if (!pending) return { state: placed, changed: true };
      const { [c.orderId]: _, ...rest } = cart.pendingOutcomes;
      const applied = outcomeApplied({ ...placed, pendingOutcomes: rest }, pending, now, true);
      return { ...applied, changed: true };
    }
    case 'orderOutcome': {
      const ours = cart.orderIds.includes(c.orderId) || cart.checkout?.orderId === c.orderId;
      if (!ours) {
        // Heard of before the checkout recorded the order id: kept for `checkoutPlaced`.
        if (cart.status !== 'CHECKING_OUT' || cart.checkout?.orderId !== null) return same;
        return {
          state: { ...cart, pendingOutcomes: { ...cart.pendingOutcomes, [c.orderId]: c.outcome } },
          changed: true,
        };
      }
      // Only the cart's latest order moves it (a reopened cart checked out again ignores the old one).
      if (cart.orderIds.at(-1) !== c.orderId) return same;
      return outcomeApplied(cart, c.outcome, now, c.mayReopen);
    }
  }
}

export interface OwnerAnswer {
  openCartId: string | null;
  cartOfOrder?: string | null;
  /** reopen: whether the cart may be the user's open cart again. */
  granted?: boolean;
}

export function runOwnerCommand(doc: StoredDoc | null, c: OwnerCommand): Outcome<OwnerState> & { answer: OwnerAnswer } {
  if (doc && doc.kind !== 'owner') throw new Error('not an owner directory');
  const owner: OwnerState = doc ?? {
    kind: 'owner',
    tenantId: c.tenantId,
    userId: c.userId,
    openCartId: null,
    orders: [],
  };
  const same = (answer: OwnerAnswer) => ({ state: owner, changed: false, answer });
  switch (c.type) {
    case 'lookup':
      return same({ openCartId: owner.openCartId });
    case 'claim':
      if (owner.openCartId) return same({ openCartId: owner.openCartId });
      return { state: { ...owner, openCartId: c.newCartId }, changed: true, answer: { openCartId: c.newCartId } };
    case 'release':
      if (owner.openCartId !== c.cartId) return same({ openCartId: owner.openCartId });
      return { state: { ...owner, openCartId: null }, changed: true, answer: { openCartId: null } };
    case 'reopen':
      if (owner.openCartId === c.cartId) return same({ openCartId: c.cartId, granted: true });
      if (owner.openCartId !== null) return same({ openCartId: owner.openCartId, granted: false });
      return {
        state: { ...owner, openCartId: c.cartId },
        changed: true,
        answer: { openCartId: c.cartId, granted: true },
      };
    case 'linkOrder': {
      const found = owner.orders.find(([o]) => o === c.orderId);
      if (found) return same({ openCartId: owner.openCartId, cartOfOrder: found[1] });
      const orders = [...owner.orders, [c.orderId, c.cartId] as [string, string]].slice(-ORDER_LINKS);
      return {
        state: { ...owner, orders },
        changed: true,
        answer: { openCartId: owner.openCartId, cartOfOrder: c.cartId },
      };
    }
  }
}

/** The cart of an order, if the directory linked it. */
export function cartOfOrder(owner: OwnerState | null, orderId: string): string | null {
  return owner?.orders.find(([o]) => o === orderId)?.[1] ?? null;
}

/**
 * Whether an idle cart is due to be deleted. A cart whose checkout placed an order never is (the
 * order's events decide); one frozen by a checkout that never placed one (a 503 never retried) is.
 */
export function isExpired(cart: CartState, now: number, ttlMs: number): boolean {
  const waitsForOrder = cart.status === 'CHECKING_OUT' && cart.checkout?.orderId != null;
  return !waitsForOrder && now >= cart.updatedAt + ttlMs;
}

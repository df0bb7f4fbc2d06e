/**
 * Cart edits. None waits for PostgreSQL or MongoDB: the cart is its Durable Object, prices are
 * read from the catalog's edge cache (estimates.ts, handed in by the caller as `catalog`).
 * Creating a signed-in user's cart answers the user's open cart when there is one (one open
 * cart per user per tenant, kept by the user's directory object).
 */
import type { ServiceContext } from '../context.ts';
import { checkPromotionCode } from '../promotions/index.ts';
import { actorOf, SYSTEM } from './access.ts';
import { runCart, runOwner, type Applied, type CartRef, type CartScope } from './cart-client.ts';
import { cartErrors } from './errors.ts';
import type { CatalogEstimates } from './estimates.ts';
import type { Actor, CartState, ShippingAddress } from './model.ts';
import type { CartCommand } from './reducer.ts';
import { hashCartToken, newCartToken } from './tokens.ts';

/** Which cart a caller edits, with the cart token it holds (anonymous carts) and the version it read (If-Match). */
export interface CartEdit {
  cartId: string;
  token?: string | undefined;
  expectedVersion?: number | undefined;
}

const refOf = (ctx: ServiceContext, cartId: string): CartRef => ({ tenantId: ctx.tenantId, cartId });

const LIVE = new Set(['OPEN', 'CHECKING_OUT']);

/** The cart if it still exists, else null (expired, or another tenant's). */
export async function readCart(ctx: CartScope, ref: CartRef): Promise<CartState | null> {
  try {
    return (await runCart(ctx, { ref, command: { type: 'read' }, actor: SYSTEM })).cart;
  } catch (err) {
    if (err instanceof Error && 'hasType' in err && (err as { hasType(s: string): boolean }).hasType('not-found'))
      return null;
    throw err;
  }
}

/**
 * The user's open cart per their directory, made the open one if the directory names none or a
 * cart that is gone or closed. Returns the cart the directory now names.
 */
export async function claimOpenCart(
  ctx: Pick<ServiceContext, 'env' | 'tenantId'>,
  input: { userId: string; candidate: string },
): Promise<string> {
  const { tenantId } = ctx;
  const { userId, candidate } = input;
  for (let attempt = 0; attempt < 3; attempt++) {
    const { openCartId } = await runOwner(ctx, { type: 'claim', tenantId, userId, newCartId: candidate });
    if (openCartId === null || openCartId === candidate) return candidate;
    const current = await readCart(ctx, { tenantId, cartId: openCartId });
    if (current && current.userId === userId && LIVE.has(current.status)) return openCartId;
    await runOwner(ctx, { type: 'release', tenantId, userId, cartId: openCartId });
  }
  throw new Error('cart directory kept naming a dead cart');
}

/** POST /carts: anonymous (answers the token once) or the signed-in user's open cart. */
export async function createCart(
  ctx: ServiceContext,
): Promise<{ cart: CartState; token: string | null; created: boolean }> {
  const tenantId = ctx.tenantId;
  const cartId = crypto.randomUUID();
  const ref = { tenantId, cartId };
  const userId = ctx.principal?.userId ?? null;
  if (userId === null) {
    const token = newCartToken();
    const tokenHash = await hashCartToken(token);
    const { cart } = await runCart(ctx, {
      ref,
      command: { type: 'create', cartId, tenantId, userId: null, tokenHash },
      actor: SYSTEM,
    });
    return { cart, token, created: true };
  }
  // Made first, claimed second: a directory never names a cart that does not exist yet. A cart that
  // loses the claim to a concurrent one is unreachable and expires with its alarm.
  const { cart: made } = await runCart(ctx, {
    ref,
    command: { type: 'create', cartId, tenantId, userId, tokenHash: null },
    actor: SYSTEM,
  });
  const open = await claimOpenCart(ctx, { userId, candidate: cartId });
  if (open === cartId) return { cart: made, token: null, created: true };
  const { cart } = await runCart(ctx, { ref: { tenantId, cartId: open }, command: { type: 'read' }, actor: SYSTEM });
  return { cart, token: null, created: false };
}

/**
 * Estimates of `productIds` from the edge cache handed to the cart; those the cache does not hold
 * are read through the catalog after the answer, unless `skipLater` says the cart knows enough.
 */
export async function refreshEstimates(
  ctx: CartScope,
  input: {
    ref: CartRef;
    productIds: string[];
    catalog: CatalogEstimates;
    skipLater?: ((productId: string) => boolean) | undefined;
  },
): Promise<CartState | null> {
  const { ref, productIds, catalog, skipLater = () => false } = input;
  const found = await catalog.cached(ref.tenantId, productIds);
  const missing = productIds.filter((id) => !found.has(id) && !skipLater(id));
  if (missing.length)
    catalog.later(ref.tenantId, missing, async (late) => {
      await runCart(ctx, { ref, command: { type: 'estimates', estimates: late }, actor: SYSTEM });
    });
  if (found.size === 0) return null;
  const { cart } = await runCart(ctx, {
    ref,
    command: { type: 'estimates', estimates: Object.fromEntries(found) },
    actor: SYSTEM,
  });
  return cart;
}

/** One edit of the cart by its owner or token holder; If-Match optional. */
export async function editCart(
  ctx: ServiceContext,
  input: CartEdit & { command: Exclude<CartCommand, { type: 'create' | 'estimates' | 'read' }> },
): Promise<Applied> {
  const actor = await actorOf(ctx, input.token);
  return runCart(ctx, {
    ref: refOf(ctx, input.cartId),
    command: input.command,
    actor,
    expectedVersion: input.expectedVersion,
  });
}

/** POST /carts/{id}/lines: adds the quantity (a product already in the cart grows its line). */
export async function addLine(
  ctx: ServiceContext,
  input: CartEdit & { line: { productId: string; quantity: number }; catalog: CatalogEstimates },
): Promise<CartState> {
  const { catalog, line } = input;
  const ref = refOf(ctx, input.cartId);
  const productId = line.productId.toLowerCase();
  const cached = await catalog.cached(ref.tenantId, [productId]);
  const estimate = cached.get(productId) ?? null;
  const { cart } = await editCart(ctx, {
    ...input,
    command: { type: 'addLine', productId, quantity: line.quantity, estimate },
  });
  if (!estimate)
    catalog.later(ref.tenantId, [productId], async (late) => {
      await runCart(ctx, { ref, command: { type: 'estimates', estimates: late }, actor: SYSTEM });
    });
  return cart;
}

export function setShippingAddress(ctx: ServiceContext, input: CartEdit & { address: ShippingAddress }) {
  return editCart(ctx, { ...input, command: { type: 'setShippingAddress', address: input.address } });
}

/**
 * Merges an anonymous cart (its token proves it) into the user's open cart: quantities add up
 * (capped), the user's address and code win. A user without an open cart adopts it instead.
 * Idempotent: a repeated merge answers the same cart. `userId`: the signed-in user (at sign-in,
 * the one just signed in).
 */
export async function mergeCart(
  ctx: Pick<ServiceContext, 'env' | 'tenantId'>,
  input: { userId: string; cartId: string; token?: string | undefined },
): Promise<CartState> {
  const { userId, token } = input;
  if (!token) throw cartErrors.tokenRequired();
  const tokenHash = await hashCartToken(token);
  const actor: Actor = { kind: 'user', userId, tokenHash };
  const tenantId = ctx.tenantId;
  const sourceRef = { tenantId, cartId: input.cartId };
  const { cart: source } = await runCart(ctx, { ref: sourceRef, command: { type: 'read' }, actor });
  if (source.userId === userId) return source; // adopted by an earlier merge
  if (source.status === 'MERGED' && source.mergedInto) {
    const target = await readCart(ctx, { tenantId, cartId: source.mergedInto });
    if (target && target.userId === userId) return target;
  }
  if (source.status !== 'OPEN') throw cartErrors.notOpen(source.status);
  const open = await claimOpenCart(ctx, { userId, candidate: source.id });
  if (open === source.id) {
    return (await runCart(ctx, { ref: sourceRef, command: { type: 'bind', userId }, actor })).cart;
  }
  const { cart: target } = await runCart(ctx, {
    ref: { tenantId, cartId: open },
    command: {
      type: 'absorb',
      sourceId: source.id,
      lines: source.lines,
      shippingAddress: source.shippingAddress,
      promotionCode: source.promotionCode,
    },
    actor: { kind: 'user', userId },
  });
  await runCart(ctx, { ref: sourceRef, command: { type: 'markMerged', into: open }, actor });
  return target;
}

/**
 * PUT /carts/{id}/promotion-code: the code checked now against the promotion as stored (one
 * PostgreSQL read: the only cart edit that asks a store, because the rules live there) and the
 * cart's estimates; a refusal is the promotions' 422 naming `body.code`. Nothing is taken: the
 * use is claimed at checkout, in the order's transaction, where the code is checked again on
 * store prices. null removes the code.
 */
export async function setPromotionCode(ctx: ServiceContext, input: CartEdit & { code: string | null }) {
  const { code, expectedVersion } = input;
  const ref = refOf(ctx, input.cartId);
  const actor = await actorOf(ctx, input.token);
  if (code === null)
    return runCart(ctx, {
      ref,
      command: { type: 'setPromotionCode', code: null, estimate: null },
      actor,
      expectedVersion,
    });
  const { cart } = await runCart(ctx, { ref, command: { type: 'read' }, actor });
  const priced = cart.lines.filter((l) => l.estimate?.available && l.estimate.unitPriceMinor !== null);
  const currency = priced[0]?.estimate?.currency ?? 'USD';
  const lines = priced
    .filter((l) => l.estimate!.currency === currency)
    .map((l) => ({
      productId: l.productId,
      categoryIds: l.estimate!.categoryId ? [l.estimate!.categoryId] : [],
      quantity: l.quantity,
      unitPriceMinor: l.estimate!.unitPriceMinor!,
    }));
  const outcome = await checkPromotionCode(ctx, {
    code,
    userId: cart.userId,
    field: 'body.code',
    order: {
      subtotalMinor: lines.reduce((sum, l) => sum + l.unitPriceMinor * l.quantity, 0),
      shippingMinor: 0, // not read by the rules: FREE_SHIPPING is a flag, priced at checkout
      currency,
      lines,
      now: new Date(),
    },
  });
  const estimate = { discountMinor: outcome.discountMinor, freeShipping: outcome.freeShipping };
  return runCart(ctx, {
    ref,
    command: { type: 'setPromotionCode', code: outcome.code, estimate },
    actor,
    expectedVersion,
  });
}

/**
 * Sign-in with a cart (POST /auth/login with X-Cart-Id and X-Cart-Token): the anonymous cart
 * merges as with POST /carts/{id}/merge. The sign-in stands whatever happens here: a wrong token
 * or a gone cart merges nothing (null).
 */
export async function mergeOnSignIn(
  ctx: Pick<ServiceContext, 'env' | 'tenantId' | 'logger'>,
  input: { userId: string; cartId: string; token: string },
): Promise<CartState | null> {
  try {
    return await mergeCart(ctx, input);
  } catch (err) {
    ctx.logger.warn('cart not merged on sign-in', {
      cartId: input.cartId,
      reason: err instanceof Error ? err.message : String(err),
    });
    return null;
  }
}

/** Cart fixtures: requests as a user, as a token holder, or both. */
import type { Product } from './catalog-helpers.ts';
import { call } from './helpers.ts';
import type { TestUser } from './identity-helpers.ts';

export const CARTS = '/api/v1/carts';

export interface CartBody {
  id: string;
  status: string;
  anonymous: boolean;
  userId: string | null;
  version: number;
  lines: {
    productId: string;
    quantity: number;
    name: string | null;
    availability: string;
    estimatedUnitPrice: string | null;
    currency: string | null;
  }[];
  pricesAreEstimates: boolean;
  estimatedSubtotal: string;
  unavailableProductIds: string[];
  orderId: string | null;
  mergedInto: string | null;
  expiresAt: string | null;
}

export interface Caller {
  tenantId: string;
  user?: TestUser | undefined;
  token?: string | undefined;
}

/** A request to the carts API as `who` (a bearer token, a cart token, or both). */
export function cartCall(
  who: Caller,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'x-tenant-id': who.tenantId, ...opts.headers };
  if (who.user) headers.authorization = `Bearer ${who.user.accessToken}`;
  if (who.token) headers['x-cart-token'] = who.token;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  return call(`${CARTS}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
}

export async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** A new anonymous cart and its token. */
export async function anonymousCart(tenantId: string): Promise<{ cart: CartBody; token: string }> {
  const created = await json<{ cart: CartBody; cartToken: string }>(await cartCall({ tenantId }, 'POST', ''), 201);
  return { cart: created.cart, token: created.cartToken };
}

/** The user's open cart (made if needed). */
export async function userCart(user: TestUser): Promise<CartBody> {
  const res = await cartCall({ tenantId: user.tenantId, user }, 'POST', '');
  return (await json<{ cart: CartBody }>(res, res.status === 201 ? 201 : 200)).cart;
}

export async function addLine(who: Caller, cartId: string, product: Pick<Product, 'id'>, quantity = 1) {
  return cartCall(who, 'POST', `/${cartId}/lines`, { body: { productId: product.id, quantity } });
}

export async function getCart(who: Caller, cartId: string): Promise<Response> {
  return cartCall(who, 'GET', `/${cartId}`);
}

/** Reads the product anonymously once, so the edge cache holds it (what a storefront's product page does). */
export async function warmProduct(tenantId: string, product: Pick<Product, 'id'>): Promise<void> {
  const res = await call(`/api/v1/products/${product.id}`, { headers: { 'x-tenant-id': tenantId } });
  await res.arrayBuffer();
}

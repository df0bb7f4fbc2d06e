/**
 * The cart token: a bearer secret (32 random bytes, base64url, prefix `ct_`) answered once when
 * an anonymous cart is made. Only its SHA-256 is stored (it has 256 bits of entropy: no salt or
 * slow hash needed); the cart compares hashes in constant time (reducer.ts). It travels in the
 * `X-Cart-Token` header, never in a URL, so access logs never hold it.
 */
import { randomToken, sha256Hex } from '../../lib/bytes.ts';

export const CART_TOKEN_HEADER = 'x-cart-token';

export function newCartToken(): string {
  return `ct_${randomToken(32)}`;
}

export function hashCartToken(token: string): Promise<string> {
  return sha256Hex(`cart-token:${token}`);
}

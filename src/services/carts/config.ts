import type { Env } from '../../env.ts';
import { configOf } from '../../lib/config.ts';

/** An estimate older than this is read again from the edge cache when the cart is shown (ms). */
export const ESTIMATE_REFRESH_MS = 60_000;

/** Milliseconds of inactivity after which a cart is deleted (CART_EXPIRY_DAYS, src/lib/config.ts). */
export function cartExpiryMs(env: Pick<Env, 'CART_EXPIRY_DAYS'>): number {
  return configOf(env).carts.expiryMs;
}

import type { Env } from '../../env.ts';
import { configOf } from '../../lib/config.ts';

/** Milliseconds of inactivity after which a cart is deleted (CART_EXPIRY_DAYS, src/lib/config.ts). */
export function cartExpiryMs(env: Pick<Env, 'CART_EXPIRY_DAYS'>): number {
  return configOf(env).carts.expiryMs;
}

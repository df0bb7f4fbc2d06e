import type { Env } from '../../env.ts';

/** Days of inactivity after which a cart is deleted (CART_EXPIRY_DAYS, default 30). */
export const DEFAULT_CART_EXPIRY_DAYS = 30;
/** An estimate older than this is read again from the edge cache when the cart is shown (ms). */
export const ESTIMATE_REFRESH_MS = 60_000;

export function cartExpiryMs(env: Pick<Env, 'CART_EXPIRY_DAYS'>): number {
  const days = Number(env.CART_EXPIRY_DAYS);
  return (Number.isFinite(days) && days > 0 ? days : DEFAULT_CART_EXPIRY_DAYS) * 86_400_000;
}

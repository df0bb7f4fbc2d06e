/**
 * Idempotency-Key semantics shared by every write that takes the header (Stripe's):
 * the key is bound to a fingerprint of the request that first used it. The same key
 * with the same request replays the first result; the same key with a different
 * request is 422 `idempotency-key-reused`, never a silent replay of something else.
 *
 * The fingerprint is SHA-256 over a canonical JSON form (object keys sorted at every
 * depth), so key order and whitespace in the client's JSON do not matter.
 *
 * Key spaces. A client's key is scoped to the caller (the user, whichever credential they
 * use) and the operation: two users' `abc` are two keys, and one user's `abc` on two
 * operations does not collide. Keys the server makes for its own work (the saga's
 * `order:<id>:compensation` refund) live where no client can write:
 *   - refunds (one table for staff and the saga): a client key is stored as
 *     `clientIdempotencyKey(...)`, `client:` + SHA-256 of (caller, operation, key), and an
 *     internal key must not start with `client:` (`internalIdempotencyKey`);
 *   - orders: `orders.idempotency_key` is unique per (tenant, user) and only POST /orders
 *     writes it (the server makes no order keys);
 *   - products: the product id is derived from (tenant, user, key) and only POST /products
 *     uses it (catalog/product-commands.ts).
 */
import { sha256Hex } from './bytes.ts';
import { problems } from './problem.ts';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Fingerprint of a request: which operation (e.g. `POST /orders`) and its validated input. */
export function requestFingerprint(operation: string, input: unknown): Promise<string> {
  return sha256Hex(JSON.stringify([operation, canonical(input)]));
}

/** Throws 422 when a stored fingerprint does not match this request's. */
export function assertSameRequest(stored: string | null | undefined, current: string): void {
  if (stored && stored !== current) throw problems.idempotencyKeyReused();
}

const CLIENT_KEY_PREFIX = 'client:';

/**
 * How a client's Idempotency-Key is stored where internal keys live too: `client:` + 64 hex,
 * a SHA-256 of the caller, the operation (e.g. `POST /payments/{id}/refunds`) and the key.
 */
export async function clientIdempotencyKey(
  scope: { callerId: string; operation: string },
  key: string,
): Promise<string> {
  return CLIENT_KEY_PREFIX + (await sha256Hex(JSON.stringify([scope.callerId, scope.operation, key])));
}

/** A key the server makes for its own work; it can never equal a stored client key. */
export function internalIdempotencyKey(key: string): string {
  if (key.startsWith(CLIENT_KEY_PREFIX)) throw new Error(`internal idempotency key in the client space: ${key}`);
  return key;
}

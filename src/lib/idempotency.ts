/**
 * Idempotency-Key semantics shared by every write that takes the header (Stripe's):
 * the key is bound to a fingerprint of the request that first used it. The same key
 * with the same request replays the first result; the same key with a different
 * request is 422 `idempotency-key-reused`, never a silent replay of something else.
 *
 * The fingerprint is SHA-256 over a canonical JSON form (object keys sorted at every
 * depth), so key order and whitespace in the client's JSON do not matter.
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

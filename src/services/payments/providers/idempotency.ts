/**
 * Per-operation idempotency keys. The saga hands one key per (order, step, attempt); each
 * provider operation appends its own suffix, so authorize, capture, void and refund never
 * share a key (Stripe rejects a key reused with another endpoint or other parameters).
 * The result stays within Stripe's 255 characters: a longer base key is replaced by its
 * SHA-256, which keeps the mapping deterministic.
 */
import { sha256Hex } from '../../../lib/bytes.ts';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './validation.ts';

export type ProviderOperation = 'authorize' | 'capture' | 'void' | 'refund';

export async function operationKey(idempotencyKey: string, operation: ProviderOperation): Promise<string> {
  const key = `${idempotencyKey}:${operation}`;
  return key.length <= MAX_IDEMPOTENCY_KEY_LENGTH ? key : `sha256-${await sha256Hex(idempotencyKey)}:${operation}`;
}

/**
 * Field-level encryption of `payments.gateway_response` (the seed: payment details are
 * encrypted at rest). The provider's full answer is sealed with AES-256-GCM under
 * PAYMENTS_ENCRYPTION_KEY, bound to the payment id (AAD), so a sealed value copied to
 * another row does not open. Only the card's brand and last4 are ever shown.
 */
import type { Env } from '../../env.ts';
import { importSecretKeys, openSecret, sealSecret, type SecretKeyRing } from '../../lib/secret-box.ts';

export interface GatewayRecord {
  card: { brand: string | null; last4: string | null };
  raw: unknown;
}

const keys = new Map<string, Promise<SecretKeyRing>>();
function keyOf(env: Env): Promise<SecretKeyRing> {
  const secret = env.PAYMENTS_ENCRYPTION_KEY;
  if (!secret) throw new Error('PAYMENTS_ENCRYPTION_KEY is not configured');
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = importSecretKeys(secret)));
  return key;
}

export async function sealGatewayRecord(env: Env, paymentId: string, record: GatewayRecord): Promise<string> {
  return sealSecret(await keyOf(env), JSON.stringify(record), `payment:${paymentId}`);
}

/** Brand and last4 only; null when there is nothing sealed or it does not open. */
export async function cardOf(
  env: Env,
  paymentId: string,
  sealed: string | null,
): Promise<GatewayRecord['card'] | null> {
  if (!sealed) return null;
  try {
    const record = JSON.parse(await openSecret(await keyOf(env), sealed, `payment:${paymentId}`)) as GatewayRecord;
    return { brand: record.card?.brand ?? null, last4: record.card?.last4 ?? null };
  } catch {
    return null;
  }
}

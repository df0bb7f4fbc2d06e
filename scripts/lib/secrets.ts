/**
 * Generated secrets for local stacks (dev and tests): the JWT signing key set, the
 * TOTP encryption key and the test payment provider's webhook secret. Nothing secret
 * is committed; `npm run dev` keeps them in .dev/secrets.json so sessions survive
 * restarts (a secret added later is generated once and saved alongside).
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface LocalSecrets {
  JWT_SIGNING_KEYS: string;
  TOTP_ENCRYPTION_KEY: string;
  /** Signs the test payment provider's webhooks (`signTestWebhook`). */
  PAYMENTS_TEST_WEBHOOK_SECRET: string;
  /** base64 32-byte AES key sealing payments.gateway_response. */
  PAYMENTS_ENCRYPTION_KEY: string;
}

/** A private ES256 JWK with kid and alg, as JWT_SIGNING_KEYS expects. */
export async function generateSigningKey(
  kid = `es256-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`,
) {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
  return { ...jwk, kid, alg: 'ES256', use: 'sig' };
}

export async function generateSecrets(): Promise<LocalSecrets> {
  return {
    JWT_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningKey()] }),
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PAYMENTS_TEST_WEBHOOK_SECRET: `whsec_test_${randomBytes(24).toString('base64url')}`,
    PAYMENTS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
}

/** Reads `file`, adding (and saving) any secret a newer version of this module introduced. */
export async function loadOrCreateSecrets(file: string): Promise<LocalSecrets> {
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>) : {};
  const fresh = await generateSecrets();
  const secrets: LocalSecrets = { ...fresh, ...saved };
  if (Object.keys(fresh).some((key) => !(key in saved))) {
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600); // `mode` applies only when the file is created
  }
  return secrets;
}

/**
 * Generated secrets for local stacks (dev and tests): the JWT signing key set and
 * the TOTP encryption key. Nothing secret is committed; `npm run dev` keeps them in
 * .dev/secrets.json so sessions survive restarts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes, webcrypto } from 'node:crypto';

export interface LocalSecrets {
  JWT_SIGNING_KEYS: string;
  TOTP_ENCRYPTION_KEY: string;
}

/** A private ES256 JWK with kid and alg, as JWT_SIGNING_KEYS expects. */
export async function generateSigningKey(kid = `es256-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`) {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
  return { ...jwk, kid, alg: 'ES256', use: 'sig' };
}

export async function generateSecrets(): Promise<LocalSecrets> {
  return {
    JWT_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningKey()] }),
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
}

export async function loadOrCreateSecrets(file: string): Promise<LocalSecrets> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secrets = await generateSecrets();
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

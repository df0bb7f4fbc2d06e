import { exportJWK, importJWK, errors as joseErrors, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';

import { problems } from './problem.ts';

/**
 * Access tokens: short-lived JWTs signed with an asymmetric key (ES256 or EdDSA).
 *
 * Configuration is one secret, `JWT_SIGNING_KEYS`: a JWK set of PRIVATE keys, each
 * with `kid` and `alg`. The FIRST key signs; every key verifies and is published
 * (public part only) at /.well-known/jwks.json. Rotation: put the new key first,
 * keep the old one after it until the last token it signed has expired, then drop it.
 *
 * Imported keys are cached per isolate (keyed by the secret's text), so verifying a
 * bearer token costs no I/O at all.
 */
const ACCESS_TOKEN_TYPE = 'at+jwt';
const ALLOWED_ALGS = ['ES256', 'EdDSA'] as const;

export interface AccessClaims {
  sub: string;
  tid: string;
  roles: string[];
  perms: string[];
}

export interface KeyRing {
  signer: { kid: string; alg: string; key: CryptoKey };
  verifiers: Map<string, { alg: string; key: CryptoKey }>;
  jwks: { keys: JWK[] };
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

let cached: { source: string; ring: Promise<KeyRing> } | undefined;

async function buildKeyRing(source: string): Promise<KeyRing> {
  let parsed: { keys?: JWK[] };
  try {
    parsed = JSON.parse(source) as { keys?: JWK[] };
  } catch {
    throw new Error('JWT_SIGNING_KEYS is not valid JSON (expected a JWK set of private keys)');
  }
  const keys = parsed.keys ?? [];
  if (keys.length === 0) throw new Error('JWT_SIGNING_KEYS has no keys');
  const verifiers = new Map<string, { alg: string; key: CryptoKey }>();
  const published: JWK[] = [];
  let signer: KeyRing['signer'] | undefined;
  for (const jwk of keys) {
    const { kid, alg } = jwk;
    if (!kid || !alg || !(ALLOWED_ALGS as readonly string[]).includes(alg) || !jwk.d) {
      throw new Error(`JWT_SIGNING_KEYS: every key needs kid, alg (ES256|EdDSA) and its private part`);
    }
    const privateKey = (await importJWK(jwk, alg)) as CryptoKey;
    const { d: _private, ...publicJwk } = jwk;
    const publicKey = (await importJWK({ ...publicJwk, key_ops: ['verify'] }, alg)) as CryptoKey;
    verifiers.set(kid, { alg, key: publicKey });
    const exported = await exportJWK(publicKey);
    published.push({ ...exported, kid, alg, use: 'sig' });
    signer ??= { kid, alg, key: privateKey };
  }
  return { signer: signer!, verifiers, jwks: { keys: published } };
}

export function keyRing(signingKeys: string): Promise<KeyRing> {
  if (cached?.source !== signingKeys) {
    const ring = buildKeyRing(signingKeys);
    cached = { source: signingKeys, ring };
    ring.catch(() => {
      if (cached?.ring === ring) cached = undefined;
    });
  }
  return cached.ring;
}

export async function signAccessToken(ring: KeyRing, claims: AccessClaims, settings: TokenSettings): Promise<string> {
  return new SignJWT({ tid: claims.tid, roles: claims.roles, perms: claims.perms })
    .setProtectedHeader({ alg: ring.signer.alg, kid: ring.signer.kid, typ: ACCESS_TOKEN_TYPE })
    .setSubject(claims.sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(`${settings.ttlSeconds}s`)
    .setJti(crypto.randomUUID())
    .sign(ring.signer.key);
}

/** A short-lived token of another type, e.g. the 2FA challenge between password and code. */
export async function signPurposeToken(
  ring: KeyRing,
  purpose: string,
  subject: string,
  payload: Record<string, unknown>,
  settings: TokenSettings,
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: ring.signer.alg, kid: ring.signer.kid, typ: purpose })
    .setSubject(subject)
    .setIssuer(settings.issuer)
    .setAudience(`${settings.audience}:${purpose}`)
    .setIssuedAt()
    .setExpirationTime(`${settings.ttlSeconds}s`)
    .setJti(crypto.randomUUID())
    .sign(ring.signer.key);
}

async function verifyWith(
  ring: KeyRing,
  token: string,
  typ: string,
  issuer: string,
  audience: string,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const entry = header.kid ? ring.verifiers.get(header.kid) : undefined;
        if (!entry || entry.alg !== header.alg) throw new joseErrors.JWKSNoMatchingKey();
        return entry.key;
      },
      { algorithms: [...ALLOWED_ALGS], issuer, audience, typ, clockTolerance: 5 },
    );
    return payload;
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw problems.unauthorized('The token has expired.');
    throw problems.unauthorized('The token is invalid.');
  }
}

/** Verifies signature (known kid, allowed alg only: never `none`), typ, iss, aud and exp. */
export async function verifyAccessToken(
  ring: KeyRing,
  token: string,
  settings: Omit<TokenSettings, 'ttlSeconds'>,
): Promise<AccessClaims> {
  const payload = await verifyWith(ring, token, ACCESS_TOKEN_TYPE, settings.issuer, settings.audience);
  const { sub, tid, roles, perms } = payload as JWTPayload & Partial<AccessClaims>;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (typeof sub !== 'string' || typeof tid !== 'string' || !strings(roles) || !strings(perms)) {
    throw problems.unauthorized('The token is invalid.');
  }
  return { sub, tid, roles, perms };
}

export async function verifyPurposeToken(
  ring: KeyRing,
  purpose: string,
  token: string,
  settings: Omit<TokenSettings, 'ttlSeconds'>,
): Promise<JWTPayload & { sub: string }> {
  const payload = await verifyWith(ring, token, purpose, settings.issuer, `${settings.audience}:${purpose}`);
  if (typeof payload.sub !== 'string') throw problems.unauthorized('The token is invalid.');
  return payload as JWTPayload & { sub: string };
}

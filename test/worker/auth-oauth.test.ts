import { importJWK, SignJWT, type JWK } from 'jose';
import { describe, expect, inject, it } from 'vitest';

import { apiAs, createTenant, jsonOf, problemOf, registerUser, sessionOf } from '../fixtures/index.ts';
import { postJson } from './helpers.ts';

const oidc = inject('oidc');

async function idToken(
  claims: Record<string, unknown>,
  opts: { issuer?: string; audience?: string; key?: JWK; expiresIn?: string } = {},
) {
  const jwk = opts.key ?? (oidc.privateJwk as JWK);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
    .setIssuer(opts.issuer ?? oidc.issuer)
    .setAudience(opts.audience ?? oidc.audience)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '5m')
    .sign(await importJWK(jwk, 'RS256'));
}

const signIn = (tenantId: string, token: string, provider: 'google' | 'github' | 'facebook' = 'google') =>
  apiAs({ tenantId }).auth.oauth[':provider'].$post({ header: {}, param: { provider }, json: { idToken: token } });
const password = (tenantId: string, login: string, password: string) =>
  apiAs({ tenantId }).auth.login.$post({ header: {}, json: { login, password } });

describe('social sign-in: refused', () => {
  it('tokens from another issuer, for another audience, expired, or signed by another key: 401', async () => {
    const tenantId = await createTenant();
    const claims = { sub: 'g-1', email: 'x@example.com', email_verified: true };
    const pair = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const stranger = {
      ...((await crypto.subtle.exportKey('jwk', pair.privateKey)) as JWK),
      kid: (oidc.privateJwk as JWK).kid,
    };
    for (const token of [
      await idToken(claims, { issuer: 'https://accounts.evil.example' }),
      await idToken(claims, { audience: 'another-client' }),
      await idToken(claims, { expiresIn: '-1m' }),
      await idToken(claims, { key: stranger }),
      'not-a-token',
    ]) {
      expect((await signIn(tenantId, token)).status).toBe(401);
    }
  });

  it('an unconfigured provider: 404; an unknown provider: 400', async () => {
    const tenantId = await createTenant();
    const token = await idToken({ sub: 'g-2', email: 'y@example.com', email_verified: true });
    expect((await signIn(tenantId, token, 'github')).status).toBe(404);
    // Raw: a provider outside the route's enumeration, which the typed client cannot name.
    const unknown = await postJson('/api/v1/auth/oauth/myspace', { idToken: token }, { 'x-tenant-id': tenantId });
    expect(unknown.status).toBe(400);
  });

  it('an unverified email never links to an existing account (409) nor creates one (400)', async () => {
    const tenantId = await createTenant();
    const existing = await registerUser(tenantId);
    const link = await signIn(tenantId, await idToken({ sub: 'g-3', email: existing.email, email_verified: false }));
    expect(link.status).toBe(409);
    const create = await signIn(tenantId, await idToken({ sub: 'g-4', email: 'fresh@example.com' }));
    expect(create.status).toBe(400);
    expect((await problemOf(create)).errors?.[0]?.field).toBe('body.idToken');
  });
});

describe('social sign-in: seat limit', () => {
  it('a new social account takes a seat like a registration: 409 when the tenant is full', async () => {
    const tenantId = await createTenant({ maxUsers: 1 });
    await registerUser(tenantId);
    const res = await signIn(
      tenantId,
      await idToken({ sub: `g-${crypto.randomUUID()}`, email: 'late@example.com', email_verified: true }),
    );
    expect(res.status).toBe(409);
    expect((await problemOf(res)).title).toBe('Seat limit reached');
  });
});

describe('social sign-in: accepted', () => {
  it('creates a user on first sign-in and signs the same user in afterwards', async () => {
    const tenantId = await createTenant();
    const sub = `g-${crypto.randomUUID()}`;
    const token = await idToken({
      sub,
      email: 'Grace@Example.com',
      email_verified: true,
      given_name: 'Grace',
      family_name: 'Hopper',
    });
    const a = sessionOf(await jsonOf(await signIn(tenantId, token), 200));
    expect(a.user).toMatchObject({
      email: 'grace@example.com',
      authProvider: 'GOOGLE',
      emailVerified: true,
      roles: ['USER'],
    });
    const again = sessionOf(
      await jsonOf(
        await signIn(tenantId, await idToken({ sub, email: 'grace@example.com', email_verified: true })),
        200,
      ),
    );
    expect(again.user.id).toBe(a.user.id);
    // The account has no usable password.
    const pw = await password(tenantId, 'grace@example.com', '!');
    expect(pw.status).toBe(401);
  });

  it('links a verified email to the existing local account', async () => {
    const tenantId = await createTenant();
    const existing = await registerUser(tenantId);
    const res = await signIn(
      tenantId,
      await idToken({ sub: `g-${crypto.randomUUID()}`, email: existing.email, email_verified: true }),
    );
    const session = sessionOf(await jsonOf(res, 200));
    expect(session.user).toMatchObject({ id: existing.id, authProvider: 'GOOGLE' });
    // The password still works too.
    const pw = await password(tenantId, existing.email, existing.password);
    expect(pw.status).toBe(200);
  });
});

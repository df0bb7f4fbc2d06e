import { importJWK, SignJWT, type JWK } from 'jose';
import { describe, expect, inject, it } from 'vitest';

import { totpCode, totpStep } from '../../src/lib/totp.ts';
import { call, postJson } from './helpers.ts';
import { as, createTenant, PASSWORD } from './identity-helpers.ts';

/** Every response that carries a token or a secret is `Cache-Control: no-store`. */
const noStore = (res: Response, what: string) => expect(res.headers.get('cache-control'), what).toBe('no-store');

describe('Cache-Control: no-store on token and secret responses', () => {
  it('register, login, refresh, /auth/me, API key creation and listing, 2FA setup and the 2FA login step', async () => {
    const tenantId = await createTenant();
    const handle = `ns${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const registered = await postJson(
      '/api/v1/auth/register',
      { email: `${handle}@example.com`, username: handle, password: PASSWORD },
      { 'x-tenant-id': tenantId },
    );
    expect(registered.status).toBe(201);
    noStore(registered, 'register');
    const session = (await registered.json()) as { tokens: { accessToken: string; refreshToken: string } };
    const user = { accessToken: session.tokens.accessToken };

    const loggedIn = await postJson(
      '/api/v1/auth/login',
      { login: handle, password: PASSWORD },
      { 'x-tenant-id': tenantId },
    );
    expect(loggedIn.status).toBe(200);
    noStore(loggedIn, 'login');

    const refreshed = await postJson('/api/v1/auth/refresh', { refreshToken: session.tokens.refreshToken });
    expect(refreshed.status).toBe(200);
    noStore(refreshed, 'refresh');

    const me = await as(user, 'GET', '/api/v1/auth/me');
    expect(me.status).toBe(200);
    noStore(me, '/auth/me');

    const key = await as(user, 'POST', '/api/v1/auth/api-keys', { name: 'k', scopes: ['read:products'] });
    expect(key.status).toBe(201);
    noStore(key, 'API key creation');
    noStore(await as(user, 'GET', '/api/v1/auth/api-keys'), 'API key list');

    const setup = await as(user, 'POST', '/api/v1/auth/2fa/setup');
    expect(setup.status).toBe(200);
    noStore(setup, '2FA setup');
    const { secret } = (await setup.json()) as { secret: string };
    const enabled = await as(user, 'POST', '/api/v1/auth/2fa/enable', {
      code: await totpCode(secret, totpStep(Date.now()) - 1),
    });
    expect(enabled.status).toBe(204);

    const challenge = await postJson(
      '/api/v1/auth/login',
      { login: handle, password: PASSWORD },
      { 'x-tenant-id': tenantId },
    );
    noStore(challenge, 'login (2FA challenge)');
    const { challengeToken } = (await challenge.json()) as { challengeToken: string };
    const second = await postJson('/api/v1/auth/login/2fa', {
      challengeToken,
      code: await totpCode(secret, totpStep(Date.now())),
    });
    expect(second.status).toBe(200);
    noStore(second, 'login/2fa');

    // Failures of these routes too (a problem may echo what was sent).
    noStore(
      await postJson(
        '/api/v1/auth/login',
        { login: handle, password: 'Wrong-Password-1' },
        { 'x-tenant-id': tenantId },
      ),
      'failed login',
    );
  });

  it('social sign-in', async () => {
    const oidc = inject('oidc');
    const jwk = oidc.privateJwk as JWK;
    const idToken = await new SignJWT({
      sub: `g-${crypto.randomUUID()}`,
      email: `${crypto.randomUUID()}@example.com`,
      email_verified: true,
    })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
      .setIssuer(oidc.issuer)
      .setAudience(oidc.audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(jwk, 'RS256'));
    const res = await postJson('/api/v1/auth/oauth/google', { idToken }, { 'x-tenant-id': await createTenant() });
    expect(res.status).toBe(200);
    noStore(res, 'oauth');
  });

  it('public keys stay cacheable', async () => {
    const res = await call('/.well-known/jwks.json');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect((await call('/api/v1/.well-known/jwks.json')).headers.get('cache-control')).toMatch(/^public/);
  });
});

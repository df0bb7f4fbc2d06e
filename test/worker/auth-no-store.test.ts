import { importJWK, SignJWT, type JWK } from 'jose';
import { describe, expect, inject, it } from 'vitest';

import { totpCode, totpStep } from '../../src/lib/totp.ts';
import { api, apiAs, call, challengeOf, createTenant, jsonOf, PASSWORD } from '../fixtures/index.ts';

/** Every response that carries a token or a secret is `Cache-Control: no-store`. */
const noStore = (res: { headers: Headers }, what: string) =>
  expect(res.headers.get('cache-control'), what).toBe('no-store');

describe('Cache-Control: no-store on token and secret responses', () => {
  it('register, login, refresh, /auth/me, API key creation and listing, 2FA setup and the 2FA login step', async () => {
    const tenantId = await createTenant();
    const handle = `ns${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const anonymous = apiAs({ tenantId });
    const login = (password: string) => anonymous.auth.login.$post({ header: {}, json: { login: handle, password } });
    const registered = await anonymous.auth.register.$post({
      header: {},
      json: { email: `${handle}@example.com`, username: handle, password: PASSWORD },
    });
    noStore(registered, 'register');
    const session = await jsonOf(registered, 201);
    const user = apiAs({ user: session.tokens });

    const loggedIn = await login(PASSWORD);
    expect(loggedIn.status).toBe(200);
    noStore(loggedIn, 'login');

    const refreshed = await api.auth.refresh.$post({ json: { refreshToken: session.tokens.refreshToken } });
    expect(refreshed.status).toBe(200);
    noStore(refreshed, 'refresh');

    const me = await user.auth.me.$get();
    expect(me.status).toBe(200);
    noStore(me, '/auth/me');

    const key = await user.auth['api-keys'].$post({ json: { name: 'k', scopes: ['read:products'] } });
    expect(key.status).toBe(201);
    noStore(key, 'API key creation');
    noStore(await user.auth['api-keys'].$get(), 'API key list');

    const setup = await user.auth['2fa'].setup.$post();
    noStore(setup, '2FA setup');
    const { secret } = await jsonOf(setup, 200);
    const enabled = await user.auth['2fa'].enable.$post({
      json: { code: await totpCode(secret, totpStep(Date.now()) - 1) },
    });
    expect(enabled.status).toBe(204);

    const challenge = await login(PASSWORD);
    noStore(challenge, 'login (2FA challenge)');
    const { challengeToken } = challengeOf(await jsonOf(challenge, 200));
    const second = await api.auth.login['2fa'].$post({
      json: { challengeToken, code: await totpCode(secret, totpStep(Date.now())) },
    });
    expect(second.status).toBe(200);
    noStore(second, 'login/2fa');

    // Failures of these routes too (a problem may echo what was sent).
    noStore(await login('Wrong-Password-1'), 'failed login');
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
    const res = await apiAs({ tenantId: await createTenant() }).auth.oauth[':provider'].$post({
      header: {},
      param: { provider: 'google' },
      json: { idToken },
    });
    expect(res.status).toBe(200);
    noStore(res, 'oauth');
  });

  it('public keys stay cacheable', async () => {
    // Raw: the JWKS is also served outside /api/v1, where the typed client does not reach.
    const res = await call('/.well-known/jwks.json');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect((await call('/api/v1/.well-known/jwks.json')).headers.get('cache-control')).toMatch(/^public/);
  });
});

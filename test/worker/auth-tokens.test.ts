import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { base64url, decodeProtectedHeader, importJWK, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';

import {
  api,
  apiAs,
  apiWithEnv,
  call,
  createTenant,
  jsonOf,
  problemOf,
  registerUser,
  sessionOf,
} from '../fixtures/index.ts';
import { postJson } from './helpers.ts';
import { testStores } from './stores.ts';

const meWith = (token: string) => apiAs({ user: { accessToken: token } }).auth.me.$get();
const refresh = (refreshToken: string) => api.auth.refresh.$post({ json: { refreshToken } });

async function newKey(kid: string): Promise<JWK> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  return { ...((await crypto.subtle.exportKey('jwk', pair.privateKey)) as JWK), kid, alg: 'ES256' };
}

function signWith(jwk: JWK, claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  return importJWK(jwk, 'ES256').then((key) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'at+jwt', ...header }).sign(key),
  );
}

describe('access tokens', () => {
  it('publishes the verification keys (public parts only) at the JWKS endpoint', async () => {
    const { keys } = await jsonOf(await api['.well-known']['jwks.json'].$get(), 200);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig' });
      expect(k).not.toHaveProperty('d');
    }
    // Raw: the JWKS at the root, outside /api/v1 where the typed client reaches.
    const atRoot = await call('/.well-known/jwks.json');
    expect(atRoot.status).toBe(200);
    expect(await atRoot.json()).toEqual({ keys });
  });

  it('carries kid, iss, aud, exp, sub, tenant, roles and permissions', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    const header = decodeProtectedHeader(user.accessToken);
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(user.accessToken.split('.')[1]!)));
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(header.kid).toBeTruthy();
    expect(payload).toMatchObject({
      sub: user.id,
      tid: tenantId,
      iss: env.JWT_ISSUER,
      aud: env.JWT_AUDIENCE,
      roles: ['USER'],
    });
    expect(payload.exp - payload.iat).toBe(900);
  });

  it('rejects: missing, garbage, alg none, forged signature, unknown kid, tampered, wrong audience/issuer/type, expired', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    const base = { sub: user.id, tid: tenantId, roles: ['ADMIN'], perms: ['delete:products', 'read:profile'] }; // /auth/me needs read:profile
    const now = Math.floor(Date.now() / 1000);
    const good = { ...base, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, iat: now, exp: now + 60 };
    const { keys } = JSON.parse(env.JWT_SIGNING_KEYS) as { keys: JWK[] };
    const real = keys[0]!;
    const forger = await newKey(real.kid!); // same kid, other key

    const [p1, p2] = user.accessToken.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p2!)));
    const tampered = `${p1}.${base64url.encode(JSON.stringify({ ...claims, roles: ['ADMIN'] }))}.${user.accessToken.split('.')[2]}`;

    const cases: Record<string, string> = {
      garbage: 'not.a.jwt',
      algNone: new UnsecuredJWT(good).encode(),
      forged: await signWith(forger, good),
      unknownKid: await signWith({ ...(await newKey('nope')) }, good),
      tampered,
      wrongAudience: await signWith(real, { ...good, aud: 'someone-else' }),
      wrongIssuer: await signWith(real, { ...good, iss: 'https://evil.example' }),
      wrongType: await signWith(real, good, { typ: 'JWT' }),
      expired: await signWith(real, { ...good, iat: now - 3600, exp: now - 600 }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await meWith(token);
      expect(res.status, name).toBe(401);
      expect((await problemOf(res)).status, name).toBe(401);
    }
    const expired = await problemOf(await meWith(cases.expired!));
    expect(expired.detail).toContain('expired');
    expect((await api.auth.me.$get()).status).toBe(401);
    const basic = apiAs({ headers: { authorization: `Basic ${btoa('a:b')}` } });
    expect((await basic.auth.me.$get()).status).toBe(401);
    // The correctly signed one passes.
    expect((await meWith(await signWith(real, good))).status).toBe(200);
  });

  it('key rotation: the new first key signs, the old key still verifies', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId); // token signed by the current key
    const { keys } = JSON.parse(env.JWT_SIGNING_KEYS) as { keys: JWK[] };
    const rotated = JSON.stringify({ keys: [await newKey('next-key'), ...keys] });

    const next = apiWithEnv({ JWT_SIGNING_KEYS: rotated });
    const oldTokenStillValid = await apiWithEnv({ JWT_SIGNING_KEYS: rotated }, { user }).auth.me.$get();
    expect(oldTokenStillValid.status).toBe(200);

    const login = await apiWithEnv({ JWT_SIGNING_KEYS: rotated }, { tenantId }).auth.login.$post({
      header: {},
      json: { login: user.email, password: user.password },
    });
    const { tokens } = sessionOf(await jsonOf(login, 200));
    expect(decodeProtectedHeader(tokens.accessToken).kid).toBe('next-key');
    const jwks = await jsonOf(await next['.well-known']['jwks.json'].$get(), 200);
    expect(jwks.keys.map((k) => k.kid)).toEqual(['next-key', keys[0]!.kid]);
    // Servers still on the old configuration do not accept the new key's tokens.
    expect((await meWith(tokens.accessToken)).status).toBe(401);
  });
});

describe('refresh tokens', () => {
  it('rotate on every use; the old one is dead', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    const pair = await jsonOf(await refresh(user.refreshToken), 200);
    expect(pair.refreshToken).not.toBe(user.refreshToken);
    expect((await meWith(pair.accessToken)).status).toBe(200);
    const second = await refresh(pair.refreshToken);
    expect(second.status).toBe(200);
  });

  it('reuse of a rotated token revokes the whole family', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    const rotated = await jsonOf(await refresh(user.refreshToken), 200);
    const replay = await refresh(user.refreshToken);
    expect(replay.status).toBe(401);
    expect((await problemOf(replay)).detail).toContain('already used');
    // The legitimate latest token is revoked too.
    expect((await refresh(rotated.refreshToken)).status).toBe(401);
  });

  it('two concurrent refreshes with one token: exactly one wins', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    const results = await Promise.all([1, 2, 3].map(() => refresh(user.refreshToken)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("a tenant suspended behind the API's back ends its sessions at the next refresh", async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    const stores = testStores();
    await stores.pg('auth').db.execute(sql`update auth.tenants set status = 'SUSPENDED' where id = ${tenantId}`);
    await stores.close();
    expect((await refresh(user.refreshToken)).status).toBe(401);
  });

  it('logout revokes the session; unknown and malformed tokens are refused', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    expect((await api.auth.logout.$post({ json: { refreshToken: user.refreshToken } })).status).toBe(204);
    expect((await refresh(user.refreshToken)).status).toBe(401);
    expect((await refresh(`rt_${tenantId}_${'A'.repeat(43)}`)).status).toBe(401);
    expect((await refresh('garbage')).status).toBe(401);
    // Raw: a body without the token, which the typed client cannot send.
    expect((await postJson('/api/v1/auth/refresh', {})).status).toBe(400);
  });
});

/**
 * A staging or production Worker refuses to serve with an unsafe configuration
 * (src/services/health/configuration.ts): every route but health answers 503 `misconfigured`,
 * and health names each problem by setting, never by value.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import { createApp } from '../../src/app.ts';
import type { Env } from '../../src/env.ts';
import {
  DEVELOPMENT_ADMIN_PASSWORD,
  knownDefaultPasswordAdmins,
  platformAdminsOnDefaultPassword,
} from '../../src/services/health/index.ts';
import { createTenant, grantRole, PASSWORD, registerUser } from './identity-helpers.ts';
import { testStores } from './stores.ts';

const app = createApp();
const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;

/** The test bindings as a deployment named `environment` would have them, plus `overrides`. */
function deployed(environment: string, overrides: Partial<Record<keyof Env, string>> = {}): Env {
  return { ...env, ENVIRONMENT: environment, ...overrides } as Env;
}

async function fetchAs(bindings: Env, path: string, init: RequestInit = {}) {
  return app.fetch(new Request(`http://api.test${path}`, init), bindings, ctx);
}

interface HealthBody {
  status: string;
  configuration: { environment: string; status: string; problems: Array<{ setting: string; problem: string }> };
}

describe('configuration guard', () => {
  it('development (the tests, npm run dev) is never refused', async () => {
    const res = await fetchAs(
      deployed('development', { CORS_ORIGINS: '*', PAYMENT_PROVIDER: 'test' }),
      '/api/v1/health',
    );
    const body = (await res.json()) as HealthBody;
    expect(body.configuration).toEqual({ environment: 'development', status: 'ok', problems: [] });
  });

  it('production with the test payment provider serves nothing but health, and health says why', async () => {
    const bindings = deployed('production', { PAYMENT_PROVIDER: 'test' });
    const login = await fetchAs(bindings, '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': env.PLATFORM_TENANT_ID },
      body: JSON.stringify({ login: 'admin', password: DEVELOPMENT_ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(503);
    expect(login.headers.get('content-type')).toBe('application/problem+json');
    expect(((await login.json()) as { type: string }).type).toMatch(/\/misconfigured$/);

    const orders = await fetchAs(bindings, '/api/v1/orders', { method: 'POST', body: '{}' });
    expect(orders.status).toBe(503);

    const health = await fetchAs(bindings, '/api/v1/health');
    expect(health.status).toBe(503);
    const text = await health.text();
    const body = JSON.parse(text) as HealthBody;
    expect(body.status).toBe('misconfigured');
    expect(body.configuration.environment).toBe('production');
    const settings = body.configuration.problems.map((p) => p.setting);
    expect(settings).toContain('PAYMENT_PROVIDER');
    expect(settings).toContain('CORS_ORIGINS'); // the test bindings allow "*"
    expect(settings).toContain('PG_WS_PROXY'); // a local proxy
    expect(settings).toContain('PG_HTTP_ENDPOINT'); // a local HTTP SQL endpoint
    expect(settings).toContain('TEST_ROUND_TRIPS_HEADER'); // the tests' round-trip header
    expect(health.headers.get('x-round-trips')).toBeNull(); // never sent in production, even when set
    // Never a value: no secret, no connection string, no key material.
    for (const secret of [
      env.DATABASE_URL,
      env.MONGO_DATA_API_KEY,
      env.TOTP_ENCRYPTION_KEY,
      env.PAYMENTS_ENCRYPTION_KEY,
    ])
      expect(text).not.toContain(secret);
  });

  it('staging may use the test provider but not a missing secret or a development issuer', async () => {
    const bindings = deployed('staging', {
      PAYMENT_PROVIDER: 'test',
      JWT_SIGNING_KEYS: '',
      JWT_ISSUER: 'https://api.ecommerce-edge.dev',
      TOTP_ENCRYPTION_KEY: 'c2hvcnQ=',
    });
    const body = (await (await fetchAs(bindings, '/api/v1/health')).json()) as HealthBody;
    const problems = Object.fromEntries(body.configuration.problems.map((p) => [p.setting, p.problem]));
    expect(problems.PAYMENT_PROVIDER).toBeUndefined();
    expect(problems.JWT_SIGNING_KEYS).toMatch(/not set/);
    expect(problems.JWT_ISSUER).toMatch(/development default/);
    expect(problems.TOTP_ENCRYPTION_KEY).toMatch(/32 bytes/);
  });

  it('finds a platform ADMIN still on the development password, and not one who changed it', async () => {
    const tenantId = await createTenant();
    const admin = await grantRole(await registerUser(tenantId, { password: DEVELOPMENT_ADMIN_PASSWORD }), 'ADMIN');
    await grantRole(await registerUser(tenantId, { password: PASSWORD }), 'ADMIN');
    const stores = testStores();
    try {
      const platformOf = (platformTenantId: string) => ({
        env: { ...env, PLATFORM_TENANT_ID: platformTenantId },
        stores,
      });
      expect(await platformAdminsOnDefaultPassword(platformOf(tenantId))).toEqual([admin.username]);
      expect(knownDefaultPasswordAdmins(tenantId)).toEqual([admin.username]);
      expect(knownDefaultPasswordAdmins(crypto.randomUUID())).toEqual([]);
      const otherTenant = await createTenant();
      await grantRole(await registerUser(otherTenant, { password: PASSWORD }), 'ADMIN');
      expect(await platformAdminsOnDefaultPassword(platformOf(otherTenant))).toEqual([]);
    } finally {
      await stores.close();
    }
  });
});

/**
 * The environments of wrangler.toml against the Worker's configuration check
 * (src/services/health/configuration.ts), read the way wrangler reads them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';

import { generateSecrets } from '../../scripts/lib/secrets.ts';
import { checkConfiguration, type Settings } from '../../src/services/health/configuration.ts';

function varsOf(environment?: string): Record<string, string> {
  const config = unstable_readConfig({ config: 'wrangler.toml', env: environment });
  return config.vars as Record<string, string>;
}

function bindingNames(environment?: string) {
  const c = unstable_readConfig({ config: 'wrangler.toml', env: environment });
  return {
    durableObjects: c.durable_objects.bindings
      .map((b: { name: string; class_name: string }) => `${b.name}:${b.class_name}`)
      .sort(),
    producers: c.queues.producers?.map((p: { binding: string }) => p.binding).sort(),
    consumers: c.queues.consumers?.length,
    ratelimits: c.ratelimits.map((r: { name: string }) => r.name).sort(),
    email: c.send_email.map((e: { name: string }) => e.name),
    crons: c.triggers.crons,
  };
}

/** What an operator following docs/deploying.md ends with: real names and every secret. */
async function completed(environment: string, overrides: Record<string, string> = {}): Promise<Settings> {
  const vars = varsOf(environment);
  return {
    ...vars,
    ...(await generateSecrets()),
    JWT_ISSUER: 'https://api.shop.co',
    EMAIL_FROM: 'orders@shop.co',
    VAPID_SUBJECT: 'mailto:ops@shop.co',
    CORS_ORIGINS: 'https://www.shop.co',
    DATABASE_URL: 'postgres://app:secret@ep-cool-name.eu-central-1.aws.neon.tech/ecommerce',
    MONGO_DATA_API_URL: 'https://data.shop.co',
    MONGO_DATA_API_KEY: 'k'.repeat(32),
    STRIPE_SECRET_KEY: 'sk_live_' + 'x'.repeat(24),
    STRIPE_WEBHOOK_SECRET: 'whsec_' + 'y'.repeat(24),
    ...overrides,
  } as Settings;
}

describe('wrangler.toml environments', () => {
  it('staging and production declare every var and binding of the top level (none is inherited)', () => {
    const top = Object.keys(varsOf()).sort();
    for (const environment of ['staging', 'production']) {
      expect(Object.keys(varsOf(environment)).sort()).toEqual(top);
      expect(bindingNames(environment)).toEqual(bindingNames());
    }
  });

  it("the Worker's Env type names every var and binding that wrangler.toml declares", () => {
    const declared = new Set(
      [...readFileSync('src/env.ts', 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]*)\??:/gm)].map((m) => m[1]),
    );
    const c = unstable_readConfig({ config: 'wrangler.toml', env: 'production' });
    const names = [
      ...Object.keys(c.vars),
      ...c.durable_objects.bindings.map((b: { name: string }) => b.name),
      ...(c.queues.producers ?? []).map((p: { binding: string }) => p.binding),
      ...c.ratelimits.map((r: { name: string }) => r.name),
      ...c.send_email.map((e: { name: string }) => e.name),
    ];
    expect(names.filter((n) => !declared.has(n))).toEqual([]);
  });

  it('production runs Stripe, never the test provider, and refuses its example values until they are replaced', async () => {
    const shipped = varsOf('production');
    expect(shipped.ENVIRONMENT).toBe('production');
    expect(shipped.PAYMENT_PROVIDER).toBe('stripe');
    const asShipped = checkConfiguration({ ...shipped, ...(await generateSecrets()) } as Settings);
    expect(asShipped.status).toBe('refused');
    expect(asShipped.problems.map((p) => p.setting)).toEqual(
      expect.arrayContaining(['JWT_ISSUER', 'EMAIL_FROM', 'DATABASE_URL', 'STRIPE_SECRET_KEY']),
    );
    expect(checkConfiguration(await completed('production'))).toEqual({
      environment: 'production',
      status: 'ok',
      problems: [],
    });
  });

  it('production refuses the test provider, a Stripe test key, any origin and local-only settings', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ PAYMENT_PROVIDER: 'test' }, 'PAYMENT_PROVIDER'],
      [{ STRIPE_SECRET_KEY: 'sk_test_abc' }, 'STRIPE_SECRET_KEY'],
      [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
      [{ CORS_ORIGINS: 'http://shop.co' }, 'CORS_ORIGINS'],
      [{ PG_WS_PROXY: '127.0.0.1:5480' }, 'PG_WS_PROXY'],
      [{ PUSH_ALLOW_HTTP: 'true' }, 'PUSH_ALLOW_HTTP'],
      [{ MONGO_DATA_API_URL: 'http://data.shop.co' }, 'MONGO_DATA_API_URL'],
      [{ DATABASE_URL: 'postgres://app:x@127.0.0.1:5432/ecommerce' }, 'DATABASE_URL'],
      [{ JWT_SIGNING_KEYS: '{"keys":[{"kid":"a","alg":"ES256"}]}' }, 'JWT_SIGNING_KEYS'],
      [{ PAYMENTS_ENCRYPTION_KEY: 'change-me-base64-32-bytes' }, 'PAYMENTS_ENCRYPTION_KEY'],
      [{ JWT_ISSUER: 'https://api.example.com' }, 'JWT_ISSUER'],
    ];
    for (const [overrides, setting] of cases) {
      const report = checkConfiguration(await completed('production', overrides));
      expect(report.status, JSON.stringify(overrides)).toBe('refused');
      expect(report.problems.map((p) => p.setting)).toEqual([setting]);
      // A problem names the setting, never a secret's value.
      if (/KEY|URL|SECRET/.test(setting)) expect(JSON.stringify(report)).not.toContain(overrides[setting]);
    }
  });

  it('staging may use the test provider and Stripe test keys', async () => {
    expect(checkConfiguration(await completed('staging', { PAYMENT_PROVIDER: 'test' })).status).toBe('ok');
    expect(checkConfiguration(await completed('staging', { STRIPE_SECRET_KEY: 'sk_test_abc' })).status).toBe('ok');
  });
});

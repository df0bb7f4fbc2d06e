import { describe, expect, it } from 'vitest';

import { ConfigError, configOf, configProblems, configWithDefaults } from '../../src/lib/config.ts';
import { checkConfiguration } from '../../src/services/health/configuration.ts';

describe('the typed config (src/lib/config.ts)', () => {
  it('states every default: nothing set is a working configuration', () => {
    const config = configOf({});
    expect(config.storeTimeoutMs).toBe(3000);
    expect(config.maxBodyBytes).toBe(262_144);
    expect(config.auth).toMatchObject({ accessTtlSeconds: 900, refreshTtlDays: 30, maxFailedLogins: 5 });
    expect(config.edgeCache).toEqual({
      enabled: true,
      sMaxAge: 60,
      staleWhileRevalidate: 30,
      memoMs: 1000,
      bypassToken: undefined,
    });
    expect(config.orders).toMatchObject({ taxRateBps: 0, sagaDeadlineMs: 300_000, sagaStockWaitMs: 120_000 });
    expect(config.payments).toEqual({ providerTimeoutMs: undefined, testTimeoutMs: undefined });
  });

  it('parses what is set; an empty var is unset', () => {
    const config = configOf({
      ORDER_SAGA_DEADLINE_SECONDS: '60',
      ORDER_SAGA_RETRY_BASE_MS: ' 20 ',
      EDGE_CACHE: 'off',
      EDGE_CACHE_MEMO_MS: '0',
      STORE_TIMEOUT_MS: '',
    });
    expect(config.orders.sagaDeadlineMs).toBe(60_000);
    expect(config.orders.sagaRetryBaseMs).toBe(20);
    expect(config.edgeCache.enabled).toBe(false);
    expect(config.edgeCache.memoMs).toBe(0);
    expect(config.storeTimeoutMs).toBe(3000);
  });

  it('money, lists and switches: amounts in minor units, origins trimmed, the round-trip header never in production', () => {
    const config = configOf({
      ORDER_SHIPPING_FLAT: '5.99',
      ORDER_FREE_SHIPPING_FROM: '50',
      CORS_ORIGINS: ' https://a.shop.co , ,https://b.shop.co',
      LOG_LEVEL: 'debug',
      TEST_ROUND_TRIPS_HEADER: 'true',
    });
    expect(config.orders).toMatchObject({ shippingFlatMinor: 599, freeShippingFromMinor: 5000 });
    expect(config.corsOrigins).toEqual(['https://a.shop.co', 'https://b.shop.co']);
    expect(config.logLevel).toBe('debug');
    expect(config.roundTripsHeader).toBe(true);
    expect(configOf({ TEST_ROUND_TRIPS_HEADER: 'true', ENVIRONMENT: 'production' }).roundTripsHeader).toBe(false);
    expect(configOf({}).orders).toMatchObject({ shippingFlatMinor: 0, freeShippingFromMinor: null });
    expect(configOf({}).logLevel).toBe('info');
    for (const [setting, value] of [
      ['ORDER_SHIPPING_FLAT', '5,99'],
      ['ORDER_FREE_SHIPPING_FROM', '1e9'],
      ['ORDER_SHIPPING_FLAT', '123456789.00'],
      ['ORDER_SHIPPING_FLAT', '1.999'],
      ['LOG_LEVEL', 'verbose'],
      ['TEST_ROUND_TRIPS_HEADER', 'yes'],
    ] as const)
      expect(configProblems({ [setting]: value }).map((p) => p.setting)).toEqual([setting]);
  });

  it("the saga's location hint: one of Cloudflare's regions, or none (near the order's Worker)", () => {
    expect(configOf({}).orders.sagaLocationHint).toBeNull();
    expect(configOf({ ORDER_SAGA_LOCATION_HINT: 'none' }).orders.sagaLocationHint).toBeNull();
    expect(configOf({ ORDER_SAGA_LOCATION_HINT: 'weur' }).orders.sagaLocationHint).toBe('weur');
    expect(() => configOf({ ORDER_SAGA_LOCATION_HINT: 'eu-west-1' })).toThrow(
      /ORDER_SAGA_LOCATION_HINT must be one of none, wnam/,
    );
  });

  it('a bad var is an error naming it and what it must be, never its value', () => {
    const env = {
      ORDER_SAGA_MAX_ATTEMPTS: '0',
      STORE_TIMEOUT_MS: '3s-secret',
      ORDER_TAX_RATE_BPS: '12000',
      EDGE_CACHE: 'sometimes',
      PLATFORM_TENANT_ID: 'tenant-1',
    };
    expect(() => configOf(env)).toThrow(ConfigError);
    expect(configProblems(env)).toEqual([
      { setting: 'STORE_TIMEOUT_MS', problem: 'must be a whole number at least 1' },
      { setting: 'PLATFORM_TENANT_ID', problem: 'must be a UUID' },
      { setting: 'EDGE_CACHE', problem: 'must be one of on, off' },
      { setting: 'ORDER_TAX_RATE_BPS', problem: 'must be a whole number from 0 to 10000' },
      { setting: 'ORDER_SAGA_MAX_ATTEMPTS', problem: 'must be a whole number at least 1' },
    ]);
    expect(() => configOf(env)).not.toThrow(/3s-secret/);
    // Health still answers: the bad vars fall back to their defaults there.
    expect(configWithDefaults(env).storeTimeoutMs).toBe(3000);
  });

  it('the configuration check refuses a bad var in every environment, naming it without its value', () => {
    const report = checkConfiguration({ ENVIRONMENT: 'development', STORE_TIMEOUT_MS: 'soon' } as never);
    expect(report).toEqual({
      environment: 'development',
      status: 'refused',
      problems: [{ setting: 'STORE_TIMEOUT_MS', problem: 'must be a whole number at least 1' }],
    });
    const production = checkConfiguration({ ENVIRONMENT: 'production', ORDER_SAGA_MAX_ATTEMPTS: 'many' } as never);
    expect(production.status).toBe('refused');
    expect(production.problems).toContainEqual({
      setting: 'ORDER_SAGA_MAX_ATTEMPTS',
      problem: 'must be a whole number at least 1',
    });
    expect(JSON.stringify(production)).not.toContain('many');
  });
});

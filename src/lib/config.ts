/**
 * The Worker's settings: every number, switch and name among its vars (wrangler.toml `[vars]`,
 * src/env.ts), parsed once per set of bindings with zod, each default stated here and nowhere
 * else. Secrets, URLs and money amounts are read where they are used (the configuration check,
 * services/health/configuration.ts, vets the secrets; orders/pricing.ts the amounts).
 *
 * A bad value is an error that names the var and what it must be, never the value (a var may
 * sit next to secrets in an operator's paste): `configOf` throws `ConfigError`, the
 * configuration check lists the same problems (health shows them; staging and production
 * refuse to serve until they are fixed). Unset or empty means the default.
 */
import { z } from 'zod';

import { isUuid } from './ids.ts';

/** Durable Object location hints (Cloudflare's regions), for ORDER_SAGA_LOCATION_HINT. */
export const SAGA_LOCATION_HINTS = ['wnam', 'enam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me'] as const;
export type SagaLocationHint = (typeof SAGA_LOCATION_HINTS)[number];

/** Parsed, defaulted settings of the identity services. */
export interface AuthConfig {
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlDays: number;
  maxFailedLogins: number;
  totpIssuer: string;
  platformTenantId: string;
}

/** A whole number written in decimal digits, within [min, max]; unset or empty: `fallback`. */
const whole = <F extends number | undefined>(fallback: F, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .unknown()
    .optional()
    .transform((raw, ctx): number | F => {
      if (raw === undefined || raw === null || raw === '') return fallback;
      const digits = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
      const n = /^\d+$/.test(digits) ? Number(digits) : NaN;
      if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
      ctx.addIssue({ code: 'custom', message: `must be a whole number ${range}` });
      return z.NEVER;
    });

/** A non-empty string; unset or empty: `fallback`. */
const text = (fallback: string) =>
  z
    .unknown()
    .optional()
    .transform((raw, ctx): string => {
      if (raw === undefined || raw === null || raw === '') return fallback;
      if (typeof raw === 'string') return raw;
      ctx.addIssue({ code: 'custom', message: 'must be a string' });
      return z.NEVER;
    });

/** One of `choices`; unset or empty: the first. */
const oneOf = <const T extends readonly [string, ...string[]]>(choices: T) =>
  z
    .unknown()
    .optional()
    .transform((raw, ctx): T[number] => {
      if (raw === undefined || raw === null || raw === '') return choices[0];
      if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return raw;
      ctx.addIssue({ code: 'custom', message: `must be one of ${choices.join(', ')}` });
      return z.NEVER;
    });

/** An amount like "5.99" (at most 8 whole digits and 2 decimals), in minor units; unset or empty: `fallback`. */
const amount = <F extends number | null>(fallback: F) =>
  z
    .unknown()
    .optional()
    .transform((raw, ctx): number | F => {
      if (raw === undefined || raw === null || raw === '') return fallback;
      const m = typeof raw === 'string' ? /^(\d{1,8})(?:\.(\d{1,2}))?$/.exec(raw.trim()) : null;
      if (m) return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
      ctx.addIssue({ code: 'custom', message: 'must be an amount like "5.99" (at most 8 digits and 2 decimals)' });
      return z.NEVER;
    });

/** A comma-separated list, trimmed, empty entries dropped; unset: none. */
const list = () =>
  z
    .unknown()
    .optional()
    .transform((raw, ctx): string[] => {
      if (raw === undefined || raw === null || raw === '') return [];
      if (typeof raw === 'string')
        return raw
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '');
      ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list' });
      return z.NEVER;
    });

const VARS = z.object({
  LOG_LEVEL: oneOf(['info', 'debug', 'warn', 'error']),
  CORS_ORIGINS: list(),
  TEST_ROUND_TRIPS_HEADER: oneOf(['false', 'true']),
  ENVIRONMENT: text('development'),

  MAX_BODY_BYTES: whole(262_144, 1),
  STORE_TIMEOUT_MS: whole(3000, 1),

  JWT_ISSUER: text('https://api.ecommerce-edge.dev'),
  JWT_AUDIENCE: text('ecommerce-edge'),
  ACCESS_TOKEN_TTL_SECONDS: whole(900, 1),
  REFRESH_TOKEN_TTL_DAYS: whole(30, 1),
  MAX_FAILED_LOGINS: whole(5, 1),
  TOTP_ISSUER: text('E-commerce Edge'),
  PLATFORM_TENANT_ID: text('').refine((v) => v === '' || isUuid(v), 'must be a UUID'),

  EDGE_CACHE: oneOf(['on', 'off']),
  EDGE_CACHE_S_MAXAGE: whole(60, 0),
  EDGE_CACHE_STALE_WHILE_REVALIDATE: whole(30, 0),
  EDGE_CACHE_MEMO_MS: whole(1000, 0),
  EDGE_CACHE_BYPASS_TOKEN: text(''),

  ORDER_TAX_RATE_BPS: whole(0, 0, 10_000),
  ORDER_SHIPPING_FLAT: amount(0),
  ORDER_FREE_SHIPPING_FROM: amount(null),
  ORDER_SAGA_DEADLINE_SECONDS: whole(300, 1),
  ORDER_SAGA_MAX_ATTEMPTS: whole(5, 1),
  ORDER_SAGA_UNDO_MAX_ATTEMPTS: whole(10, 1),
  ORDER_SAGA_STOCK_WAIT_SECONDS: whole(120, 0),
  ORDER_SAGA_RETRY_BASE_MS: whole(1000, 1),
  ORDER_SAGA_STEP_TIMEOUT_MS: whole(30_000, 1),
  ORDER_SAGA_START_GRACE_SECONDS: whole(120, 1),
  ORDER_SAGA_LOCATION_HINT: oneOf(['none', ...SAGA_LOCATION_HINTS]),

  CART_EXPIRY_DAYS: whole(30, 1),

  // Unset: the provider's own default (StripePaymentProvider, TestPaymentProvider).
  PAYMENT_PROVIDER_TIMEOUT_MS: whole(undefined, 1),
  PAYMENTS_TEST_TIMEOUT_MS: whole(undefined, 1),
});

/** The vars this module parses. */
export type ConfigVar = keyof z.input<typeof VARS>;
/** The Worker's `Env`, or any part of it (tests, Node tooling: no workerd types needed here). */
export type Vars = { readonly [name in ConfigVar]?: unknown };

export interface Config {
  logLevel: 'info' | 'debug' | 'warn' | 'error';
  /** Origins a browser may call from; `*` any (refused in production by the configuration check). */
  corsOrigins: string[];
  /** Tests only: the `x-round-trips` response header (never in production, whatever the var says). */
  roundTripsHeader: boolean;
  maxBodyBytes: number;
  storeTimeoutMs: number;
  auth: AuthConfig;
  edgeCache: {
    enabled: boolean;
    sMaxAge: number;
    staleWhileRevalidate: number;
    memoMs: number;
    /** `x-edge-cache-bypass: <token>` skips the cache; undefined: nobody can. */
    bypassToken: string | undefined;
  };
  orders: {
    taxRateBps: number;
    /** Shipping per order, minor units. */
    shippingFlatMinor: number;
    /** Shipping is free from this subtotal (minor units); null: never. */
    freeShippingFromMinor: number | null;
    sagaDeadlineMs: number;
    sagaMaxAttempts: number;
    sagaUndoMaxAttempts: number;
    sagaStockWaitMs: number;
    sagaRetryBaseMs: number;
    sagaStepTimeoutMs: number;
    sagaStartGraceSeconds: number;
    /** Where an order's saga object is created (Durable Object `locationHint`): near the stores; null: near its first caller. */
    sagaLocationHint: SagaLocationHint | null;
  };
  payments: { providerTimeoutMs: number | undefined; testTimeoutMs: number | undefined };
  /** Carts (src/services/carts): deleted by their alarm this long after their last edit. */
  carts: { expiryMs: number };
}

export interface ConfigProblem {
  /** The var to fix. */
  setting: string;
  /** What it must be; never its value. */
  problem: string;
}

/** A var the Worker cannot run with; the message names each var and never a value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  // A plain field, not a parameter property: operator scripts run this file under Node's type stripping.
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(`configuration: ${problems.map((p) => `${p.setting} ${p.problem}`).join('; ')}`);
    this.problems = problems;
  }
}

interface Parsed {
  /** The settings, with the default in place of each bad var. */
  config: Config;
  problems: ConfigProblem[];
}

function parse(env: Vars): Parsed {
  const result = VARS.safeParse(env);
  if (result.success) return { config: settingsOf(result.data), problems: [] };
  const problems = result.error.issues.map((i) => ({ setting: String(i.path[0]), problem: i.message }));
  const bad = new Set(problems.map((p) => p.setting));
  const rest = Object.fromEntries(Object.entries(env).filter(([name]) => !bad.has(name)));
  return { config: settingsOf(VARS.parse(rest)), problems };
}

function settingsOf(v: z.output<typeof VARS>): Config {
  return {
    logLevel: v.LOG_LEVEL,
    corsOrigins: v.CORS_ORIGINS,
    roundTripsHeader: v.TEST_ROUND_TRIPS_HEADER === 'true' && v.ENVIRONMENT !== 'production',
    maxBodyBytes: v.MAX_BODY_BYTES,
    storeTimeoutMs: v.STORE_TIMEOUT_MS,
    auth: {
      issuer: v.JWT_ISSUER,
      audience: v.JWT_AUDIENCE,
      accessTtlSeconds: v.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlDays: v.REFRESH_TOKEN_TTL_DAYS,
      maxFailedLogins: v.MAX_FAILED_LOGINS,
      totpIssuer: v.TOTP_ISSUER,
      platformTenantId: v.PLATFORM_TENANT_ID,
    },
    edgeCache: {
      enabled: v.EDGE_CACHE === 'on',
      sMaxAge: v.EDGE_CACHE_S_MAXAGE,
      staleWhileRevalidate: v.EDGE_CACHE_STALE_WHILE_REVALIDATE,
      memoMs: v.EDGE_CACHE_MEMO_MS,
      bypassToken: v.EDGE_CACHE_BYPASS_TOKEN || undefined,
    },
    orders: {
      taxRateBps: v.ORDER_TAX_RATE_BPS,
      shippingFlatMinor: v.ORDER_SHIPPING_FLAT,
      freeShippingFromMinor: v.ORDER_FREE_SHIPPING_FROM,
      sagaDeadlineMs: v.ORDER_SAGA_DEADLINE_SECONDS * 1000,
      sagaMaxAttempts: v.ORDER_SAGA_MAX_ATTEMPTS,
      sagaUndoMaxAttempts: v.ORDER_SAGA_UNDO_MAX_ATTEMPTS,
      sagaStockWaitMs: v.ORDER_SAGA_STOCK_WAIT_SECONDS * 1000,
      sagaRetryBaseMs: v.ORDER_SAGA_RETRY_BASE_MS,
      sagaStepTimeoutMs: v.ORDER_SAGA_STEP_TIMEOUT_MS,
      sagaStartGraceSeconds: v.ORDER_SAGA_START_GRACE_SECONDS,
      sagaLocationHint: v.ORDER_SAGA_LOCATION_HINT === 'none' ? null : v.ORDER_SAGA_LOCATION_HINT,
    },
    carts: { expiryMs: v.CART_EXPIRY_DAYS * 86_400_000 },
    payments: { providerTimeoutMs: v.PAYMENT_PROVIDER_TIMEOUT_MS, testTimeoutMs: v.PAYMENTS_TEST_TIMEOUT_MS },
  };
}

const parsed = new WeakMap<object, Parsed>();

function parsedOf(env: Vars | undefined): Parsed {
  if (typeof env !== 'object' || env === null) return parse({}); // app.request() without bindings
  let p = parsed.get(env);
  if (!p) {
    p = parse(env);
    parsed.set(env, p);
  }
  return p;
}

/** The settings of `env` (parsed once per set of bindings); throws ConfigError naming every bad var. */
export function configOf(env: Vars | undefined): Config {
  const p = parsedOf(env);
  if (p.problems.length) throw new ConfigError(p.problems);
  return p.config;
}

/**
 * The settings with the default in place of each bad var: only for what must answer while the
 * configuration is wrong (health, which says what is wrong, and the stores it checks).
 */
export function configWithDefaults(env: Vars | undefined): Config {
  return parsedOf(env).config;
}

/** What is wrong with `env`'s vars, by name (the configuration check reports these). */
export function configProblems(env: Vars | undefined): ConfigProblem[] {
  return parsedOf(env).problems;
}

export function authConfig(env: Vars): AuthConfig {
  return configOf(env).auth;
}

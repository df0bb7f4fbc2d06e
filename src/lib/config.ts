import type { Env } from '../env.ts';

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

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

export function authConfig(env: Env): AuthConfig {
  return {
    issuer: env.JWT_ISSUER || 'https://api.ecommerce-edge.dev',
    audience: env.JWT_AUDIENCE || 'ecommerce-edge',
    accessTtlSeconds: positive(env.ACCESS_TOKEN_TTL_SECONDS, 900),
    refreshTtlDays: positive(env.REFRESH_TOKEN_TTL_DAYS, 30),
    maxFailedLogins: positive(env.MAX_FAILED_LOGINS, 5),
    totpIssuer: env.TOTP_ISSUER || 'E-commerce Edge',
    platformTenantId: env.PLATFORM_TENANT_ID,
  };
}

import type { Context, MiddlewareHandler } from 'hono';
import { decodeJwt } from 'jose';

import { sha256Hex } from '../lib/bytes.ts';
import { problems } from '../lib/problem.ts';
import type { AppEnv } from '../lib/types.ts';
import { requestHostname } from './tenant.ts';

/**
 * Rate limits for the routes that check a secret (password, TOTP code, refresh
 * token) or create accounts, with the Workers rate limiting binding (`[[ratelimits]]`
 * in wrangler.toml; Miniflare simulates it locally). Two budgets per route, each
 * counting every attempt:
 *
 * - per client (`AUTH_CLIENT_LIMITER`): the client IP from `CF-Connecting-IP`
 *   (set by Cloudflare, not forgeable through it; an IPv6 client is its /64). Without
 *   the header (only local `wrangler dev`) every caller shares one `unknown` bucket;
 * - per account (`AUTH_ACCOUNT_LIMITER`): the login name, email, user id or token the
 *   attempt is about, within the tenant, so spreading guesses over many IPs does not help.
 *
 * Over either budget: 429 `too-many-requests` with `Retry-After` (the period of the
 * bindings). The limits and periods are configured on the bindings in wrangler.toml.
 */
const RATE_LIMIT_PERIOD_SECONDS = 60;

type AccountOf = (c: Context<AppEnv>) => Promise<string | undefined> | string | undefined;

/**
 * The rate-limit key of a client address: an IPv4 address as is (also when written
 * IPv4-mapped, `::ffff:192.0.2.1`), an IPv6 address as its /64 (one subscriber's usual
 * allocation, so rotating through it does not help).
 */
export function clientKey(ip: string | undefined): string {
  const raw = ip?.trim().toLowerCase();
  if (!raw) return 'unknown';
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(raw);
  if (v4) return v4[1]!;
  if (!raw.includes(':')) return raw;
  const [head = '', tail] = raw.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export function rateLimit(route: string, accountOf?: AccountOf): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const checks = [
      c.env.AUTH_CLIENT_LIMITER.limit({ key: `${route}:${clientKey(c.req.header('cf-connecting-ip'))}` }),
    ];
    const account = await accountOf?.(c);
    if (account) checks.push(c.env.AUTH_ACCOUNT_LIMITER.limit({ key: `${route}:${account}` }));
    const outcomes = await Promise.all(checks);
    if (outcomes.some((o) => !o.success)) throw problems.tooManyRequests(RATE_LIMIT_PERIOD_SECONDS);
    await next();
  };
}

/** A string field of the JSON body, before validation (which reports bad bodies itself). */
async function bodyField(c: Context<AppEnv>, field: string): Promise<string | undefined> {
  const body: unknown = await c.req.json().catch(() => undefined);
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The tenant an unauthenticated call names: X-Tenant-ID, else its host name, read as
 * the tenant resolution reads them (src/middleware/tenant.ts), so no spelling of one
 * tenant (letter case, a port) opens a fresh budget for the same account.
 */
const namedTenant = (c: Context<AppEnv>) =>
  c.req.header('x-tenant-id')?.trim().toLowerCase() || requestHostname(c) || 'unknown';

/** Account keys of the limited routes. */
export const accountOf: {
  bodyName: (field: string) => AccountOf;
  tokenSubject: (field: string) => AccountOf;
  refreshToken: AccountOf;
  principal: AccountOf;
} = {
  /** `{login}` or `{email}` of the body, within the named tenant. */
  bodyName:
    (field: string): AccountOf =>
    async (c) => {
      const name = await bodyField(c, field);
      return name && `${namedTenant(c)}:${name.trim().toLowerCase().slice(0, 255)}`;
    },
  /**
   * The user a signed token in the body is for (2FA challenge, invitation). Unverified
   * on purpose: a forged token only spends its own budget, then fails verification.
   */
  tokenSubject:
    (field: string): AccountOf =>
    async (c) => {
      const token = await bodyField(c, field);
      try {
        const sub = token ? decodeJwt(token).sub : undefined;
        return sub ? `user:${sub}` : undefined;
      } catch {
        return undefined;
      }
    },
  /** A refresh token, hashed (a secret never becomes a limiter key). */
  refreshToken: async (c) => {
    const token = await bodyField(c, 'refreshToken');
    return token && `token:${(await sha256Hex(token)).slice(0, 32)}`;
  },
  /** The signed-in user. */
  principal: (c) => {
    const principal = c.get('principal');
    return principal && `user:${principal.userId}`;
  },
};

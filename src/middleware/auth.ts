import type { Context, MiddlewareHandler } from 'hono';

import { authConfig } from '../lib/config.ts';
import { keyRing, verifyAccessToken } from '../lib/jwt.ts';
import { problems } from '../lib/problem.ts';
import type { AppEnv } from '../lib/types.ts';
import { authenticateApiKey, type Principal } from '../services/auth/index.ts';

/**
 * Establishes the principal from `Authorization: Bearer <jwt>` (no I/O: keys are
 * cached per isolate) or `X-API-Key` (one database statement, one round trip on the HTTP path). Sends 401 for
 * credentials that are present but invalid; anonymous requests pass through.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const authorization = c.req.header('authorization');
  const apiKey = c.req.header('x-api-key');
  if (authorization) {
    const [scheme, token] = authorization.split(' ', 2);
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw problems.unauthorized('Use the Bearer scheme.');
    const cfg = authConfig(c.env);
    const claims = await verifyAccessToken(await keyRing(c.env.JWT_SIGNING_KEYS), token, {
      issuer: cfg.issuer,
      audience: cfg.audience,
    });
    c.set('principal', {
      userId: claims.sub,
      tenantId: claims.tid,
      roles: claims.roles,
      permissions: claims.perms,
      method: 'token',
    });
  } else if (apiKey) {
    c.set('principal', await authenticateApiKey({ stores: c.get('stores') }, apiKey));
  }
  await next();
};

/** The authenticated principal, or 401. */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw problems.unauthorized();
  return principal;
}

/** 401 without credentials, 403 without every listed permission. Routes use it through `access.permission` (access.ts). */
export function requirePermission(...needed: string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { permissions } = principalOf(c);
    const missing = needed.filter((p) => !permissions.includes(p));
    if (missing.length > 0) throw problems.forbidden(`Missing permission: ${missing.join(', ')}.`);
    await next();
  };
}

/** 401 without credentials, 403 unless the principal has one of the roles. Routes use it through `access.userToken`. */
export function requireRole(...allowed: string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { roles } = principalOf(c);
    if (!roles.some((r) => allowed.includes(r))) throw problems.forbidden(`Requires role: ${allowed.join(' or ')}.`);
    await next();
  };
}

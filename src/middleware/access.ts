import type { MiddlewareHandler } from 'hono';

import { problems } from '../lib/problem.ts';
import type { AppEnv } from '../lib/types.ts';
import { isPlatformAdmin } from '../services/admin/index.ts';
import { principalOf, requirePermission, requireRole } from './auth.ts';
import { resolveTenant } from './tenant.ts';

/**
 * What a route needs from its caller, declared ONCE in the route definition:
 * `createRoute({ ...access.permission('write:profile'), method, path, ... })`.
 *
 * Each declaration is both the enforcement (the route's `middleware`) and its
 * documentation (the OpenAPI `security` entry plus the `x-api-key-scope`
 * extension), so the table "What an API key needs" of docs/api.md is generated from the
 * OpenAPI document (`npm run docs:scopes`) and can never drift from what runs.
 *
 * - `access.public()`: no credentials needed (a token or key may still change what
 *   the caller sees, e.g. staff filters). `x-api-key-scope: none`. With `tenant: true` the
 *   route acts in the caller's tenant, which an anonymous call may name by its Host (looked up
 *   once here, before the edge cache and the handler; middleware/tenant.ts).
 * - `access.permission(p)`: a user token or an API key holding permission `p` (a
 *   key's permissions are its scopes ∩ its owner's current permissions); 403 without.
 * - `access.userToken({ roles, platform })`: a user token only; every API key gets
 *   403 whatever its scopes (keys never carry roles, and account security — API
 *   keys, 2FA, administration — must not be reachable with a leaked key).
 *
 * - `access.userTokenInHandler(note)`: a user token, checked by the handler because
 *   the route also takes another credential the middleware cannot see (the live feed's
 *   single-use `?ticket=`); documented the same way, with the note.
 *
 * `also` appends route-specific middleware (e.g. rate limits) after the checks.
 */
const API_KEY_SCOPE = 'x-api-key-scope';
const USER_TOKEN_ONLY = 'user-token-only';
const NO_CREDENTIALS = 'none';

type Middleware = MiddlewareHandler<AppEnv>;

const bearerOrKey: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKey: [] }];
const bearerOnly: Array<Record<string, string[]>> = [{ bearerAuth: [] }];

/** 401 without credentials, 403 for an API key. */
const userTokenOnly: Middleware = async (c, next) => {
  if (principalOf(c).method !== 'token')
    throw problems.forbidden('This route needs a user token; API keys cannot call it.');
  await next();
};

/** 403 unless an ADMIN of the platform tenant (after `userTokenOnly` and the ADMIN role). */
const platformAdminOnly: Middleware = async (c, next) => {
  if (!isPlatformAdmin(c.env, principalOf(c))) throw problems.forbidden('Only a platform administrator may do this.');
  await next();
};

export const access = {
  public: (opts: { tenant?: boolean; also?: Middleware[] } = {}) => ({
    middleware: [...(opts.tenant ? [resolveTenant] : []), ...(opts.also ?? [])],
    [API_KEY_SCOPE]: NO_CREDENTIALS,
  }),

  permission: (permission: string, opts: { also?: Middleware[] } = {}) => ({
    security: bearerOrKey,
    middleware: [requirePermission(permission), ...(opts.also ?? [])],
    [API_KEY_SCOPE]: permission,
  }),

  /**
   * A user token or API key holding `permission`, or, without credentials, the bearer secret of
   * the resource itself (an anonymous cart's `X-Cart-Token`, checked by its service); 401 with neither.
   */
  permissionOrSecret: (permission: string, secret: { scheme: string; header: string; note: string }) => ({
    security: [...bearerOrKey, { [secret.scheme]: [] }],
    middleware: [
      resolveTenant,
      (async (c, next) => {
        if (c.get('principal')) return requirePermission(permission)(c, next);
        if (!c.req.header(secret.header))
          throw problems.unauthorized(`Sign in, or send the ${secret.header} header of the resource.`);
        await next();
      }) as Middleware,
    ],
    [API_KEY_SCOPE]: permission,
    'x-access-note': secret.note,
  }),

  /** Anyone (the tenant named as for public reads); with credentials, they must hold `permission`. */
  permissionOrAnonymous: (permission: string, note: string) => ({
    security: [...bearerOrKey, {}],
    middleware: [
      resolveTenant,
      (async (c, next) => (c.get('principal') ? requirePermission(permission)(c, next) : next())) as Middleware,
    ],
    [API_KEY_SCOPE]: permission,
    'x-access-note': note,
  }),

  userTokenInHandler: (note: string) => ({
    security: bearerOnly,
    middleware: [] as Middleware[],
    [API_KEY_SCOPE]: USER_TOKEN_ONLY,
    'x-access-note': note,
  }),

  userToken: (opts: { roles?: string[]; platform?: boolean; also?: Middleware[] } = {}) => ({
    security: bearerOnly,
    middleware: [
      userTokenOnly,
      ...(opts.roles ? [requireRole(...opts.roles)] : []),
      ...(opts.platform ? [platformAdminOnly] : []),
      ...(opts.also ?? []),
    ],
    [API_KEY_SCOPE]: USER_TOKEN_ONLY,
    ...(opts.roles ? { 'x-roles': opts.roles } : {}),
    ...(opts.platform ? { 'x-platform-admin': true } : {}),
  }),
};

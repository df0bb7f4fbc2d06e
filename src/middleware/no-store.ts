import type { MiddlewareHandler } from 'hono';

import type { AppEnv } from '../lib/types.ts';

/**
 * `Cache-Control: no-store` on every response of a router whose answers carry
 * tokens or secrets (access and refresh tokens, API keys, TOTP secrets, the signed-in
 * user), errors included: no browser, proxy or CDN keeps a copy. Set after the
 * handler, so no handler can forget it or override it.
 */
export const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.header('cache-control', 'no-store');
};

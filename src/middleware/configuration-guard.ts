import type { MiddlewareHandler } from 'hono';

import { Problem, problemResponse } from '../lib/problem.ts';
import type { AppEnv } from '../lib/types.ts';
import { configurationOf, knownDefaultPasswordAdmins } from '../services/health/index.ts';

/** Health stays open: it is where an operator reads what is wrong. */
const OPEN_PATHS = new Set(['/api/v1/health']);

/**
 * A staging or production Worker with an unsafe configuration serves nothing but health
 * (src/services/health/configuration.ts): better down and saying why than charging nobody
 * for orders, or signing tokens with a key from a README. A platform ADMIN on the development
 * password is found by health; from the first health check on, requests are refused too.
 */
export const refuseMisconfigured: MiddlewareHandler<AppEnv> = async (c, next) => {
  const report = configurationOf(c.env);
  if (OPEN_PATHS.has(c.req.path)) return next();
  // The admins' passwords are checked by health (a database query); what it last found counts here too.
  const refused =
    report.status === 'refused' ||
    (report.environment !== 'development' && knownDefaultPasswordAdmins(c.env.PLATFORM_TENANT_ID).length > 0);
  if (!refused) return next();
  const problem = new Problem(
    503,
    'misconfigured',
    'Service misconfigured',
    `This ${report.environment} deployment refuses requests until its configuration is fixed: see GET /api/v1/health.`,
    { headers: { 'retry-after': '60', 'cache-control': 'no-store' } },
  );
  return problemResponse(problem, c.get('requestId'));
};

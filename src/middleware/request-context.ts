import type { MiddlewareHandler } from 'hono';

import { createStores, roundTripsOf, type StoreUsage } from '../db/stores.ts';
import { configWithDefaults } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import type { AppEnv } from '../lib/types.ts';

/** Test-only response header with the request's round trips (see `roundTripsHeader`). */
export const ROUND_TRIPS_HEADER = 'x-round-trips';

/**
 * `x-round-trips: 5; pg-connect=1; pg=2; pg-http=0; data-api=1; provider=0; overlapped=0; tenant-lookups=0`: the round trips to
 * the stores on the request's critical path (connection setups weighted by their own round trips; calls
 * sent while others were in flight, `overlapped`, taken off), first the total, then the Host lookups
 * of the tenant (middleware/tenant.ts; at most one). Sent only where the test var TEST_ROUND_TRIPS_HEADER is `true`, and never when ENVIRONMENT
 * is production: it tells a caller how much work a request caused.
 */
function roundTripsHeader(u: StoreUsage, tenantLookups: number): string {
  return `${roundTripsOf(u)}; pg-connect=${u.pgConnects ?? 0}; pg=${u.pgQueries}; pg-http=${u.pgHttp ?? 0}; data-api=${u.dataApiCalls}; provider=${u.providerCalls ?? 0}; overlapped=${u.overlapped ?? 0}; tenant-lookups=${tenantLookups}`;
}

/**
 * Per-request logger and store connections, and one access log line per request
 * (with its round trips: PostgreSQL connections and statements, Data API and provider calls).
 * Connections are closed after the response is produced (waitUntil), off the
 * response's critical path.
 */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  const config = configWithDefaults(c.env); // a bad var is answered by refuseMisconfigured, after this
  const logger = createLogger(config.logLevel, { requestId: c.get('requestId') });
  const stores = createStores(c.env);
  c.set('logger', logger);
  c.set('stores', stores);
  try {
    await next();
  } finally {
    const usage = stores.usage();
    if (config.roundTripsHeader) {
      // A WebSocket upgrade's (101) headers are immutable.
      try {
        c.res.headers.set(ROUND_TRIPS_HEADER, roundTripsHeader(usage, c.get('tenantLookups') ?? 0));
      } catch {
        // immutable headers: nothing to add
      }
    }
    const closing = stores.close();
    try {
      c.executionCtx.waitUntil(closing);
    } catch {
      await closing; // no execution context (app.request in a unit test)
    }
    logger.info('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Date.now() - started,
      roundTrips: roundTripsOf(usage),
      ...usage,
    });
  }
};

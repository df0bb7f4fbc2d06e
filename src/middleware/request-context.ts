import type { MiddlewareHandler } from 'hono';

import { createStores } from '../db/stores.ts';
import { createLogger } from '../lib/logger.ts';
import type { AppEnv } from '../lib/types.ts';

/**
 * Per-request logger and store connections, and one access log line per request
 * (with the PostgreSQL statements and Data API calls the request made).
 * Connections are closed after the response is produced (waitUntil), off the
 * response's critical path.
 */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  const logger = createLogger(c.env.LOG_LEVEL, { requestId: c.get('requestId') });
  const stores = createStores(c.env);
  c.set('logger', logger);
  c.set('stores', stores);
  try {
    await next();
  } finally {
    const usage = stores.usage();
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
      ...usage,
    });
  }
};

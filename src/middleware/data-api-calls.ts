import type { MiddlewareHandler } from 'hono';

import type { AppEnv } from '../lib/types.ts';

/**
 * Sets `x-data-api-calls` (Data API calls made by this request) on responses of
 * requests that used MongoDB. The client is per request, so its counter is the request's.
 */
export const dataApiCallsHeader: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  let calls: number;
  try {
    calls = c.get('stores')?.mongo().stats.calls ?? 0;
  } catch {
    return; // Mongo not configured: nothing was called
  }
  if (calls > 0) c.header('x-data-api-calls', String(calls));
};

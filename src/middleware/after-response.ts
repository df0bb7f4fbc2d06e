import type { Context } from 'hono';

import { createStores } from '../db/stores.ts';
import { errorFields } from '../lib/logger.ts';
import type { AppEnv } from '../lib/types.ts';
import { systemContext, type ServiceContext } from '../services/context.ts';

/**
 * Work the answer does not wait for (a sign-in's device record): it runs after the response
 * (the execution context's `waitUntil`) in a system context of its own stores, so its round trips
 * are not on the request's critical path and are not counted as if they were (`x-round-trips`,
 * the access log). Without an execution context (a unit test's `app.request`) it is awaited.
 */
export async function afterResponse(
  c: Context<AppEnv>,
  tenantId: string,
  work: (ctx: ServiceContext) => Promise<unknown>,
): Promise<void> {
  const logger = c.get('logger');
  const stores = createStores(c.env);
  const run = work(systemContext(c.env, stores, logger, tenantId))
    .catch((err: unknown) => logger.error('work after the response failed', errorFields(err)))
    .finally(() => stores.close());
  try {
    c.executionCtx.waitUntil(run);
  } catch {
    await run;
  }
}

import { drizzle } from 'drizzle-orm/neon-serverless';

import { isUuid } from '../../lib/ids.ts';
import { openTransaction, type Database, type Transaction } from './client.ts';
import * as schema from './schema/index.ts';

/**
 * The group role without BYPASSRLS (drizzle/0001_roles.sql). Tenant work always runs
 * as it, even when the connection's login is more privileged (a misconfigured
 * DATABASE_URL might be the owner or a superuser): row-level security then still applies.
 */
const APP_ROLE = 'ecommerce_app';

/**
 * Runs a unit of work in one transaction with `app.current_tenant` set for RLS.
 *
 * `BEGIN`, `SET LOCAL ROLE` and `set_config(..., true)` travel in ONE simple-protocol message, saving
 * a round trip per transaction (each one crosses the network from the edge to the
 * database). That needs the value inline: it is only ever a UUID checked by the
 * regex above; anything else sets an empty tenant, which sees no rows at all.
 * `is_local = true` scopes the setting to this transaction, so a pooled connection
 * never carries one tenant's setting into another's work.
 *
 * The work runs on this one connection: while it runs, asking any pool for another connection
 * is refused (development, tests) or logged (production); see `openTransaction` in client.ts.
 */
export async function inTenantTx<T>(db: Database, tenantId: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const tenant = isUuid(tenantId) ? tenantId.toLowerCase() : '';
  const client = await db.$client.connect();
  const scope = { open: true };
  let failed = false;
  try {
    await client.query(`begin; set local role ${APP_ROLE}; select set_config('app.current_tenant', '${tenant}', true)`);
    // Awaited inside the scope: work may return a lazy query builder that runs only when awaited.
    const result = await openTransaction.run(scope, async () => await work(drizzle({ client, schema })));
    scope.open = false;
    await client.query('commit');
    return result;
  } catch (err) {
    failed = true;
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    // Work the transaction started and did not await (it should not) no longer counts as inside it.
    scope.open = false;
    // A connection whose rollback may have failed is not reused.
    client.release(failed ? true : undefined);
  }
}

import { drizzle } from 'drizzle-orm/neon-serverless';
import type { Database, Transaction } from './client.ts';
import * as schema from './schema/index.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs a unit of work in one transaction with `app.current_tenant` set for RLS.
 *
 * `BEGIN` and `set_config(..., true)` travel in ONE simple-protocol message, saving
 * a round trip per transaction (each one crosses the network from the edge to the
 * database). That needs the value inline: it is only ever a UUID checked by the
 * regex above; anything else sets an empty tenant, which sees no rows at all.
 * `is_local = true` scopes the setting to this transaction, so a pooled connection
 * never carries one tenant's setting into another's work.
 */
export async function inTenantTx<T>(db: Database, tenantId: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const tenant = UUID.test(tenantId) ? tenantId.toLowerCase() : '';
  const client = await db.$client.connect();
  let failed = false;
  try {
    await client.query(`begin; select set_config('app.current_tenant', '${tenant}', true)`);
    const result = await work(drizzle({ client, schema }));
    await client.query('commit');
    return result;
  } catch (err) {
    failed = true;
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    // A connection whose rollback may have failed is not reused.
    client.release(failed ? true : undefined);
  }
}

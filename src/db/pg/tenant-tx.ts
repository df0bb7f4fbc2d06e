import { sql } from 'drizzle-orm';
import type { Database, Transaction } from './client.ts';

/**
 * Runs a unit of work in one transaction with `app.current_tenant` set for RLS.
 * `set_config(..., true)` is transaction-local, so a pooled connection never leaks
 * one tenant's setting into another's request.
 */
export function inTenantTx<T>(db: Database, tenantId: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('app.current_tenant', ${tenantId}, true)`);
    return work(tx);
  });
}

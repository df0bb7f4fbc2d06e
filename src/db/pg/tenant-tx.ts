import type { BatchResponse } from 'drizzle-orm/batch';
import { drizzle } from 'drizzle-orm/neon-serverless';

import { isUuid } from '../../lib/ids.ts';
import { openTransaction, type Database, type PgHandle, type Transaction } from './client.ts';
import type { HttpDatabase } from './http.ts';
import * as schema from './schema/index.ts';

/**
 * The group role without BYPASSRLS (drizzle/0001_roles.sql). Tenant work always runs
 * as it, even when the connection's login is more privileged (a misconfigured
 * DATABASE_URL might be the owner or a superuser): row-level security then still applies.
 */
export const APP_ROLE = 'ecommerce_app';

/** The value of `app.current_tenant`: a UUID in lower case, or empty (which sees no rows) for anything else. */
export function tenantSetting(tenantId: string): string {
  return isUuid(tenantId) ? tenantId.toLowerCase() : '';
}

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
  const tenant = tenantSetting(tenantId);
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

/**
 * Runs a READ-ONLY unit of work for a tenant: over Neon's HTTP path where one answers (one
 * round trip per statement, see http.ts), else in `inTenantTx`. `work` must not write: on the
 * HTTP path each statement is its own read-only transaction, and a write fails there.
 */
export async function inTenantRead<T>(
  pg: PgHandle,
  tenantId: string,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const reader = pg.http(tenantId, { readOnly: true });
  if (!reader) return inTenantTx(pg.db, tenantId, work);
  // The HTTP database builds and runs the same statements as a WebSocket transaction; only
  // `transaction()` (nested units of work) differs, and a read has no use for it.
  return await work(reader as unknown as Transaction);
}

/** What `inTenantBatch` runs: statements built but not awaited (drizzle query builders). */
export type BatchStatements = Parameters<HttpDatabase['batch']>[0];

/**
 * Runs a NON-INTERACTIVE unit of work for a tenant, statements that do not depend on each
 * other's answers, in ONE transaction: over Neon's HTTP path where one answers (`SET LOCAL
 * ROLE`, the tenant setting and every statement in one request, one round trip), else in
 * `inTenantTx`, one statement after the other. Returns each statement's result, in order.
 */
export async function inTenantBatch<const S extends BatchStatements>(
  pg: PgHandle,
  tenantId: string,
  statements: (db: HttpDatabase) => S,
  opts: { readOnly?: boolean } = {},
): Promise<BatchResponse<S>> {
  const db = pg.http(tenantId, { readOnly: opts.readOnly ?? false });
  if (db) return (await db.batch(statements(db))) as BatchResponse<S>;
  return inTenantTx(pg.db, tenantId, async (tx) => {
    const results: unknown[] = [];
    // The builders are the same on both drivers; on the WebSocket they run on this transaction
    // (each is a drizzle QueryPromise: awaiting it runs it).
    for (const statement of statements(tx as unknown as HttpDatabase))
      results.push(await (statement as unknown as PromiseLike<unknown>));
    return results as BatchResponse<S>;
  });
}

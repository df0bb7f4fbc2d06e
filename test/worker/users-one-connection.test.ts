/**
 * One unit of work, one connection. A request that asks for a second PostgreSQL connection while
 * its transaction holds the first waits forever on a server that serves one connection at a time
 * (PGlite under `npm run dev`: PATCH /users/me/profile answered 503 after 15 s), and can exhaust a
 * pool anywhere. Outside production such a request is refused at once (NestedConnectionError),
 * so every test of the suite fails on it; here the guard itself and the profile rename.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { NestedConnectionError, openPg, type Transaction } from '../../src/db/pg/client.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { call } from './helpers.ts';
import { as, bearer, createTenant, registerUser } from './identity-helpers.ts';

const nested = (err: unknown) =>
  err instanceof NestedConnectionError || (err as { cause?: unknown }).cause instanceof NestedConnectionError;

describe('one PostgreSQL connection per unit of work', () => {
  it('a second connection while a transaction is open is refused (tests, dev) or counted and logged (production)', async () => {
    const tenantId = await createTenant();
    const strict = openPg(env.DATABASE_URL, env.PG_WS_PROXY, { nested: 'throw' });
    try {
      const one = (tx: Transaction) => tx.execute(sql`select 1`);
      // Nested transaction, and a pooled query beside the transaction: both refused.
      await expect(inTenantTx(strict.db, tenantId, () => inTenantTx(strict.db, tenantId, one))).rejects.toSatisfy(
        nested,
      );
      // (drizzle wraps it: "Failed query", caused by it)
      await expect(inTenantTx(strict.db, tenantId, () => strict.db.execute(sql`select 1`))).rejects.toSatisfy(nested);
      expect(strict.nestedConnections).toBe(2);
      // Sequential and parallel units of work are fine; so is work on the transaction itself.
      await inTenantTx(strict.db, tenantId, one);
      await Promise.all([inTenantTx(strict.db, tenantId, one), inTenantTx(strict.db, tenantId, one)]);
      await inTenantTx(strict.db, tenantId, async (tx) => Promise.all([one(tx), one(tx)]));
      await strict.db.execute(sql`select 1`);
      expect(strict.nestedConnections).toBe(2);
    } finally {
      await strict.close();
    }
    const lenient = openPg(env.DATABASE_URL, env.PG_WS_PROXY, { nested: 'log' });
    try {
      const rows = await inTenantTx(lenient.db, tenantId, () => lenient.db.execute(sql`select 1 as n`));
      expect(rows.rows).toEqual([{ n: 1 }]);
      expect(lenient.nestedConnections).toBe(1);
    } finally {
      await lenient.close();
    }
  });

  it('PATCH /users/me/profile renaming the user: one connection, answered at once, names copied to the auth user', async () => {
    const user = await registerUser(await createTenant());
    const started = Date.now();
    const res = await as(user, 'PATCH', '/api/v1/users/me/profile', { firstName: 'Ada', lastName: 'Lovelace' });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await res.json()).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
    const me = await call('/api/v1/auth/me', { headers: bearer(user) });
    expect(await me.json()).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
    // Only one name, then clearing it.
    expect((await as(user, 'PATCH', '/api/v1/users/me/profile', { lastName: null })).status).toBe(200);
    expect(await (await call('/api/v1/auth/me', { headers: bearer(user) })).json()).toMatchObject({
      firstName: 'Ada',
      lastName: null,
    });
  });
});

/**
 * Every date built from input is range-checked before anything uses it: a correctly signed
 * webhook whose `created` is beyond any date (1e15 s) answered 500 "Invalid time value"; a list
 * cursor carrying `2024-13-45 25:61:61` reached PostgreSQL and answered 500. Both are 400s
 * naming the field, and nothing is written.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { encodeCursor } from '../../src/lib/pagination.ts';
import { signTestWebhook, TEST_SIGNATURE_HEADER } from '../../src/services/payments/providers/index.ts';
import { call, problemOf } from './helpers.ts';
import { as, createTenant, registerUser, tenantAdmin } from './identity-helpers.ts';
import { testStores } from './stores.ts';

async function deliver(body: string) {
  return call('/api/v1/payments/webhooks/test', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [TEST_SIGNATURE_HEADER]: await signTestWebhook(env.PAYMENTS_TEST_WEBHOOK_SECRET!, body),
    },
    body,
  });
}

async function storedEvents(tenantId: string, eventId: string): Promise<number> {
  const stores = testStores();
  try {
    return await inTenantTx(stores.pg('payments').db, tenantId, async (tx) => {
      const { rows } = await tx.execute<{ n: number }>(
        sql`select count(*)::int as n from payments.webhook_events where event_id = ${eventId}`,
      );
      return Number(rows[0]?.n ?? 0);
    });
  } finally {
    await stores.close();
  }
}

describe('dates from input', () => {
  it('a signed webhook whose `created` is no date: 400 naming body.created, nothing stored', async () => {
    const tenantId = await createTenant();
    const event = (created: unknown) => {
      const id = `evt_${crypto.randomUUID()}`;
      const body = JSON.stringify({
        id,
        type: 'payment_intent.succeeded',
        created,
        data: {
          object: { object: 'payment_intent', id: `pi_${id}`, metadata: { tenantId, orderId: crypto.randomUUID() } },
        },
      });
      return { id, body };
    };
    for (const created of [1e15, 8.64e12 + 1, 253_402_300_800, -1, 1.5, '1700000000']) {
      const { id, body } = event(created);
      const res = await deliver(body);
      expect(res.status, String(created)).toBe(400);
      expect((await problemOf(res)).errors?.[0]?.field, String(created)).toBe('body.created');
      expect(await storedEvents(tenantId, id)).toBe(0);
    }
    // The last second of year 9999 is still a date; an ordinary event is received.
    for (const created of [253_402_300_799, Math.floor(Date.now() / 1000)]) {
      const { id, body } = event(created);
      const res = await deliver(body);
      expect(res.status, String(created)).toBe(200);
      expect(await storedEvents(tenantId, id)).toBe(1);
    }
  });

  it('a list cursor whose time is no calendar time: 400 on query.cursor, never a database error', async () => {
    const admin = await tenantAdmin();
    const user = await registerUser(admin.tenantId);
    const id = crypto.randomUUID();
    for (const at of ['2024-13-45 25:61:61', '2023-02-29 00:00:00', '0000-01-01 00:00:00', '2024-01-01 24:00:00']) {
      const cursor = encodeURIComponent(encodeCursor([at, id]));
      for (const [who, path] of [
        [admin, `/api/v1/admin/users?cursor=${cursor}`],
        [user, `/api/v1/orders?cursor=${cursor}`],
      ] as const) {
        const res = await as(who, 'GET', path);
        expect(res.status, `${path} ${at}`).toBe(400);
        expect((await problemOf(res)).errors?.[0]?.field).toBe('query.cursor');
      }
    }
    const fine = encodeURIComponent(encodeCursor(['2024-02-29 23:59:59.123456', id]));
    expect((await as(admin, 'GET', `/api/v1/admin/users?cursor=${fine}`)).status).toBe(200);
  });
});

import { ObjectId } from 'bson';
import type { InferRequestType } from 'hono/client';
import { afterAll, describe, expect, it } from 'vitest';

import {
  api,
  apiAs,
  callAs as as,
  call,
  createTenant,
  jsonOf,
  problemOf,
  registerUser,
  type TestUser,
} from '../fixtures/index.ts';
import { consume, message, stored } from './notifications-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

type ListQuery = InferRequestType<typeof api.notifications.$get>['query'];

async function notifyMany(user: TestUser, n: number, overrides: Parameters<typeof message>[1] = {}): Promise<string[]> {
  const bodies = Array.from({ length: n }, () => message(user, { channels: ['IN_APP'], ...overrides }));
  const result = await consume(bodies.map((body) => ({ body })));
  expect(result.explicitAcks).toHaveLength(n);
  const ids: string[] = [];
  for (const b of bodies) ids.push((await stored(b.tenantId, b.eventId))!._id.toHexString());
  return ids;
}

const list = async (user: TestUser, query: ListQuery = {}) =>
  jsonOf(await apiAs(user).notifications.$get({ query }), 200);
const unread = async (user: TestUser) =>
  (await jsonOf(await apiAs(user).notifications['unread-count'].$get(), 200)).unread;
const markRead = (user: TestUser, id: string) => apiAs(user).notifications[':id'].read.$post({ param: { id } });

describe('reading notifications', () => {
  it('lists own notifications newest first with a keyset cursor that survives new arrivals', async () => {
    const user = await registerUser(await createTenant());
    const ids = await notifyMany(user, 5);
    const first = await list(user, { limit: '2' });
    expect(first.data).toHaveLength(2);
    await notifyMany(user, 1); // arrives between pages: must not shift the next page
    const pages = [first];
    while (pages.at(-1)!.nextCursor) pages.push(await list(user, { limit: '2', cursor: pages.at(-1)!.nextCursor! }));
    const seen = pages.flatMap((p) => p.data.map((n) => n.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    const times = seen.map((id) => pages.flatMap((p) => p.data).find((n) => n.id === id)!.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('filters by unread and type; counts unread; marks one and all read', async () => {
    const user = await registerUser(await createTenant());
    const [a] = await notifyMany(user, 2);
    await notifyMany(user, 1, { type: 'ORDER_DELIVERED' });
    expect(await unread(user)).toBe(3);
    expect((await list(user, { type: 'ORDER_DELIVERED' })).data.map((n) => n.type)).toEqual(['ORDER_DELIVERED']);

    const readBody = await jsonOf(await markRead(user, a!), 200);
    expect(readBody.read).toBe(true);
    // idempotent: the first readAt stays
    expect((await jsonOf(await markRead(user, a!), 200)).readAt).toBe(readBody.readAt);
    expect(await unread(user)).toBe(2);
    expect((await list(user, { unread: 'true' })).data.map((n) => n.id)).not.toContain(a);
    expect((await list(user, { unread: 'false' })).data.map((n) => n.id)).toEqual([a]);

    expect(await (await as(user, 'POST', '/api/v1/notifications/read-all')).json()).toEqual({ marked: 2 });
    expect(await unread(user)).toBe(0);
  });

  it('deletes one; bad ids, cursors and filters are 400 problems naming the field', async () => {
    const user = await registerUser(await createTenant());
    const [id] = await notifyMany(user, 1);
    expect((await as(user, 'DELETE', `/api/v1/notifications/${id}`)).status).toBe(204);
    expect((await as(user, 'DELETE', `/api/v1/notifications/${id}`)).status).toBe(404);
    const cases: [string, string, string][] = [
      ['POST', '/api/v1/notifications/not-an-id/read', 'param.id'],
      ['GET', '/api/v1/notifications?cursor=garbage', 'query.cursor'],
      ['GET', '/api/v1/notifications?limit=1000', 'query.limit'],
      ['GET', '/api/v1/notifications?unread=yes', 'query.unread'],
      ['GET', '/api/v1/notifications?type=bad type', 'query.type'],
    ];
    for (const [method, path, field] of cases) {
      const res = await as(user, method, path);
      expect(res.status, path).toBe(400);
      expect((await problemOf(res)).errors?.map((e) => e.field)).toContain(field);
    }
    expect((await call('/api/v1/notifications')).status).toBe(401);
  });

  it('expired notifications are never shown, counted, read or deleted', async () => {
    const user = await registerUser(await createTenant());
    const [id] = await notifyMany(user, 1);
    await mongo
      .collection('notifications')
      .updateOne({ _id: new ObjectId(id) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await list(user)).data).toEqual([]);
    expect(await unread(user)).toBe(0);
    expect((await as(user, 'POST', `/api/v1/notifications/${id}/read`)).status).toBe(404);
    expect((await as(user, 'DELETE', `/api/v1/notifications/${id}`)).status).toBe(404);
    expect(await (await as(user, 'POST', '/api/v1/notifications/read-all')).json()).toEqual({ marked: 0 });
  });
});

describe('BOLA: another user or tenant sees nothing (404), changes nothing', () => {
  it('every notification route', async () => {
    const tenantId = await createTenant();
    const [owner, neighbour, stranger] = await Promise.all([
      registerUser(tenantId),
      registerUser(tenantId),
      registerUser(await createTenant()),
    ]);
    const [id] = await notifyMany(owner, 1);
    for (const other of [neighbour, stranger]) {
      expect((await list(other)).data).toEqual([]);
      expect(await unread(other)).toBe(0);
      const read = await as(other, 'POST', `/api/v1/notifications/${id}/read`);
      expect(read.status).toBe(404);
      expect((await problemOf(read)).type).toMatch(/not-found$/);
      expect((await as(other, 'DELETE', `/api/v1/notifications/${id}`)).status).toBe(404);
      expect(await (await as(other, 'POST', '/api/v1/notifications/read-all')).json()).toEqual({ marked: 0 });
    }
    // The owner's notification is untouched by all of that.
    expect((await list(owner)).data).toEqual([expect.objectContaining({ id, read: false })]);
    expect(await unread(owner)).toBe(1);
  });
});

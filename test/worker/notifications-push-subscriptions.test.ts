import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import worker from '../../src/index.ts';
import {
  apiAs,
  callAs as as,
  createTenant,
  jsonOf,
  problemOf,
  registerUser,
  type TestUser,
} from '../fixtures/index.ts';
import { PUSH_SERVICE_URL, subscribePush } from './notifications-helpers.ts';

const SUBS = '/api/v1/users/me/push-subscriptions';
const keys = { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) };
const subscriptions = (user: TestUser) => apiAs(user).users.me['push-subscriptions'];
const listed = async (user: TestUser) => jsonOf(await subscriptions(user).$get(), 200);

describe('push subscriptions (/users/me/push-subscriptions)', () => {
  it('register (again = update), list with the VAPID key, delete', async () => {
    const user = await registerUser(await createTenant());
    const empty = await listed(user);
    expect(empty).toEqual({ data: [], vapidPublicKey: env.VAPID_PUBLIC_KEY });
    const { id, endpoint } = await subscribePush(user);
    const again = await subscriptions(user).$post({ json: { endpoint, keys } });
    expect((await jsonOf(again, 200)).id).toBe(id);
    const list = await listed(user);
    expect(list.data).toEqual([expect.objectContaining({ id, endpoint })]);
    expect((await as(user, 'DELETE', `${SUBS}/${id}`)).status).toBe(204);
    expect((await as(user, 'DELETE', `${SUBS}/${id}`)).status).toBe(404);
  });

  it('BOLA: another user or tenant cannot see or delete a subscription (404)', async () => {
    const tenantId = await createTenant();
    const [owner, neighbour, stranger] = await Promise.all([
      registerUser(tenantId),
      registerUser(tenantId),
      registerUser(await createTenant()),
    ]);
    const { id } = await subscribePush(owner);
    for (const other of [neighbour, stranger]) {
      expect((await listed(other)).data).toEqual([]);
      expect((await as(other, 'DELETE', `${SUBS}/${id}`)).status).toBe(404);
    }
    expect((await listed(owner)).data).toHaveLength(1);
  });

  it('bad input is a 400 naming the field; http endpoints only where the deployment allows them', async () => {
    const user = await registerUser(await createTenant());
    const cases: [unknown, string][] = [
      [{ endpoint: 'not a url', keys }, 'body.endpoint'],
      [{ endpoint: 'ftp://push.example/x', keys }, 'body.endpoint'],
      [{ endpoint: 'https://push.example/x', keys: { ...keys, p256dh: 'short' } }, 'body.keys.p256dh'],
      [{ endpoint: 'https://push.example/x', keys: { ...keys, auth: 'A'.repeat(30) } }, 'body.keys.auth'],
      [{ endpoint: 'https://push.example/x' }, 'body.keys'],
    ];
    for (const [body, field] of cases) {
      const res = await as(user, 'POST', SUBS, body);
      expect(res.status, field).toBe(400);
      expect(
        (await problemOf(res)).errors?.map((e) => e.field),
        field,
      ).toContain(field);
    }
    expect((await as(user, 'DELETE', `${SUBS}/nope`)).status).toBe(400);
    // The test deployment sets PUSH_ALLOW_HTTP (local push service); production refuses http.
    const res = await worker.fetch(
      new Request(`http://localhost${SUBS}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ endpoint: `${PUSH_SERVICE_URL}/push/x`, keys }),
      }),
      { ...env, PUSH_ALLOW_HTTP: undefined } as Cloudflare.Env,
      createExecutionContext(),
    );
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]).toMatchObject({
      field: 'body.endpoint',
      message: 'must be an https URL',
    });
  });
});

import { sql } from 'drizzle-orm';
import type { InferRequestType } from 'hono/client';
import { describe, expect, it } from 'vitest';

import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { MAX_ADDRESSES_PER_USER } from '../../src/services/users/index.ts';
import type { AddressView } from '../../src/services/users/views.ts';
import {
  api,
  apiAs,
  callAs as as,
  call,
  createTenant,
  fieldsOf as fieldsNamed,
  jsonOf,
  problemOf,
  registerUser,
  type TestUser,
} from '../fixtures/index.ts';
import { testStores } from './stores.ts';

/*
 * Raw requests (`call`, `as`) remain for what the typed client cannot send (bodies of the wrong
 * types, unknown fields) and for status-only checks walked over tables; every body read goes
 * through the typed client.
 */
const ADDRESSES = '/api/v1/users/me/addresses';
type AddressInput = InferRequestType<typeof api.users.me.addresses.$post>['json'];
const addresses = (user: TestUser) => apiAs(user).users.me.addresses;
const oneAddress = (user: TestUser) => apiAs(user).users.me.addresses[':id'];

/** A valid address (SHIPPING, Cupertino) with `overrides`; the raw tables below send invalid ones. */
const address = (overrides: Record<string, unknown> = {}) => ({
  type: 'SHIPPING',
  street: '1 Infinite Loop',
  city: 'Cupertino',
  state: 'CA',
  zipCode: '95014',
  country: 'US',
  ...overrides,
});

async function newUser(): Promise<TestUser> {
  return registerUser(await createTenant());
}

const validAddress = (overrides: Partial<AddressInput> = {}): AddressInput => ({
  type: 'SHIPPING',
  street: '1 Infinite Loop',
  city: 'Cupertino',
  state: 'CA',
  zipCode: '95014',
  country: 'US',
  ...overrides,
});

async function create(user: TestUser, overrides: Partial<AddressInput> = {}): Promise<AddressView> {
  return jsonOf(await addresses(user).$post({ json: validAddress(overrides) }), 201);
}

/** The route's answer as the service builds it (its drizzle-zod response schema reaches the typed client as `any`). */
async function list(user: TestUser): Promise<AddressView[]> {
  return (await jsonOf(await addresses(user).$get(), 200)).data;
}

async function fieldsOf(res: Response): Promise<string[]> {
  expect(res.status).toBe(400);
  return fieldsNamed(res);
}

/** Per type: how many addresses and how many defaults the database holds for the user. */
async function countsInDb(user: TestUser): Promise<Record<string, { total: number; defaults: number }>> {
  const stores = testStores();
  try {
    return await inTenantTx(stores.pg('users').db, user.tenantId, async (tx) => {
      const { rows } = await tx.execute<{ type: string; total: number; defaults: number }>(sql`
        select a.type, count(*)::int as total, (count(*) filter (where a.is_default))::int as defaults
        from users.addresses a join users.user_profiles p on p.id = a.user_profile_id
        where p.user_id = ${user.id} group by a.type`);
      return Object.fromEntries(rows.map((r) => [r.type, { total: r.total, defaults: r.defaults }]));
    });
  } finally {
    await stores.close();
  }
}

describe('users/me/addresses: refused', () => {
  it('without credentials: 401 on every route', async () => {
    const id = crypto.randomUUID();
    const routes: Array<[string, string]> = [
      ['GET', ADDRESSES],
      ['POST', ADDRESSES],
      ['GET', `${ADDRESSES}/${id}`],
      ['PATCH', `${ADDRESSES}/${id}`],
      ['DELETE', `${ADDRESSES}/${id}`],
      ['POST', `${ADDRESSES}/${id}/default`],
    ];
    for (const [method, path] of routes) {
      const withBody = method === 'POST' || method === 'PATCH';
      const res = await call(path, {
        method,
        headers: withBody ? { 'content-type': 'application/json' } : {},
        body: withBody ? JSON.stringify({ type: 'NOPE' }) : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('POST with wrong types, missing and unknown fields: 400 naming each field', async () => {
    const user = await newUser();
    const res = await as(user, 'POST', ADDRESSES, { type: 'HOME', street: 5, zipCode: '', isDefault: 'yes', floor: 3 });
    const fields = await fieldsOf(res);
    expect(fields).toEqual(
      expect.arrayContaining([
        'body.type',
        'body.street',
        'body.city',
        'body.state',
        'body.zipCode',
        'body.country',
        'body.isDefault',
        'body',
      ]),
    );
    expect(await list(user)).toEqual([]);
  });

  it('bad country, zip code and lengths: 400 naming the field', async () => {
    const user = await newUser();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ country: 'USA' }, 'body.country'],
      [{ country: 'United States' }, 'body.country'],
      [{ country: 'ZZ' }, 'body.country'],
      [{ country: 'QQ' }, 'body.country'],
      [{ zipCode: '9501$' }, 'body.zipCode'],
      [{ zipCode: '1'.repeat(21) }, 'body.zipCode'],
      [{ street: 's'.repeat(256) }, 'body.street'],
      [{ city: '   ' }, 'body.city'],
      [{ apartment: 'a'.repeat(101) }, 'body.apartment'],
    ];
    for (const [body, field] of cases) {
      expect(await fieldsOf(await as(user, 'POST', ADDRESSES, address(body))), JSON.stringify(body)).toEqual([field]);
    }
    expect(await list(user)).toEqual([]);
  });

  it('PATCH cannot set isDefault or send unknown or empty changes: 400', async () => {
    const user = await newUser();
    const a = await create(user);
    expect(await fieldsOf(await as(user, 'PATCH', `${ADDRESSES}/${a.id}`, { isDefault: false }))).toEqual(['body']);
    expect(await fieldsOf(await as(user, 'PATCH', `${ADDRESSES}/${a.id}`, {}))).toEqual(['body']);
    expect(await fieldsOf(await as(user, 'PATCH', `${ADDRESSES}/${a.id}`, { type: 'HOME' }))).toEqual(['body.type']);
  });

  it('a malformed id: 400 naming param.id on every route', async () => {
    const user = await newUser();
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { city: 'X' }],
      ['DELETE', '', undefined],
      ['POST', '/default', undefined],
    ] as const) {
      const res = await as(user, method, `${ADDRESSES}/not-a-uuid${suffix}`, body);
      expect(await fieldsOf(res), `${method} ${suffix}`).toContain('param.id');
    }
  });

  it("another user's address, in the same tenant or another: 404 everywhere, and it stays unchanged", async () => {
    const tenant = await createTenant();
    const [owner, neighbour, stranger] = await Promise.all([registerUser(tenant), registerUser(tenant), newUser()]);
    const mine = await create(owner);
    for (const intruder of [neighbour, stranger]) {
      const path = `${ADDRESSES}/${mine.id}`;
      expect((await as(intruder, 'GET', path)).status).toBe(404);
      expect((await as(intruder, 'PATCH', path, { city: 'Elsewhere' })).status).toBe(404);
      expect((await as(intruder, 'POST', `${path}/default`)).status).toBe(404);
      const del = await as(intruder, 'DELETE', path);
      expect(del.status).toBe(404);
      expect((await problemOf(del)).title).toBe('Not found');
      expect(await list(intruder)).toEqual([]);
    }
    expect(await (await as(owner, 'GET', `${ADDRESSES}/${mine.id}`)).json()).toEqual(mine);
  });

  it('an unknown id: 404', async () => {
    const user = await newUser();
    expect((await as(user, 'GET', `${ADDRESSES}/${crypto.randomUUID()}`)).status).toBe(404);
  });

  it(`at most ${MAX_ADDRESSES_PER_USER} addresses per user: 409 beyond`, async () => {
    const user = await newUser();
    for (let i = 0; i < MAX_ADDRESSES_PER_USER; i++)
      await create(user, { street: `${i} Main St`, type: i % 2 ? 'BILLING' : 'SHIPPING' });
    const res = await addresses(user).$post({ json: validAddress() });
    expect(res.status).toBe(409);
    expect((await problemOf(res)).detail).toContain(String(MAX_ADDRESSES_PER_USER));
    expect(await list(user)).toHaveLength(MAX_ADDRESSES_PER_USER);
  });
});

describe('users/me/addresses', () => {
  it('create (201 + Location), read, list, update, delete', async () => {
    const user = await newUser();
    const res = await addresses(user).$post({
      json: validAddress({ apartment: 'Suite 4', country: 'us', zipCode: ' 95014 ' }),
    });
    const created = await jsonOf(res, 201);
    expect(created).toMatchObject({
      type: 'SHIPPING',
      street: '1 Infinite Loop',
      apartment: 'Suite 4',
      city: 'Cupertino',
      state: 'CA',
      zipCode: '95014',
      country: 'US',
      isDefault: true,
    });
    expect(res.headers.get('location')).toBe(`${ADDRESSES}/${created.id}`);

    const read = await oneAddress(user).$get({ param: { id: created.id } });
    expect(await jsonOf(read, 200)).toEqual(created);
    expect(await list(user)).toEqual([created]);

    const patched = await oneAddress(user).$patch({
      param: { id: created.id },
      json: { city: 'San Jose', apartment: null, zipCode: '95110' },
    });
    const updated = await jsonOf(patched, 200);
    expect(updated).toMatchObject({
      ...created,
      city: 'San Jose',
      apartment: null,
      zipCode: '95110',
      updatedAt: updated.updatedAt,
    });
    expect(await (await as(user, 'GET', `${ADDRESSES}/${created.id}`)).json()).toEqual(updated);

    const del = await as(user, 'DELETE', `${ADDRESSES}/${created.id}`);
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
    expect((await as(user, 'GET', `${ADDRESSES}/${created.id}`)).status).toBe(404);
    expect((await as(user, 'DELETE', `${ADDRESSES}/${created.id}`)).status).toBe(404);
    expect(await list(user)).toEqual([]);
  });

  it('the first address of each type becomes its default; later ones do not unless asked', async () => {
    const user = await newUser();
    const ship1 = await create(user, { isDefault: false });
    const ship2 = await create(user, { street: '2 Second St' });
    const bill1 = await create(user, { type: 'BILLING' });
    expect([ship1.isDefault, ship2.isDefault, bill1.isDefault]).toEqual([true, false, true]);

    const ship3 = await create(user, { street: '3 Third St', isDefault: true });
    expect(ship3.isDefault).toBe(true);
    const all = await list(user);
    expect(
      all
        .filter((a) => a.isDefault)
        .map((a) => a.id)
        .sort(),
    ).toEqual([ship3.id, bill1.id].sort());
    expect(all.slice(0, 2).every((a) => a.isDefault)).toBe(true);
    expect(await countsInDb(user)).toEqual({ SHIPPING: { total: 3, defaults: 1 }, BILLING: { total: 1, defaults: 1 } });
  });

  it('POST /:id/default switches the default of that type only', async () => {
    const user = await newUser();
    const a = await create(user);
    const b = await create(user, { street: '2 Second St' });
    const bill = await create(user, { type: 'BILLING' });

    const res = await as(user, 'POST', `${ADDRESSES}/${b.id}/default`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: b.id, isDefault: true });
    expect(await (await as(user, 'GET', `${ADDRESSES}/${a.id}`)).json()).toMatchObject({ isDefault: false });
    expect(await (await as(user, 'GET', `${ADDRESSES}/${bill.id}`)).json()).toMatchObject({ isDefault: true });
    expect((await list(user))[0]?.isDefault).toBe(true);

    // Making the default the default again changes nothing.
    expect(await (await as(user, 'POST', `${ADDRESSES}/${b.id}/default`)).json()).toMatchObject({
      id: b.id,
      isDefault: true,
    });
    expect(await countsInDb(user)).toEqual({ SHIPPING: { total: 2, defaults: 1 }, BILLING: { total: 1, defaults: 1 } });
  });

  it('deleting or re-typing the default hands it to the newest remaining address of the type', async () => {
    const user = await newUser();
    const first = await create(user);
    const second = await create(user, { street: '2 Second St' });
    const third = await create(user, { street: '3 Third St' });

    expect((await as(user, 'DELETE', `${ADDRESSES}/${first.id}`)).status).toBe(204);
    expect(await jsonOf(await oneAddress(user).$get({ param: { id: third.id } }), 200)).toMatchObject({
      isDefault: true,
    });

    // third (the default) moves to BILLING: it becomes BILLING's default (none there yet), second takes over SHIPPING.
    const moveToBilling = async (id: string) =>
      jsonOf(await oneAddress(user).$patch({ param: { id }, json: { type: 'BILLING' } }), 200);
    const moved = await moveToBilling(third.id);
    expect(moved).toMatchObject({ type: 'BILLING', isDefault: true });
    expect(await (await as(user, 'GET', `${ADDRESSES}/${second.id}`)).json()).toMatchObject({ isDefault: true });

    // second moves to BILLING too, which already has a default: it arrives as non-default.
    const moved2 = await moveToBilling(second.id);
    expect(moved2).toMatchObject({ type: 'BILLING', isDefault: false });
    expect(await countsInDb(user)).toEqual({ BILLING: { total: 2, defaults: 1 } });
  });

  it('concurrent POST /:id/default on two addresses of one type ends with exactly one default', async () => {
    const user = await newUser();
    const others = [await create(user)];
    for (let i = 0; i < 3; i++) others.push(await create(user, { street: `${i} Side St` }));
    for (let round = 0; round < 3; round++) {
      const [x, y] = [others[1 + (round % 3)]!, others[(round + 2) % 4]!];
      const results = await Promise.all([x, y].map((a) => as(user, 'POST', `${ADDRESSES}/${a.id}/default`)));
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      expect((await countsInDb(user)).SHIPPING).toEqual({ total: 4, defaults: 1 });
      const defaults = (await list(user)).filter((a) => a.isDefault).map((a) => a.id);
      expect(defaults).toHaveLength(1);
      expect([x.id, y.id]).toContain(defaults[0]);
    }
  });

  it('concurrent creation of the first addresses of a type yields one default', async () => {
    const user = await newUser();
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => addresses(user).$post({ json: validAddress({ street: `${i} Race St` }) })),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const created = await Promise.all(results.map((r) => jsonOf(r, 201)));
    expect(created.filter((a: AddressView) => a.isDefault)).toHaveLength(1);
    expect(await countsInDb(user)).toEqual({ SHIPPING: { total: 4, defaults: 1 } });
  });

  it('the database itself refuses a second default of a type (uq_addresses_one_default_per_type)', async () => {
    const user = await newUser();
    const a = await create(user);
    const b = await create(user, { street: '2 Second St' });
    const stores = testStores();
    try {
      await expect(
        inTenantTx(stores.pg('users').db, user.tenantId, (tx) =>
          tx.execute(sql`update users.addresses set is_default = true where id = ${b.id}`),
        ),
      ).rejects.toThrow();
    } finally {
      await stores.close();
    }
    expect((await list(user)).filter((x) => x.isDefault).map((x) => x.id)).toEqual([a.id]);
  });
});

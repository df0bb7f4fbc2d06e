/**
 * Inputs that used to answer 500: NUL characters in any validated string (PostgreSQL
 * text cannot hold U+0000), money filters that failed their pattern and then reached
 * a parser, and union bodies whose errors named no field.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { toProblem } from '../../src/middleware/errors.ts';
import { apiAs, jsonOf } from '../fixtures/index.ts';
import { createProduct, fields, PRODUCTS, send, shop } from './catalog-helpers.ts';
import { call, postJson, problemOf } from './helpers.ts';
import { as, createTenant, registerUser } from './identity-helpers.ts';
import { testStores } from './stores.ts';

const NUL = '\u0000';

describe('a NUL character in any validated string: 400 naming the field', () => {
  it('in JSON bodies that reach PostgreSQL (login, register, profile, addresses)', async () => {
    const tenantId = await createTenant();
    const login = await postJson(
      '/api/v1/auth/login',
      { login: `a${NUL}b`, password: 'whatever-it-is' },
      { 'x-tenant-id': tenantId },
    );
    expect(login.status).toBe(400);
    expect(await fields(login)).toEqual(['body.login']);

    const register = await postJson(
      '/api/v1/auth/register',
      { email: 'nul@example.com', username: 'nul_user', password: `Correct-Horse-42${NUL}`, firstName: `A${NUL}` },
      { 'x-tenant-id': tenantId },
    );
    expect(register.status).toBe(400);
    expect((await fields(register)).sort()).toEqual(['body.firstName', 'body.password']);

    const user = await registerUser(tenantId);
    const profile = await as(user, 'PATCH', '/api/v1/users/me/profile', { bio: `hello${NUL}world` });
    expect(profile.status).toBe(400);
    expect(await fields(profile)).toEqual(['body.bio']);
    const address = await as(user, 'POST', '/api/v1/users/me/addresses', {
      type: 'SHIPPING',
      street: `1 Main St${NUL}`,
      city: 'Springfield',
      state: 'IL',
      zipCode: '62701',
      country: 'US',
    });
    expect(address.status).toBe(400);
    expect(await fields(address)).toEqual(['body.street']);
  });

  it('deep inside arrays and as an object key, in query strings and path parameters', async () => {
    const { manager, tenantId } = await shop();
    const nested = await send(manager, 'POST', PRODUCTS, {
      body: { name: 'Nul', price: '1.00', metaKeywords: ['ok', `bad${NUL}`], specifications: { [`k${NUL}`]: 'v' } },
    });
    expect(nested.status).toBe(400);
    expect((await fields(nested)).sort()).toEqual(['body.metaKeywords.1', 'body.specifications']);

    const query = await call(`${PRODUCTS}?q=a%00b`, { headers: { 'x-tenant-id': tenantId } });
    expect(query.status).toBe(400);
    expect(await fields(query)).toEqual(['query.q']);

    const param = await call('/api/v1/categories/a%00b', { headers: { 'x-tenant-id': tenantId } });
    expect(param.status).toBe(400);
  });
});

describe('GET /products money filters: 400 naming the field, never a parser error', () => {
  it.each([
    ['minPrice=1&maxPrice=x', 'query.maxPrice'],
    ['minPrice=abc', 'query.minPrice'],
    ['minPrice=abc&maxPrice=1', 'query.minPrice'],
    ['maxPrice=-1', 'query.maxPrice'],
    ['minPrice=-1&maxPrice=-2', 'query.minPrice'],
    [`minPrice=${encodeURIComponent('٣')}&maxPrice=5`, 'query.minPrice'],
    [`maxPrice=${encodeURIComponent('１０')}`, 'query.maxPrice'],
    ['minPrice=1.234', 'query.minPrice'],
    ['minPrice=5&maxPrice=1', 'query.maxPrice'],
  ])('%s', async (qs, field) => {
    const res = await call(`${PRODUCTS}?${qs}`, { headers: { 'x-tenant-id': crypto.randomUUID() } });
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain(field);
  });

  it('a valid range still filters', async () => {
    const { manager, tenantId } = await shop();
    await createProduct(manager, { price: '5.00' });
    await createProduct(manager, { price: '50.00' });
    const res = await apiAs({ tenantId }).products.$get({ query: { minPrice: '1', maxPrice: '10' }, header: {} });
    const page = await jsonOf(res, 200);
    expect(page.data.map((p) => p.price)).toEqual(['5.00']);
  });
});

describe('union bodies name the wrong field and what was expected', () => {
  it('PUT /products/{id}/stock', async () => {
    const { manager } = await shop();
    const product = await createProduct(manager);
    const stock = (body: unknown) => send(manager, 'PUT', `${PRODUCTS}/${product.id}/stock`, { body });

    const wrongType = await problemOf(await stock({ delta: 'x' }));
    expect(wrongType.errors).toEqual([{ field: 'body.delta', message: expect.stringContaining('expected number') }]);

    const negative = await problemOf(await stock({ stockQuantity: -1 }));
    expect(negative.errors).toEqual([{ field: 'body.stockQuantity', message: expect.stringContaining('>=0') }]);

    const empty = await problemOf(await stock({}));
    expect(empty.errors).toHaveLength(1);
    expect(empty.errors![0]!.field).toBe('body');
    expect(empty.errors![0]!.message).toMatch(/stockQuantity.*delta/);
    expect(empty.errors![0]!.message).not.toBe('Invalid input');

    const both = await problemOf(await stock({ stockQuantity: 1, delta: 2 }));
    expect(both.errors![0]!.message).toMatch(/Unknown field\(s\): delta.*Unknown field\(s\): stockQuantity/);

    const notObject = await problemOf(await stock('7'));
    expect(notObject.errors![0]).toMatchObject({ field: 'body', message: expect.stringContaining('expected object') });
  });

  it('a scalar union names its custom expectation (product specifications)', async () => {
    const { manager } = await shop();
    const res = await send(manager, 'POST', PRODUCTS, {
      body: { name: 'Spec', price: '1.00', specifications: { color: null } },
    });
    expect((await problemOf(res)).errors).toEqual([
      { field: 'body.specifications.color', message: 'must be a string, number or boolean' },
    ]);
  });
});

describe('PostgreSQL data exceptions behind validation', () => {
  it('a NUL or malformed value that still reached PostgreSQL is a 400, not a 500', async () => {
    const stores = testStores();
    try {
      const db = stores.pg('auth').db;
      for (const query of [
        sql`select ${'a\u0000b'}::text`,
        sql`select ${'not-a-uuid'}::uuid`,
        sql`select ${'99999999999'}::int4`,
      ]) {
        const err = await db.execute(query).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, 'the query should fail').toBeDefined();
        expect(toProblem(err).status).toBe(400);
      }
    } finally {
      await stores.close();
    }
  });
});

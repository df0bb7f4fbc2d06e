import type { InferRequestType } from 'hono/client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  api,
  apiAs,
  call,
  createProduct,
  fieldsOf as fields,
  jsonOf,
  problemOf,
  shop,
  type Caller,
  type Product,
  type TestUser,
} from '../fixtures/index.ts';
import { PRODUCTS as P, send } from './catalog-helpers.ts';

// Requests the typed client cannot send (a malformed id, a body or query the schema refuses)
// go through the raw `send`: they test what the API answers to input its types rule out.

type ListQuery = InferRequestType<typeof api.products.$get>['query'];
const productsOf = (who: Caller | TestUser) => apiAs(who).products;
/** One product, read by `who`. */
const one = (who: Caller | TestUser, idOrSlug: string, headers: Record<string, string> = {}) =>
  productsOf(who)[':idOrSlug'].$get({ param: { idOrSlug }, header: {} }, { headers });
/** A page of the list, read by `who` (200 expected). */
const page = async (who: Caller | TestUser, query: ListQuery = {}) =>
  jsonOf(await productsOf(who).$get({ query, header: {} }), 200);
const publicPage = (tenantId: string, query: ListQuery = {}) => page({ tenantId }, query);
const eventsOf = async (who: TestUser, id: string) =>
  jsonOf(await productsOf(who)[':id'].events.$get({ param: { id }, query: {} }), 200);

// ---------------------------------------------------------------------------
// Refused
// ---------------------------------------------------------------------------

describe('products: refused', () => {
  it('bad ids in the path: 400 naming the param', async () => {
    const { manager } = await shop();
    let res = await send(manager, 'PATCH', `${P}/not-an-id`, { body: { name: 'x' }, headers: { 'if-match': '"1"' } });
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('param.id');
    res = await send(manager, 'DELETE', `${P}/123`);
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('param.id');
    res = await send(manager, 'PUT', `${P}/zz${'0'.repeat(22)}/price`, { body: { price: '1.00' } });
    expect(await fields(res)).toContain('param.id');
    res = await send(manager, 'GET', `${P}/Not_A_Slug!`);
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('param.idOrSlug');
    // Well-formed but unknown: 404
    expect((await send(manager, 'GET', `${P}/${'a'.repeat(24)}`)).status).toBe(404);
  });

  it('bad filters: 400 naming the query field', async () => {
    const { tenantId } = await shop();
    const cases: Array<[string, string]> = [
      ['?limit=0', 'query.limit'],
      ['?limit=101', 'query.limit'],
      ['?limit=abc', 'query.limit'],
      ['?minPrice=abc', 'query.minPrice'],
      ['?maxPrice=1.234', 'query.maxPrice'],
      ['?minPrice=10&maxPrice=5', 'query.maxPrice'],
      ['?sort=cheapest', 'query.sort'],
      ['?category=Bad%20Slug', 'query.category'],
      ['?cursor=not-a-cursor', 'query.cursor'],
      ['?status=SOLD', 'query.status'],
      ['?bogus=1', 'query'],
    ];
    for (const [query, field] of cases) {
      const res = await send(null, 'GET', `${P}${query}`, { headers: { 'x-tenant-id': tenantId } });
      expect(res.status, query).toBe(400);
      expect(await fields(res), query).toContain(field);
    }
    // A cursor of another sort order is refused too.
    const { manager } = await shop();
    for (let i = 0; i < 3; i++) await createProduct(manager);
    const first = await page(manager, { limit: '1', sort: 'price_asc' });
    expect(first.nextCursor).toBeTruthy();
    const res = await send(manager, 'GET', `${P}?limit=1&sort=newest&cursor=${first.nextCursor}`);
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('query.cursor');
  });

  it('anonymous reads must name a UUID tenant; writes need credentials and permissions', async () => {
    const { manager, user, tenantId } = await shop();
    let res = await send(null, 'GET', P);
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('header.x-tenant-id');
    res = await send(null, 'GET', P, { headers: { 'x-tenant-id': 'acme' } });
    expect(await fields(res)).toContain('header.x-tenant-id');

    const body = { name: 'Nope', price: '1.00' };
    expect((await send(null, 'POST', P, { body, headers: { 'x-tenant-id': tenantId } })).status).toBe(401);
    expect((await send(user, 'POST', P, { body })).status).toBe(403);

    const product = await createProduct(manager);
    expect(
      (await send(user, 'PATCH', `${P}/${product.id}`, { body: { name: 'x' }, headers: { 'if-match': '"1"' } })).status,
    ).toBe(403);
    expect((await send(user, 'PUT', `${P}/${product.id}/price`, { body: { price: '1.00' } })).status).toBe(403);
    expect((await send(user, 'PUT', `${P}/${product.id}/stock`, { body: { delta: 1 } })).status).toBe(403);
    expect((await send(user, 'DELETE', `${P}/${product.id}`)).status).toBe(403);
    expect((await send(null, 'DELETE', `${P}/${product.id}`)).status).toBe(401);
    // Only staff may filter by status.
    expect((await send(user, 'GET', `${P}?status=DRAFT`)).status).toBe(403);
    expect((await send(null, 'GET', `${P}?status=DRAFT`, { headers: { 'x-tenant-id': tenantId } })).status).toBe(403);
  });

  it("another tenant's products are invisible: 404 and never listed", async () => {
    const a = await shop();
    const b = await shop();
    const product = await createProduct(a.manager, { name: 'Secret Gadget' });
    for (const ref of [product.id, product.slug]) {
      expect((await send(b.manager, 'GET', `${P}/${ref}`)).status).toBe(404);
      expect((await send(null, 'GET', `${P}/${ref}`, { headers: { 'x-tenant-id': b.tenantId } })).status).toBe(404);
    }
    expect(
      (await send(b.manager, 'PATCH', `${P}/${product.id}`, { body: { name: 'x' }, headers: { 'if-match': '"1"' } }))
        .status,
    ).toBe(404);
    expect((await send(b.manager, 'PUT', `${P}/${product.id}/stock`, { body: { delta: 1 } })).status).toBe(404);
    expect((await send(b.manager, 'DELETE', `${P}/${product.id}`)).status).toBe(404);
    expect((await send(b.manager, 'GET', `${P}/${product.id}/events`)).status).toBe(404);
    const listed = await publicPage(b.tenantId, { q: 'secret' });
    expect(listed.data).toEqual([]);
    // An authenticated caller's X-Tenant-ID is ignored: the token's tenant wins.
    const spoof = await page({ user: b.manager, tenantId: a.tenantId }, { q: 'secret' });
    expect(spoof.data).toEqual([]);
    // And the owner still sees it unchanged.
    expect((await jsonOf(await one(a.manager, product.id), 200)).version).toBe(1);
  });

  it('invalid bodies: money format, compareAtPrice < price, two primary images, nested specifications, SEO limits', async () => {
    const { manager } = await shop();
    const bad = async (body: Record<string, unknown>, field: string) => {
      const res = await send(manager, 'POST', P, { body: { name: 'Widget', price: '10.00', ...body } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await fields(res), JSON.stringify(body)).toContain(field);
    };
    await bad({ price: '10.999' }, 'body.price');
    await bad({ price: 10.5 }, 'body.price');
    await bad({ price: '-1.00' }, 'body.price');
    await bad({ price: '123456789.00' }, 'body.price');
    await bad({ compareAtPrice: '9.99' }, 'body.compareAtPrice');
    await bad(
      {
        images: [
          { url: 'https://cdn.example.com/1.jpg', isPrimary: true },
          { url: 'https://cdn.example.com/2.jpg', isPrimary: true },
        ],
      },
      'body.images',
    );
    await bad({ images: [{ url: 'https://cdn.example.com/1.jpg' }] }, 'body.images');
    await bad({ images: [{ url: 'ftp://x/1.jpg', isPrimary: true }] }, 'body.images.0.url');
    await bad({ specifications: { dims: { w: 1 } } }, 'body.specifications.dims');
    await bad({ specifications: { tags: ['a'] } }, 'body.specifications.tags');
    await bad({ specifications: { 'a.b': 'x' } }, 'body.specifications.a.b');
    await bad({ metaTitle: 'x'.repeat(71) }, 'body.metaTitle');
    await bad({ metaDescription: 'x'.repeat(161) }, 'body.metaDescription');
    await bad({ metaKeywords: Array.from({ length: 21 }, (_, i) => `k${i}`) }, 'body.metaKeywords');
    await bad({ status: 'SOLD' }, 'body.status');
    await bad({ stockQuantity: -1 }, 'body.stockQuantity');
    await bad({ categoryId: 'abc' }, 'body.categoryId');
    await bad({ categoryId: 'a'.repeat(24) }, 'body.categoryId');
    await bad({ slug: 'Not A Slug' }, 'body.slug');
    await bad({ version: 3 }, 'body');

    const product = await createProduct(manager);
    let res = await send(manager, 'PUT', `${P}/${product.id}/price`, {
      body: { price: '20.00', compareAtPrice: '19.99' },
    });
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('body.compareAtPrice');
    res = await send(manager, 'PUT', `${P}/${product.id}/stock`, { body: { delta: 0 } });
    expect(res.status).toBe(400);
    res = await send(manager, 'PUT', `${P}/${product.id}/stock`, { body: { delta: 1, stockQuantity: 3 } });
    expect(res.status).toBe(400);
    res = await send(manager, 'PATCH', `${P}/${product.id}`, {
      body: { price: '1.00' },
      headers: { 'if-match': '"1"' },
    });
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('body');
    res = await send(manager, 'PATCH', `${P}/${product.id}`, {
      body: {
        images: [
          { url: 'https://cdn.example.com/a.jpg', isPrimary: true },
          { url: 'https://cdn.example.com/b.jpg', isPrimary: true },
        ],
      },
      headers: { 'if-match': '"1"' },
    });
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('body.images');
    // Nothing was written by any refused command.
    expect((await jsonOf(await one(manager, product.id), 200)).version).toBe(1);
  });

  it('PATCH needs If-Match (428), a stale one fails (412), a malformed one is a 400', async () => {
    const { manager } = await shop();
    const product = await createProduct(manager);
    let res = await send(manager, 'PATCH', `${P}/${product.id}`, { body: { name: 'No precondition' } });
    expect(res.status).toBe(428);
    res = await send(manager, 'PATCH', `${P}/${product.id}`, {
      body: { name: 'Malformed' },
      headers: { 'if-match': 'one' },
    });
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('header.if-match');
    res = await send(manager, 'PATCH', `${P}/${product.id}`, {
      body: { name: 'First' },
      headers: { 'if-match': '"1"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    res = await send(manager, 'PATCH', `${P}/${product.id}`, {
      body: { name: 'Stale' },
      headers: { 'if-match': '"1"' },
    });
    expect(res.status).toBe(412);
    expect(res.headers.get('etag')).toBe('"2"');
    res = await send(manager, 'PUT', `${P}/${product.id}/price`, {
      body: { price: '3.00' },
      headers: { 'if-match': '"1"' },
    });
    expect(res.status).toBe(412);
    res = await send(manager, 'DELETE', `${P}/${product.id}`, { headers: { 'if-match': '"1"' } });
    expect(res.status).toBe(412);
    const current = await jsonOf(await one(manager, product.id), 200);
    expect(current).toMatchObject({ name: 'First', version: 2, price: '10.00' });
  });

  it('duplicate slugs: an explicit one is a 409, generated ones get -2, -3 (also when created concurrently)', async () => {
    const { manager } = await shop();
    const first = await createProduct(manager, { name: 'Wireless Headphones', specifications: { brand: 'AudioTech' } });
    expect(first.slug).toBe('wireless-headphones-audiotech');
    const second = await createProduct(manager, {
      name: 'Wireless Headphones',
      specifications: { brand: 'AudioTech' },
    });
    const third = await createProduct(manager, {
      name: 'Wireless  headphones!',
      specifications: { brand: 'Audiotech' },
    });
    expect([second.slug, third.slug]).toEqual(['wireless-headphones-audiotech-2', 'wireless-headphones-audiotech-3']);

    const res = await send(manager, 'POST', P, {
      body: { name: 'Other', price: '1.00', slug: 'wireless-headphones-audiotech' },
    });
    expect(res.status).toBe(409);
    expect(await fields(res)).toContain('body.slug');

    const burst = await Promise.all(Array.from({ length: 5 }, () => createProduct(manager, { name: 'Same Name' })));
    const slugs = burst.map((p) => p.slug).sort();
    expect(new Set(slugs).size).toBe(5);
    expect(slugs).toContain('same-name');
    for (const s of slugs) expect(s).toMatch(/^same-name(-\d+)?$/);
  });

  it('two concurrent commands on one version never both win', async () => {
    const { manager } = await shop();
    const product = await createProduct(manager, { stockQuantity: 100 });
    const statuses = (rs: Response[]) => rs.map((r) => r.status);
    const oneWinner = (codes: number[]) => {
      expect(codes.filter((s) => s >= 200 && s < 300)).toHaveLength(1);
      for (const s of codes.filter((x) => x >= 300)) expect([409, 412]).toContain(s);
    };

    let codes = statuses(
      await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          send(manager, 'PATCH', `${P}/${product.id}`, {
            body: { name: `Racer ${i}` },
            headers: { 'if-match': '"1"' },
          }),
        ),
      ),
    );
    oneWinner(codes);
    codes = statuses(
      await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          send(manager, 'PUT', `${P}/${product.id}/price`, {
            body: { price: `${20 + i}.00` },
            headers: { 'if-match': '"2"' },
          }),
        ),
      ),
    );
    oneWinner(codes);
    codes = statuses(
      await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          send(manager, 'PUT', `${P}/${product.id}/stock`, {
            body: { stockQuantity: 50 + i },
            headers: { 'if-match': '"3"' },
          }),
        ),
      ),
    );
    oneWinner(codes);

    const after = await jsonOf(await one(manager, product.id), 200);
    expect(after.version).toBe(4);
    const events = await eventsOf(manager, product.id);
    expect(events.data.map((e) => e.version)).toEqual([1, 2, 3, 4]);
  });

  it('concurrent stock deltas without If-Match lose no update: final stock = initial + sum of the accepted deltas', async () => {
    const { manager } = await shop();
    const product = await createProduct(manager, { stockQuantity: 100 });
    const deltas = [5, -3, 7, -10, 2, 4];
    const results = await Promise.all(
      deltas.map((delta) => send(manager, 'PUT', `${P}/${product.id}/stock`, { body: { delta } })),
    );
    let expected = 100;
    results.forEach((r, i) => {
      expect([200, 409]).toContain(r.status);
      if (r.status === 200) expected += deltas[i]!;
    });
    const after = await jsonOf(await one(manager, product.id), 200);
    expect(after.stockQuantity).toBe(expected);
    expect(after.version).toBe(1 + results.filter((r) => r.status === 200).length);
  });

  it('stock never goes below zero: 409 naming body.delta', async () => {
    const { manager } = await shop();
    const product = await createProduct(manager, { stockQuantity: 2 });
    const res = await send(manager, 'PUT', `${P}/${product.id}/stock`, { body: { delta: -3 } });
    expect(res.status).toBe(409);
    expect(await fields(res)).toContain('body.delta');
  });

  it('deleted products are gone: 404 to reads and commands, never listed; deleting needs delete:products', async () => {
    const { manager, tenantId } = await shop();
    const product = await createProduct(manager, { name: 'Short Lived' });
    let res = await send(manager, 'DELETE', `${P}/${product.id}`, { headers: { 'if-match': '"1"' } });
    expect(res.status).toBe(204);
    expect((await send(manager, 'GET', `${P}/${product.id}`)).status).toBe(404);
    expect((await send(null, 'GET', `${P}/${product.slug}`, { headers: { 'x-tenant-id': tenantId } })).status).toBe(
      404,
    );
    expect((await send(manager, 'DELETE', `${P}/${product.id}`)).status).toBe(404);
    res = await send(manager, 'PATCH', `${P}/${product.id}`, {
      body: { name: 'Zombie' },
      headers: { 'if-match': '"2"' },
    });
    expect(res.status).toBe(404);
    expect((await publicPage(tenantId, { q: 'short' })).data).toEqual([]);
    expect((await page(manager, { status: 'ARCHIVED' })).data).toEqual([]);
    // The history stays.
    const events = await eventsOf(manager, product.id);
    expect(events.data.map((e) => e.eventType)).toEqual(['ProductCreatedEvent', 'ProductDeletedEvent']);
  });

  it('drafts and unpublished products are hidden from the public but visible to staff', async () => {
    const { manager, user, tenantId } = await shop();
    const draft = await createProduct(manager, { name: 'Draft Thing', status: 'DRAFT', published: false });
    const hidden = await createProduct(manager, { name: 'Hidden Thing', status: 'ACTIVE', published: false });
    for (const p of [draft, hidden]) {
      expect((await send(null, 'GET', `${P}/${p.slug}`, { headers: { 'x-tenant-id': tenantId } })).status).toBe(404);
      expect((await send(user, 'GET', `${P}/${p.id}`)).status).toBe(404);
      expect((await send(manager, 'GET', `${P}/${p.id}`)).status).toBe(200);
    }
    expect((await publicPage(tenantId)).data).toEqual([]);
    const drafts = await page(manager, { status: 'DRAFT' });
    expect(drafts.data.map((p) => p.id)).toEqual([draft.id]);
  });
});

// ---------------------------------------------------------------------------
// Working
// ---------------------------------------------------------------------------

describe('products: working', () => {
  it('creates with 201, Location and ETag; reads by id and slug; If-None-Match gives 304', async () => {
    const { manager, tenantId } = await shop();
    const res = await productsOf(manager).$post({
      header: {},
      json: {
        name: 'Wireless Headphones',
        description: 'Noise-cancelling',
        price: '299.9',
        compareAtPrice: '349.99',
        stockQuantity: 50,
        sku: 'AUD-WH-001',
        images: [
          { url: 'https://cdn.example.com/h1.jpg', alt: 'Front', isPrimary: true },
          { url: 'https://cdn.example.com/h2.jpg', alt: 'Side' },
        ],
        specifications: {
          brand: 'AudioTech',
          color: 'Black',
          bluetooth: '5.0',
          batteryHours: 30,
          noiseCancellation: true,
        },
        metaTitle: 'AudioTech Wireless Headphones',
        metaKeywords: ['headphones', 'wireless'],
        status: 'ACTIVE',
        published: true,
      },
    });
    const created = await jsonOf(res, 201);
    expect(res.headers.get('location')).toBe(`${P}/${created.id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(Number(res.headers.get('x-data-api-calls'))).toBeGreaterThan(0);
    expect(created).toMatchObject({
      slug: 'wireless-headphones-audiotech',
      price: '299.90',
      compareAtPrice: '349.99',
      currency: 'USD',
      stockQuantity: 50,
      version: 1,
      category: null,
      deletedAt: null,
      images: [
        { url: 'https://cdn.example.com/h1.jpg', alt: 'Front', isPrimary: true },
        { url: 'https://cdn.example.com/h2.jpg', alt: 'Side', isPrimary: false },
      ],
      specifications: { brand: 'AudioTech', batteryHours: 30, noiseCancellation: true },
    });

    const bySlug = await one({ tenantId }, created.slug);
    expect(bySlug.status).toBe(200);
    expect(bySlug.headers.get('etag')).toBe('"1"');
    expect(bySlug.headers.get('x-data-api-calls')).toBe('1');
    const byId = await one({ tenantId }, created.id);
    expect(await jsonOf(byId, 200)).toEqual(await jsonOf(bySlug, 200));
    const cached = await one({ tenantId }, created.id, { 'if-none-match': '"1"' });
    expect(cached.status).toBe(304);

    // SKU is unique per tenant (best effort)
    const dup = await productsOf(manager).$post({
      header: {},
      json: { name: 'Clone', price: '1.00', sku: 'AUD-WH-001' },
    });
    expect(dup.status).toBe(409);
    expect(await fields(dup)).toContain('body.sku');
  });

  it('PATCH, price and stock commands change the product and bump the version', async () => {
    const { manager } = await shop();
    const product = await createProduct(manager, { stockQuantity: 1, description: 'old' });
    let res = await send(manager, 'PATCH', `${P}/${product.id}`, {
      body: { name: 'Renamed', description: null, specifications: { brand: 'Acme' }, metaKeywords: ['x'] },
      headers: { 'if-match': '"1"' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      name: 'Renamed',
      description: null,
      specifications: { brand: 'Acme' },
      version: 2,
      slug: product.slug,
    });

    // A PATCH that changes nothing appends nothing.
    res = await send(manager, 'PATCH', `${P}/${product.id}`, {
      body: { name: 'Renamed' },
      headers: { 'if-match': '"2"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');

    res = await send(manager, 'PUT', `${P}/${product.id}/price`, {
      body: { price: '12.5', compareAtPrice: '15', currency: 'EUR' },
    });
    expect(await res.json()).toMatchObject({ price: '12.50', compareAtPrice: '15.00', currency: 'EUR', version: 3 });
    res = await send(manager, 'PUT', `${P}/${product.id}/price`, { body: { price: '11.00' } });
    expect(await res.json()).toMatchObject({ price: '11.00', compareAtPrice: null, currency: 'EUR', version: 4 });

    // Stock reaching 0 turns ACTIVE into OUT_OF_STOCK, and back when restocked.
    res = await send(manager, 'PUT', `${P}/${product.id}/stock`, { body: { delta: -1 } });
    expect(await res.json()).toMatchObject({ stockQuantity: 0, status: 'OUT_OF_STOCK', version: 5 });
    res = await send(manager, 'PUT', `${P}/${product.id}/stock`, { body: { stockQuantity: 7 } });
    expect(await res.json()).toMatchObject({ stockQuantity: 7, status: 'ACTIVE', version: 6 });
    expect(res.headers.get('etag')).toBe('"6"');
  });

  it('lists with filters: category subtree, price range, brand, escaped q, staff status; sorts', async () => {
    const { manager, tenantId } = await shop();
    const cat = async (json: { name: string; parentId?: string }) =>
      jsonOf(await apiAs(manager).categories.$post({ json }), 201);
    const electronics = await cat({ name: 'Electronics' });
    const audio = await cat({ name: 'Audio', parentId: electronics.id });
    const books = await cat({ name: 'Books' });
    const phone = await createProduct(manager, {
      name: 'Phone X.1',
      price: '500.00',
      categoryId: electronics.id,
      specifications: { brand: 'Acme' },
    });
    const buds = await createProduct(manager, {
      name: 'Ear Buds',
      price: '50.00',
      categoryId: audio.id,
      specifications: { brand: 'Acme' },
    });
    const novel = await createProduct(manager, {
      name: 'Phone Book',
      price: '15.50',
      categoryId: books.id,
      specifications: { brand: 'Pub' },
    });
    const loose = await createProduct(manager, { name: 'Phone X1', price: '15.50' });
    await createProduct(manager, { name: 'Draft Phone', price: '1.00', status: 'DRAFT' });

    const ids = async (query: ListQuery) => (await publicPage(tenantId, query)).data.map((p) => p.id);
    expect(new Set(await ids({ category: 'electronics' }))).toEqual(new Set([phone.id, buds.id]));
    expect(new Set(await ids({ category: electronics.id }))).toEqual(new Set([phone.id, buds.id]));
    expect(await ids({ category: 'audio' })).toEqual([buds.id]);
    expect(await ids({ category: 'no-such-category' })).toEqual([]);
    expect(new Set(await ids({ minPrice: '15.5', maxPrice: '50' }))).toEqual(new Set([buds.id, novel.id, loose.id]));
    expect(new Set(await ids({ brand: 'Acme' }))).toEqual(new Set([phone.id, buds.id]));
    expect(new Set(await ids({ q: 'PHONE' }))).toEqual(new Set([phone.id, novel.id, loose.id]));
    expect(await ids({ q: 'x.1' })).toEqual([phone.id]); // "." is literal, not "any character"
    expect(await ids({ q: 'e.b' })).toEqual([]); // would match "Phone Book" as a pattern
    expect(await ids({ q: '(' })).toEqual([]);
    // Equal prices are ordered by id (creation order here), in the sort's direction.
    expect(await ids({ sort: 'price_asc' })).toEqual([novel.id, loose.id, buds.id, phone.id]);
    expect(await ids({ sort: 'price_desc' })).toEqual([phone.id, buds.id, loose.id, novel.id]);
    expect(await ids({ sort: 'newest' })).toEqual([loose.id, novel.id, buds.id, phone.id]);
    expect((await ids({ sort: 'rating' })).length).toBe(4);
    const drafts = await page(manager, { status: 'DRAFT' });
    expect(drafts.data.map((p) => p.name)).toEqual(['Draft Phone']);
  });

  it('cursor pages are stable under inserts: no duplicates, no skipped pre-existing products', async () => {
    const { manager, tenantId } = await shop();
    const originals: Product[] = [];
    for (let i = 0; i < 13; i++)
      originals.push(await createProduct(manager, { name: `Item ${i}`, price: `${(i % 4) + 1}.00` }));

    for (const sort of ['newest', 'price_asc', 'price_desc', 'rating'] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const current = await publicPage(tenantId, { sort, limit: '4', ...(cursor ? { cursor } : {}) });
        seen.push(...current.data.map((p) => p.id));
        cursor = current.nextCursor;
        // Someone adds products while we page (at both ends of the price range).
        await createProduct(manager, { name: `Inserted ${sort} ${pages}`, price: pages % 2 ? '0.50' : '9.00' });
        pages++;
      } while (cursor && pages < 20);
      expect(new Set(seen).size, sort).toBe(seen.length);
      for (const o of originals) expect(seen, `${sort} ${o.name}`).toContain(o.id);
    }
  });

  it('a retried create with the same Idempotency-Key returns the first product', async () => {
    const { manager } = await shop();
    // `q` is a $text search where the server has the text index: "once" and "only" are English stop words.
    const body = { name: 'Once Only Teapot', price: '3.00' };
    const headers = { 'idempotency-key': `key-${crypto.randomUUID()}` };
    const first = await productsOf(manager).$post({ header: headers, json: body });
    const again = await productsOf(manager).$post({ header: headers, json: body });
    const a = await jsonOf(first, 201);
    const b = await jsonOf(again, 201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(b.id).toBe(a.id);
    const all = await page(manager, { status: 'DRAFT', q: 'teapot' });
    expect(all.data).toHaveLength(1);
  });

  it('the same Idempotency-Key with a different body: 422, nothing created; key order does not matter', async () => {
    const { manager } = await shop();
    const headers = { 'idempotency-key': `key-${crypto.randomUUID()}` };
    const first = await send(manager, 'POST', P, { body: { name: 'Keyed', price: '3.00', stockQuantity: 2 }, headers });
    expect(first.status).toBe(201);
    const reordered = await send(manager, 'POST', P, {
      body: { stockQuantity: 2, price: '3.00', name: 'Keyed' },
      headers,
    });
    expect(reordered.status).toBe(201);
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');
    const other = await send(manager, 'POST', P, { body: { name: 'Keyed', price: '4.00', stockQuantity: 2 }, headers });
    expect(other.status).toBe(422);
    expect((await problemOf(other)).type).toMatch(/idempotency-key-reused$/);
    const all = await page(manager, { status: 'DRAFT', q: 'keyed' });
    expect(all.data.map((p) => p.price)).toEqual(['3.00']);
  });

  it('concurrent creates with one key and different bodies: one product, the other request 422 or 409', async () => {
    const { manager } = await shop();
    const headers = { 'idempotency-key': `key-${crypto.randomUUID()}` };
    const results = await Promise.all(
      ['1.00', '2.00', '3.00'].map((price) => send(manager, 'POST', P, { body: { name: 'Raced', price }, headers })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.every((s) => s === 201 || s === 422 || s === 409)).toBe(true);
    const all = await page(manager, { status: 'DRAFT', q: 'raced' });
    expect(all.data).toHaveLength(1);
  });
});

/** The parts of the OpenAPI document this test reads (/openapi.json is outside AppType). */
const operation = z.looseObject({ security: z.array(z.unknown()).optional() });
const OpenApiDocument = z.object({
  paths: z.record(z.string(), z.looseObject({ get: operation.optional(), post: operation.optional() })),
  components: z.object({ schemas: z.record(z.string(), z.unknown()) }),
});

describe('catalog in the OpenAPI document', () => {
  it('documents every catalog route; writes carry bearer security', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = OpenApiDocument.parse(await res.json());
    const catalog = Object.keys(doc.paths)
      .filter((p) =>
        /^\/api\/v1\/(products|categories)(\/\{[a-zA-Z]+\}|\/recount)?(\/(price|stock|events|rebuild))?$/.test(p),
      )
      .sort();
    expect(catalog).toEqual([
      '/api/v1/categories',
      '/api/v1/categories/recount',
      '/api/v1/categories/{id}',
      '/api/v1/categories/{slug}',
      '/api/v1/products',
      '/api/v1/products/{idOrSlug}',
      '/api/v1/products/{id}',
      '/api/v1/products/{id}/events',
      '/api/v1/products/{id}/price',
      '/api/v1/products/{id}/rebuild',
      '/api/v1/products/{id}/stock',
    ]);
    expect(doc.paths['/api/v1/products']!.post!.security).toBeTruthy();
    expect(doc.paths['/api/v1/products']!.get!.security).toBeUndefined();
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Product', 'ProductPage', 'ProductEvent', 'CategoryNode', 'CategoryTree']),
    );
  });
});

/**
 * Edge cache of anonymous catalog reads (src/middleware/edge-cache.ts) through the real
 * Worker, real caches.default (workerd), real FerretDB behind the Data API gateway.
 * `x-data-api-calls` is the request's own Data API call count: absent means no store call.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { Hono } from 'hono';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

import { etagMatches } from '../../src/lib/etag.ts';
import type { AppEnv } from '../../src/lib/types.ts';
import { cacheKey, edgeCache, serveEdgeCacheRefillsWith } from '../../src/middleware/edge-cache.ts';
import { catalogTags, generationKey, purgeCatalogTags } from '../../src/services/catalog/cache-tags.ts';
import {
  call,
  checkoutShop,
  createCategory,
  createProduct,
  eventually,
  grantRole,
  jsonOf,
  lines,
  placeOrder,
  registerUser,
  shop,
  type Product,
} from '../fixtures/index.ts';
import { CATEGORIES, PRODUCTS, send } from './catalog-helpers.ts';
import { as } from './identity-helpers.ts';
import { insertProduct, moderate, postReview, reviewsOf } from './reviews-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

// Anonymous reads stay raw requests: these tests are about the cache's HTTP behaviour (keys that
// normalise query order and trailing slashes, x-cache, ETag, 304, Cache-Control), so `read` keeps
// the raw response and its body as a JSON value.
function anon(tenantId: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, { headers: { 'x-tenant-id': tenantId, ...headers } });
}

async function read(tenantId: string, path: string, headers: Record<string, string> = {}) {
  const res = await anon(tenantId, path, headers);
  const text = await res.text();
  return {
    res,
    status: res.status,
    cache: res.headers.get('x-cache'),
    calls: res.headers.get('x-data-api-calls'),
    body: text ? (JSON.parse(text) as unknown) : null,
  };
}

describe('anonymous product reads', () => {
  it('MISS asks the store once, HIT asks nothing and answers the same body, ETag and Cache-Control', async () => {
    const { tenantId, manager } = await shop();
    const p = await createProduct(manager);
    const first = await read(tenantId, `${PRODUCTS}/${p.slug}`);
    expect(first.status).toBe(200);
    expect(first.cache).toBe('MISS');
    expect(first.calls).toBe('1');
    const second = await read(tenantId, `${PRODUCTS}/${p.slug}`);
    expect(second.cache).toBe('HIT');
    expect(second.calls).toBeNull();
    expect(second.body).toEqual(first.body);
    expect(second.res.headers.get('etag')).toBe(`"${p.version}"`);
    expect(second.res.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=60, stale-while-revalidate=30');
    expect(second.res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(second.res.headers.get('cache-tag')).toBeNull(); // for Cloudflare's purge, not for clients
    expect(Number(second.res.headers.get('age'))).toBeGreaterThanOrEqual(0);
  });

  it('If-None-Match with the ETag is a 304 from the cache; another ETag gets the body', async () => {
    const { tenantId, manager } = await shop();
    const p = await createProduct(manager);
    await read(tenantId, `${PRODUCTS}/${p.id}`);
    const notModified = await read(tenantId, `${PRODUCTS}/${p.id}`, { 'if-none-match': `W/"${p.version}"` });
    expect(notModified.status).toBe(304);
    expect(notModified.cache).toBe('HIT');
    expect(notModified.calls).toBeNull();
    expect(notModified.res.headers.get('etag')).toBe(`"${p.version}"`);
    const changed = await read(tenantId, `${PRODUCTS}/${p.id}`, { 'if-none-match': '"999"' });
    expect(changed.status).toBe(200);
    expect((changed.body as Product).id).toBe(p.id);
  });

  it('lists get a body-hash ETag and 304 too', async () => {
    const { tenantId, manager } = await shop();
    await createProduct(manager);
    const miss = await read(tenantId, `${PRODUCTS}?limit=5`);
    const etag = miss.res.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const hit = await read(tenantId, `${PRODUCTS}?limit=5`, { 'if-none-match': etag! });
    expect(hit.status).toBe(304);
  });

  it('the key is normalized: query order does not matter, tenants never share entries', async () => {
    const { tenantId, manager } = await shop();
    await createProduct(manager, { price: '5.00' });
    const a = await read(tenantId, `${PRODUCTS}?sort=price_asc&limit=7`);
    const b = await read(tenantId, `${PRODUCTS}/?limit=7&sort=price_asc`);
    expect(a.cache).toBe('MISS');
    expect(b.cache).toBe('HIT');
    expect(b.body).toEqual(a.body);
    const other = await shop();
    const c = await read(other.tenantId, `${PRODUCTS}?sort=price_asc&limit=7`);
    expect(c.cache).toBe('MISS');
    expect((c.body as { data: unknown[] }).data).toEqual([]);
    expect(cacheKey('ABC', 'http://x/api/v1/products/?b=2&a=1&a=0')).toBe(
      'https://edge-cache.internal/v1/abc/api/v1/products?a=0&a=1&b=2',
    );
  });

  it('requests with credentials bypass the cache: staff see drafts, nothing they read is shared', async () => {
    const { tenantId, manager, user } = await shop();
    const draft = await createProduct(manager, { status: 'DRAFT', published: false });
    const staff = await send(manager, 'GET', `${PRODUCTS}/${draft.id}`);
    expect(staff.status).toBe(200);
    expect(staff.headers.get('x-cache')).toBe('BYPASS');
    expect(staff.headers.get('cache-control')).toBe('private, no-store');
    expect((await send(manager, 'GET', `${PRODUCTS}/${draft.id}`)).headers.get('x-data-api-calls')).toBe('1');
    expect((await anon(tenantId, `${PRODUCTS}/${draft.id}`)).status).toBe(404); // not served from the staff read
    const signedIn = await send(user, 'GET', `${PRODUCTS}?limit=3`);
    expect(signedIn.headers.get('x-cache')).toBe('BYPASS');
    expect((await anon(tenantId, `${PRODUCTS}?limit=3`)).headers.get('x-cache')).toBe('MISS');
  });

  it('errors are not cached', async () => {
    const { tenantId } = await shop();
    const a = await read(tenantId, `${PRODUCTS}/no-such-product`);
    const b = await read(tenantId, `${PRODUCTS}/no-such-product`);
    expect([a.status, b.status]).toEqual([404, 404]);
    expect(b.cache).toBe('MISS');
    expect(b.calls).not.toBeNull();
  });
});

describe('writes purge what they changed', () => {
  it('a price change purges the product by id and slug and every list, at once', async () => {
    const { tenantId, manager } = await shop();
    const p = await createProduct(manager, { price: '10.00' });
    const paths = [
      `${PRODUCTS}/${p.id}`,
      `${PRODUCTS}/${p.slug}`,
      `${PRODUCTS}?limit=20`,
      `${PRODUCTS}?sort=price_asc`,
    ];
    for (const path of paths) await read(tenantId, path);
    for (const path of paths) expect((await read(tenantId, path)).cache).toBe('HIT');

    expect((await send(manager, 'PUT', `${PRODUCTS}/${p.id}/price`, { body: { price: '12.50' } })).status).toBe(200);
    for (const path of paths) {
      const after = await read(tenantId, path);
      expect(after.cache, path).toBe('MISS');
      const product =
        'data' in (after.body as object) ? (after.body as { data: Product[] }).data[0]! : (after.body as Product);
      expect(product.price).toBe('12.50');
    }
  });

  it('stock changes and deletes purge; another product stays cached', async () => {
    const { tenantId, manager } = await shop();
    const [p, q] = await Promise.all([createProduct(manager), createProduct(manager)]);
    await read(tenantId, `${PRODUCTS}/${p.slug}`);
    await read(tenantId, `${PRODUCTS}/${q.slug}`);
    expect((await send(manager, 'PUT', `${PRODUCTS}/${p.id}/stock`, { body: { delta: -2 } })).status).toBe(200);
    const afterStock = await read(tenantId, `${PRODUCTS}/${p.slug}`);
    expect(afterStock.cache).toBe('MISS');
    expect((afterStock.body as Product).stockQuantity).toBe(3);
    expect((await read(tenantId, `${PRODUCTS}/${q.slug}`)).cache).toBe('HIT');

    expect((await send(manager, 'DELETE', `${PRODUCTS}/${p.id}`)).status).toBe(204);
    expect((await read(tenantId, `${PRODUCTS}/${p.slug}`)).status).toBe(404);
  });

  it('a category rename purges the tree and the products that embed it', async () => {
    const { tenantId, manager } = await shop();
    const category = await createCategory(manager, { name: 'Audio' });
    const p = await createProduct(manager, { categoryId: category.id });
    await read(tenantId, CATEGORIES);
    await read(tenantId, `${PRODUCTS}/${p.slug}`);
    expect((await read(tenantId, CATEGORIES)).cache).toBe('HIT');

    expect((await send(manager, 'PATCH', `${CATEGORIES}/${category.id}`, { body: { name: 'Sound' } })).status).toBe(
      200,
    );
    const tree = await read(tenantId, CATEGORIES);
    expect(tree.cache).toBe('MISS');
    expect((tree.body as { data: { name: string }[] }).data[0]!.name).toBe('Sound');
    const product = await read(tenantId, `${PRODUCTS}/${p.slug}`);
    expect(product.cache).toBe('MISS');
    expect((product.body as Product).category?.name).toBe('Sound');
  });

  it('moderation purges the review list; the rating update purges the product', async () => {
    const { tenantId, manager } = await shop();
    const p = await createProduct(manager);
    const [author, support] = await Promise.all([
      registerUser(tenantId),
      registerUser(tenantId).then((u) => grantRole(u, 'SUPPORT')),
    ]);
    const pending = await postReview(author, p.id, { rating: 4, title: 'Good' });
    const before = await read(tenantId, reviewsOf(p.id));
    expect((before.body as { data: unknown[] }).data).toHaveLength(0);
    expect((await read(tenantId, `${PRODUCTS}/${p.id}`)).body).toMatchObject({ reviewCount: 0 });
    expect((await read(tenantId, reviewsOf(p.id))).cache).toBe('HIT');

    await moderate(support, pending.id, 'APPROVE');
    const after = await read(tenantId, reviewsOf(p.id));
    expect(after.cache).toBe('MISS');
    expect((after.body as { data: unknown[] }).data).toHaveLength(1);
    // The rating-updates consumer recomputes the product and purges it (else it stays cached 60 s).
    await eventually(
      async () => ((await read(tenantId, `${PRODUCTS}/${p.id}`)).body as { reviewCount: number }).reviewCount === 1,
    );
  });

  it("an order's stock reservation (the saga, not HTTP) purges the product by id and slug and the lists", async () => {
    const s = await checkoutShop(5, '20.00');
    const paths = [`${PRODUCTS}/${s.product.id}`, `${PRODUCTS}/${s.product.slug}`, `${PRODUCTS}?limit=5`];
    for (const path of paths) await read(s.tenantId, path);
    for (const path of paths) expect((await read(s.tenantId, path)).cache, path).toBe('HIT');
    const res = await placeOrder(s.user, { lines: lines(s.product, 2) }, { wait: 10 });
    expect((await jsonOf(res, 202)).saga?.status).toBe('COMPLETED');
    for (const path of paths) {
      const after = await read(s.tenantId, path);
      expect(after.cache, path).toBe('MISS');
      const product =
        'data' in (after.body as object) ? (after.body as { data: Product[] }).data[0]! : (after.body as Product);
      expect(product.stockQuantity, path).toBe(3);
    }
  });

  it('a vote on a review purges the list that shows the counts', async () => {
    const tenant = await shop();
    const productId = await insertProduct(stores.mongo(), tenant.tenantId);
    const [author, voter, support] = await Promise.all([
      registerUser(tenant.tenantId),
      registerUser(tenant.tenantId),
      registerUser(tenant.tenantId).then((u) => grantRole(u, 'SUPPORT')),
    ]);
    const r = await postReview(author, productId);
    await moderate(support, r.id, 'APPROVE');
    await read(tenant.tenantId, reviewsOf(productId));
    expect((await read(tenant.tenantId, reviewsOf(productId))).cache).toBe('HIT');
    expect((await as(voter, 'POST', `/api/v1/reviews/${r.id}/helpful`)).status).toBe(200);
    const after = await read(tenant.tenantId, reviewsOf(productId));
    expect(after.cache).toBe('MISS');
    expect((after.body as { data: { helpfulCount: number }[] }).data[0]!.helpfulCount).toBe(1);
  });
});

describe('the middleware itself (its own small app, real caches.default)', () => {
  function counterApp(settings: Record<string, string>) {
    let calls = 0;
    const tenantId = crypto.randomUUID();
    const app = new Hono<AppEnv>();
    app.get('/things/:id', edgeCache({ tags: ({ tenantId: t, param }) => [`t:${t}:thing:${param('id')}`] }), (c) => {
      calls++;
      return c.json({ id: c.req.param('id'), calls });
    });
    const env = {
      EDGE_CACHE_S_MAXAGE: '1',
      EDGE_CACHE_STALE_WHILE_REVALIDATE: '30',
      ...settings,
    } as unknown as AppEnv['Bindings'];
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`http://t${path}`, { headers: { 'x-tenant-id': tenantId, ...headers } }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return { cache: res.headers.get('x-cache'), body: z.looseObject({ calls: z.number() }).parse(await res.json()) };
    };
    return { app, env, tenantId, get, calls: () => calls };
  }

  it('after s-maxage the entry is served STALE once while one background request refills it', async () => {
    const t = counterApp({});
    const previous = serveEdgeCacheRefillsWith((req, env, ctx) => t.app.fetch(req, env, ctx));
    try {
      expect(await t.get('/things/a')).toEqual({ cache: 'MISS', body: { id: 'a', calls: 1 } });
      expect((await t.get('/things/a')).cache).toBe('HIT');
      await new Promise((r) => setTimeout(r, 1300));
      const stale = await t.get('/things/a'); // waitOnExecutionContext waits for the refill
      expect(stale).toEqual({ cache: 'STALE', body: { id: 'a', calls: 1 } });
      expect(t.calls()).toBe(2);
      expect(await t.get('/things/a')).toEqual({ cache: 'HIT', body: { id: 'a', calls: 2 } });
    } finally {
      serveEdgeCacheRefillsWith(previous);
    }
  });

  it('a purged entry is never served, not even stale; other tags are untouched', async () => {
    const t = counterApp({ EDGE_CACHE_S_MAXAGE: '60' });
    await t.get('/things/a');
    await t.get('/things/b');
    await purgeCatalogTags({}, [`t:${t.tenantId}:thing:a`]);
    expect(await t.get('/things/a')).toEqual({ cache: 'MISS', body: { id: 'a', calls: 3 } });
    expect((await t.get('/things/b')).cache).toBe('HIT');
  });

  it('a hot entry is answered from the isolate memo without asking the cache; a purge made elsewhere shows within EDGE_CACHE_MEMO_MS, one made here at once', async () => {
    const t = counterApp({ EDGE_CACHE_S_MAXAGE: '60', EDGE_CACHE_MEMO_MS: '3000' });
    const tag = `t:${t.tenantId}:thing:a`;
    expect((await t.get('/things/a')).cache).toBe('MISS');
    const match = vi.spyOn(caches.default, 'match');
    try {
      expect(await t.get('/things/a')).toEqual({ cache: 'HIT', body: { id: 'a', calls: 1 } });
      expect(match).not.toHaveBeenCalled();
    } finally {
      match.mockRestore();
    }
    // Another isolate (or a Durable Object elsewhere) purges: a new generation this memo has not seen.
    await caches.default.put(generationKey(tag), new Response('purged-elsewhere'));
    expect(await t.get('/things/a')).toEqual({ cache: 'HIT', body: { id: 'a', calls: 1 } });
    await new Promise((r) => setTimeout(r, 3100));
    expect(await t.get('/things/a')).toEqual({ cache: 'MISS', body: { id: 'a', calls: 2 } });
    // This isolate purges: its memo learns the new generation at once.
    expect((await t.get('/things/a')).cache).toBe('HIT');
    await purgeCatalogTags({}, [tag]);
    expect(await t.get('/things/a')).toEqual({ cache: 'MISS', body: { id: 'a', calls: 3 } });
  });

  it('EDGE_CACHE_MEMO_MS=0: every hit asks the cache, so a purge made elsewhere shows at once', async () => {
    const t = counterApp({ EDGE_CACHE_S_MAXAGE: '60', EDGE_CACHE_MEMO_MS: '0' });
    await t.get('/things/a');
    expect((await t.get('/things/a')).cache).toBe('HIT');
    await caches.default.put(generationKey(`t:${t.tenantId}:thing:a`), new Response('purged-elsewhere'));
    expect(await t.get('/things/a')).toEqual({ cache: 'MISS', body: { id: 'a', calls: 2 } });
  });

  it('EDGE_CACHE=off and the bypass token skip the cache', async () => {
    const off = counterApp({ EDGE_CACHE: 'off' });
    await off.get('/things/a');
    expect((await off.get('/things/a')).cache).toBe('BYPASS');
    const token = counterApp({ EDGE_CACHE_BYPASS_TOKEN: 'let-me-through' });
    await token.get('/things/a');
    expect((await token.get('/things/a', { 'x-edge-cache-bypass': 'let-me-through' })).cache).toBe('BYPASS');
    expect((await token.get('/things/a', { 'x-edge-cache-bypass': 'guess' })).cache).toBe('HIT');
  });

  it('If-None-Match compares weakly and accepts lists and *', () => {
    expect(etagMatches('W/"3"', '"3"')).toBe(true);
    expect(etagMatches('"1", "3"', '"3"')).toBe(true);
    expect(etagMatches('*', '"3"')).toBe(true);
    expect(etagMatches('"4"', '"3"')).toBe(false);
    expect(catalogTags.product('t', 'ABC')).toBe('t:t:p:abc');
  });
});

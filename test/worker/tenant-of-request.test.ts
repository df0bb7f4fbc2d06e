/**
 * One tenant-of-request resolution for every route (src/middleware/tenant.ts):
 * credentials > X-Tenant-ID > the tenant whose domain is the Host.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { createProduct, PRODUCTS } from './catalog-helpers.ts';
import { problemOf } from './helpers.ts';
import { createTenant, grantRole, PASSWORD, registerUser } from './identity-helpers.ts';
import { insertProduct, moderate, postReview, reviewsOf } from './reviews-helpers.ts';
import { testStores } from './stores.ts';

/** The ids of a page this file reads raw (its requests are addressed to other hosts, outside the typed client's base URL). */
const Page = z.object({ data: z.array(z.object({ id: z.string() })) });
const idsOf = async (res: Response) => Page.parse(await res.json()).data.map((item) => item.id);

/** A request addressed to `host` (the URL's host; workerd passes no separate Host header). */
function at(host: string, path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://${host}${path}`, init));
}

async function shopWithDomain() {
  const domain = `shop-${crypto.randomUUID().slice(0, 8)}.example.com`;
  const tenantId = await createTenant({ domain });
  const manager = await grantRole(await registerUser(tenantId), 'MANAGER');
  const product = await createProduct(manager, { name: 'Domain Lamp' });
  return { domain, tenantId, manager, product };
}

describe('tenant of a request', () => {
  it('anonymous catalog reads on a tenant domain see that tenant (products, one product, categories)', async () => {
    const { domain, product } = await shopWithDomain();
    const list = await at(domain, PRODUCTS);
    expect(list.status).toBe(200);
    expect(await idsOf(list)).toEqual([product.id]);
    expect((await at(domain, `${PRODUCTS}/${product.slug}`)).status).toBe(200);
    expect((await at(domain.toUpperCase(), `${PRODUCTS}/${product.id}`)).status).toBe(200);
    expect((await at(domain, '/api/v1/categories')).status).toBe(200);
  });

  it('anonymous catalog reads through a tenant domain are edge-cached: the same entry as X-Tenant-ID, a hit asks no store', async () => {
    const { domain, tenantId, product } = await shopWithDomain();
    const path = `${PRODUCTS}/${product.id}`;
    expect((await at(domain, path)).headers.get('x-cache')).toBe('MISS');
    const hit = await at(domain, path);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(hit.headers.get('x-data-api-calls')).toBeNull();
    const named = await at('localhost', path, { headers: { 'x-tenant-id': tenantId } });
    expect(named.headers.get('x-cache')).toBe('HIT');
    const unknown = await at(`nobody-${crypto.randomUUID().slice(0, 8)}.example.com`, path);
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-cache')).toBe('BYPASS');
  });

  it('resolves the tenant once per request: one Host lookup on an edge-cache miss, then none (remembered per isolate)', async () => {
    const { domain, product } = await shopWithDomain();
    const lookups = (res: Response) => /tenant-lookups=(\d+)/.exec(res.headers.get('x-round-trips') ?? '')?.[1];
    // A cache miss through the domain: the route's access declaration looks the Host up, and the
    // edge cache, the handler and the service read that one answer (before: a lookup in each).
    const miss = await at(domain, `${PRODUCTS}/${product.id}?fields=name`);
    expect(miss.headers.get('x-cache')).toBe('MISS');
    expect(lookups(miss)).toBe('1');
    const again = await at(domain, `${PRODUCTS}?limit=5`);
    expect(again.status).toBe(200);
    expect(lookups(again)).toBe('0');
    // With credentials or a named tenant the Host is never looked up.
    const named = await at(`other-${crypto.randomUUID().slice(0, 8)}.example.com`, '/api/v1/categories', {
      headers: { 'x-tenant-id': crypto.randomUUID() },
    });
    expect(lookups(named)).toBe('0');
    // Routes that act in no tenant do not look the Host up either.
    expect(lookups(await at(`none-${crypto.randomUUID().slice(0, 8)}.example.com`, '/api/v1/health'))).toBe('0');
  });

  it('anonymous review reads on a tenant domain', async () => {
    const domain = `rev-${crypto.randomUUID().slice(0, 8)}.example.com`;
    const tenantId = await createTenant({ domain });
    const stores = testStores();
    try {
      const productId = await insertProduct(stores.mongo(), tenantId);
      const [author, support] = await Promise.all([
        registerUser(tenantId),
        registerUser(tenantId).then((u) => grantRole(u, 'SUPPORT')),
      ]);
      const created = await postReview(author, productId, { rating: 4, title: 'Fine', comment: 'Works as described.' });
      await moderate(support, created.id, 'APPROVE');
      const res = await at(domain, reviewsOf(productId));
      expect(res.status).toBe(200);
      expect(await idsOf(res)).toEqual([created.id]);
      expect((await at(domain, `/api/v1/reviews/${created.id}`)).status).toBe(200);
    } finally {
      await stores.close();
    }
  });

  it('login and registration resolve the Host the same way', async () => {
    const { domain, manager } = await shopWithDomain();
    const res = await at(domain, '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: manager.email, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
  });

  it('X-Tenant-ID beats the Host; credentials beat both', async () => {
    const a = await shopWithDomain();
    const b = await shopWithDomain();
    const byHeader = await at(a.domain, PRODUCTS, { headers: { 'x-tenant-id': b.tenantId } });
    expect(await idsOf(byHeader)).toEqual([b.product.id]);
    const byToken = await at(a.domain, PRODUCTS, {
      headers: { 'x-tenant-id': a.tenantId, authorization: `Bearer ${b.manager.accessToken}` },
    });
    expect(await idsOf(byToken)).toEqual([b.product.id]);
  });

  it('no credentials, no header, unknown host: 400 naming header.x-tenant-id; a malformed header: 400', async () => {
    for (const path of [PRODUCTS, '/api/v1/categories', reviewsOf('507f1f77bcf86cd799439011')]) {
      const res = await at(`nobody-${crypto.randomUUID().slice(0, 8)}.example.com`, path);
      expect(res.status).toBe(400);
      expect((await problemOf(res)).errors?.[0]?.field).toBe('header.x-tenant-id');
      const bad = await at('localhost', path, { headers: { 'x-tenant-id': 'not-a-uuid' } });
      expect(bad.status).toBe(400);
      expect((await problemOf(bad)).errors?.[0]?.field).toBe('header.x-tenant-id');
    }
  });
});

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { roundTripsOf, type StoreUsage } from '../../src/db/stores.ts';
import {
  ADDRESS,
  apiAs,
  call,
  createCategory,
  createProduct,
  createPromotion,
  createReview,
  jsonOf,
  lines,
  placeOrder as order,
  paymentOfOrder,
  placeAndSettle,
  platformAdmin,
  tenantAdmin,
  type PlacedOrder,
  type Product,
  type ResponseLike,
  type TestUser,
} from '../fixtures/index.ts';
import { PRODUCTS, send } from './catalog-helpers.ts';

/**
 * Round trips to the stores per request, per route: PostgreSQL connection setups (2 each: the
 * WebSocket upgrade and the startup message), PostgreSQL messages that wait for an answer,
 * requests over PostgreSQL's HTTP path (src/db/pg/http.ts), Data API calls and payment provider calls on the request's critical path, as the Worker counts them
 * in its access log and, for tests, in `x-round-trips` (src/middleware/request-context.ts).
 * Every round trip costs the edge-to-origin RTT (20-250 ms) in production; these budgets hold
 * the count against regressions, the way checkout-orders.test.ts holds the saga's per step.
 *
 * 1. Every operation of the OpenAPI document has a budget here (a new route fails the test until
 *    it has one), and one request to it stays within it. The request is the one the sweep can
 *    make: real ids of this test's fixtures for reads, the route's usual body for the common
 *    writes, an empty body (a 4xx that still resolves the tenant and the caller) for the rest,
 *    and unknown ids for deletions; the status is part of the key so a budget is read for what
 *    it measured.
 * 2. The requests of the latency targets (issue #17) on their success path, with exact counts.
 */
const TRIPS = 'x-round-trips';

/** The part of the OpenAPI document the sweep reads (/openapi.json is outside AppType). */
const Doc = z.object({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) });

function tripsOf(res: ResponseLike): number {
  const header = res.headers.get(TRIPS);
  if (header === null) throw new Error(`no ${TRIPS} header (TEST_ROUND_TRIPS_HEADER unset?)`);
  return Number.parseInt(header, 10);
}

/** Budget per `METHOD path` (the OpenAPI path, prefix included), with the status the sweep's request gets. */
const BUDGETS: Record<string, number> = {
  'GET /api/v1/health': 4, // 200
  'GET /api/v1/.well-known/jwks.json': 0, // 200
  'POST /api/v1/auth/register': 0, // 400
  'POST /api/v1/auth/login': 2, // 200
  'POST /api/v1/auth/login/2fa': 0, // 400
  'POST /api/v1/auth/invitations/accept': 0, // 400
  'POST /api/v1/auth/refresh': 0, // 400
  'POST /api/v1/auth/logout': 0, // 400
  'GET /api/v1/auth/me': 1, // 200
  'POST /api/v1/auth/api-keys': 0, // 400
  'GET /api/v1/auth/api-keys': 1, // 200
  'POST /api/v1/auth/2fa/setup': 1, // 200
  'POST /api/v1/auth/2fa/enable': 0, // 400
  'POST /api/v1/auth/2fa/disable': 0, // 400
  'POST /api/v1/auth/oauth/{provider}': 0, // 400
  'GET /api/v1/admin/tenants': 1, // 200
  'POST /api/v1/admin/tenants': 0, // 400
  'GET /api/v1/admin/tenants/{id}': 1, // 200
  'PATCH /api/v1/admin/tenants/{id}': 0, // 400
  'GET /api/v1/admin/users': 1, // 200
  'GET /api/v1/admin/users/{id}': 1, // 404
  'POST /api/v1/admin/users/{id}/lock': 1, // 404
  'POST /api/v1/admin/users/{id}/unlock': 1, // 404
  'POST /api/v1/admin/users/{id}/suspend': 1, // 404
  'POST /api/v1/admin/users/{id}/activate': 1, // 404
  'PUT /api/v1/admin/users/{id}/roles': 0, // 400
  'GET /api/v1/admin/tenants/{tenantId}/users': 2, // 200
  'GET /api/v1/admin/tenants/{tenantId}/users/{id}': 2, // 200
  'POST /api/v1/admin/tenants/{tenantId}/users/{id}/lock': 1, // 409
  'POST /api/v1/admin/tenants/{tenantId}/users/{id}/unlock': 1, // 200
  'POST /api/v1/admin/tenants/{tenantId}/users/{id}/suspend': 1, // 409
  'POST /api/v1/admin/tenants/{tenantId}/users/{id}/activate': 1, // 200
  'PUT /api/v1/admin/tenants/{tenantId}/users/{id}/roles': 0, // 400
  'POST /api/v1/admin/tenants/{tenantId}/invitations': 0, // 400
  'GET /api/v1/admin/tenants/{tenantId}/audit': 2, // 200
  'GET /api/v1/admin/roles': 1, // 200
  'PUT /api/v1/admin/roles/{name}/permissions': 0, // 400
  'GET /api/v1/admin/permissions': 1, // 200
  'POST /api/v1/admin/permissions': 0, // 400
  'GET /api/v1/users/me/profile': 1, // 200
  'PATCH /api/v1/users/me/profile': 1, // 200
  'GET /api/v1/users/me/addresses': 1, // 200
  'POST /api/v1/users/me/addresses': 1, // 201
  'GET /api/v1/users/me/addresses/{id}': 1, // 200
  'PATCH /api/v1/users/me/addresses/{id}': 1, // 200
  'POST /api/v1/users/me/addresses/{id}/default': 1, // 200
  'GET /api/v1/users/me/preferences': 1, // 200
  'PUT /api/v1/users/me/preferences': 0, // 400
  'GET /api/v1/products': 1, // 200
  'POST /api/v1/products': 1, // 201: one insertOne (the event rides in the document's outbox)
  'GET /api/v1/products/{idOrSlug}': 1, // 200
  'PATCH /api/v1/products/{id}': 0, // 400
  'PUT /api/v1/products/{id}/price': 0, // 400
  'PUT /api/v1/products/{id}/stock': 0, // 400
  'GET /api/v1/products/{id}/events': 4, // 200
  'POST /api/v1/products/{id}/rebuild': 2, // 404
  'GET /api/v1/categories': 1, // 200
  'POST /api/v1/categories': 0, // 400
  'GET /api/v1/categories/{slug}': 2, // 200
  'PATCH /api/v1/categories/{id}': 0, // 400
  'POST /api/v1/categories/recount': 3, // 200
  'GET /api/v1/products/{id}/reviews': 3, // 200
  // A second review: the product, the two PostgreSQL reads, then the insert the unique index refuses
  // and the read of the first review's id (a first review no longer reads before its insert: 4).
  'POST /api/v1/products/{id}/reviews': 5, // 409
  'GET /api/v1/reviews': 1, // 200
  'GET /api/v1/reviews/{id}': 1, // 200
  'PATCH /api/v1/reviews/{id}': 1, // 400
  'POST /api/v1/reviews/{id}/moderate': 1, // 400
  'POST /api/v1/reviews/{id}/response': 1, // 400
  'POST /api/v1/reviews/{id}/helpful': 2, // 403
  'POST /api/v1/reviews/{id}/unhelpful': 2, // 403
  'POST /api/v1/reviews/{id}/report': 1, // 400
  'POST /api/v1/orders': 2, // 202
  'GET /api/v1/orders': 1, // 200
  'GET /api/v1/orders/{id}': 1, // 200
  'GET /api/v1/orders/{id}/saga': 1, // 200
  'POST /api/v1/orders/{id}/cancel': 1, // 404
  'PATCH /api/v1/orders/{id}/status': 0, // 400
  'GET /api/v1/payments/{id}': 1, // 200
  'GET /api/v1/orders/{id}/payment': 1, // 200
  'POST /api/v1/payments/{id}/refunds': 0, // 400
  'POST /api/v1/payments/webhooks/{provider}': 0, // 400
  'GET /api/v1/notifications': 1, // 200
  'GET /api/v1/notifications/unread-count': 1, // 200
  'POST /api/v1/notifications/read-all': 1, // 200
  'POST /api/v1/notifications/{id}/read': 2, // 404
  'POST /api/v1/notifications/stream/ticket': 1, // 201
  'GET /api/v1/notifications/stream': 0, // 426
  'POST /api/v1/users/me/push-subscriptions': 0, // 400
  'GET /api/v1/users/me/push-subscriptions': 1, // 200
  'GET /api/v1/admin/notification-templates': 1, // 200
  'GET /api/v1/admin/notification-templates/{type}/{channel}/{locale}': 1, // 404
  'PUT /api/v1/admin/notification-templates/{type}/{channel}/{locale}': 0, // 400
  'POST /api/v1/admin/notification-templates/preview': 0, // 400
  'GET /.well-known/jwks.json': 0, // 200
  'POST /api/v1/promotions': 0, // 400
  'GET /api/v1/promotions': 1, // 200
  'GET /api/v1/promotions/{id}': 0, // 400
  'PATCH /api/v1/promotions/{id}': 0, // 400
  'GET /api/v1/promotions/{id}/redemptions': 0, // 400
  // A cart lives in its Durable Object: no store on any edit (carts.test.ts counts a real cart's).
  'POST /api/v1/carts': 0, // 201
  'GET /api/v1/carts/{id}': 0, // 400
  'POST /api/v1/carts/{id}/lines': 0, // 400
  'PATCH /api/v1/carts/{id}/lines': 0, // 400
  'PUT /api/v1/carts/{id}/shipping-address': 0, // 400
  'PUT /api/v1/carts/{id}/promotion-code': 0, // 400
  'POST /api/v1/carts/{id}/merge': 0, // 400
  'POST /api/v1/carts/{id}/checkout': 0, // 400
  'DELETE /api/v1/auth/api-keys/{id}': 1, // 404
  'DELETE /api/v1/admin/tenants/{id}': 1, // 404
  'DELETE /api/v1/admin/users/{id}': 1, // 404
  'DELETE /api/v1/admin/tenants/{tenantId}/users/{id}': 1, // 404
  'DELETE /api/v1/users/me/addresses/{id}': 1, // 404
  'DELETE /api/v1/products/{id}': 3, // 404
  'DELETE /api/v1/categories/{id}': 0, // 400
  'DELETE /api/v1/reviews/{id}': 2, // 404
  'DELETE /api/v1/notifications/{id}': 1, // 404
  'DELETE /api/v1/users/me/push-subscriptions/{id}': 1, // 404
  'DELETE /api/v1/admin/notification-templates/{type}/{channel}/{locale}': 1, // 404
  'DELETE /api/v1/promotions/{id}': 0, // 428
  'DELETE /api/v1/carts/{id}/lines': 0, // 400
};

interface Fixtures {
  admin: TestUser;
  platform: TestUser;
  product: Product;
  order: PlacedOrder;
  paymentId: string;
  addressId: string;
  reviewId: string;
  category: { id: string; slug: string };
  apiKeyId: string;
}

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
const UNKNOWN_OBJECT_ID = '0123456789abcdef01234567';

/** A concrete URL for the sweep: the fixture each parameter names, unknown ids for deletions. */
function concrete(method: string, path: string, f: Fixtures): string {
  const destructive = method === 'DELETE' || path.endsWith('/cancel') || path.endsWith('/rebuild');
  const id = (): string => {
    if (destructive)
      return /\/(products|reviews|notifications|push-subscriptions)\//.test(path) ? UNKNOWN_OBJECT_ID : UNKNOWN_UUID;
    if (path.startsWith('/api/v1/products/') || path.startsWith('/api/v1/products/{id}')) return f.product.id;
    if (path.startsWith('/api/v1/orders/')) return f.order.order.id;
    if (path.startsWith('/api/v1/payments/')) return f.paymentId;
    if (path.startsWith('/api/v1/reviews/')) return f.reviewId;
    if (path.startsWith('/api/v1/users/me/addresses/')) return f.addressId;
    if (path.startsWith('/api/v1/categories/')) return f.category.id;
    if (path.startsWith('/api/v1/auth/api-keys/')) return f.apiKeyId;
    if (path.startsWith('/api/v1/admin/users/') || path.startsWith('/api/v1/admin/tenants/{tenantId}/users/'))
      return f.admin.id;
    if (path.startsWith('/api/v1/admin/tenants/')) return f.admin.tenantId;
    return UNKNOWN_OBJECT_ID;
  };
  return path
    .replace('{idOrSlug}', f.product.slug)
    .replace('{slug}', f.category.slug)
    .replace('{tenantId}', destructive ? UNKNOWN_UUID : f.admin.tenantId)
    .replace('{provider}', 'test')
    .replace('{type}', 'ORDER_CONFIRMATION')
    .replace('{channel}', 'EMAIL')
    .replace('{locale}', 'en')
    .replace('{name}', 'SUPPORT')
    .replace('{id}', id());
}

/** The usual body of the common writes; `{}` for the rest. */
function bodyOf(method: string, path: string, f: Fixtures): unknown {
  if (method === 'GET' || method === 'DELETE') return undefined;
  const bodies: Record<string, unknown> = {
    'PATCH /api/v1/users/me/profile': { bio: 'sweep' },
    'POST /api/v1/users/me/addresses': { type: 'SHIPPING', ...ADDRESS },
    'PATCH /api/v1/users/me/addresses/{id}': { city: 'Shelbyville' },
    'PUT /api/v1/users/me/preferences': { language: 'en' },
    'POST /api/v1/products': { name: `Sweep ${crypto.randomUUID().slice(0, 8)}`, price: '3.00', stockQuantity: 1 },
    'POST /api/v1/products/{id}/reviews': { rating: 4, title: 'Sweep' },
    'POST /api/v1/orders': {
      lines: lines(f.product),
      shippingAddress: ADDRESS,
      paymentMethod: { type: 'card', token: 'pm_test_success' },
    },
    'POST /api/v1/auth/login': { login: f.admin.email, password: f.admin.password },
  };
  return bodies[`${method} ${path}`] ?? {};
}

async function fixtures(): Promise<Fixtures> {
  const [admin, platform] = await Promise.all([tenantAdmin(), platformAdmin()]);
  const product = await createProduct(admin, { stockQuantity: 100, sku: `SKU-${crypto.randomUUID().slice(0, 8)}` });
  const placed = await placeAndSettle(admin, { lines: lines(product) });
  const as = apiAs(admin);
  const payment = await paymentOfOrder(admin, placed.order.id);
  const address = await jsonOf(await as.users.me.addresses.$post({ json: { type: 'SHIPPING', ...ADDRESS } }), 201);
  const review = await createReview(admin, product.id, { rating: 5, title: 'Fixture' });
  const slug = `c-${crypto.randomUUID().slice(0, 8)}`;
  const category = await createCategory(admin, { name: slug, slug });
  const key = await jsonOf(await as.auth['api-keys'].$post({ json: { name: 'sweep', scopes: ['read:profile'] } }), 201);
  return {
    admin,
    platform,
    product,
    order: placed,
    paymentId: payment.id,
    addressId: address.id,
    reviewId: review.id,
    category,
    apiKeyId: key.apiKey.id, // (the old hand-typed read took `id` from the top level: undefined)
  };
}

describe('round trips per request', () => {
  it('every route of the OpenAPI document has a budget, and a request to it stays within it', async () => {
    const doc = Doc.parse(await (await call('/openapi.json')).json());
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })),
    );
    expect(ops.length).toBeGreaterThan(50);
    const f = await fixtures();
    const measured: string[] = [];
    const over: string[] = [];
    // Deletions last: they run on unknown ids, but the order keeps a sweep from depending on them.
    const ordered = [...ops.filter((o) => o.method !== 'DELETE'), ...ops.filter((o) => o.method === 'DELETE')];
    for (const { method, path } of ordered) {
      const user = path.startsWith('/api/v1/admin/') ? f.platform : f.admin;
      const body = bodyOf(method, path, f);
      const headers: Record<string, string> = { authorization: `Bearer ${user.accessToken}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (method === 'POST' && path === '/api/v1/orders') headers['idempotency-key'] = crypto.randomUUID();
      // Raw on purpose: the sweep walks every operation of the OpenAPI document, with bodies it builds.
      const res = await call(concrete(method, path, f), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      await res.body?.cancel();
      const key = `${method} ${path}`;
      // Routes outside the request pipeline's stores (docs, the JWKS) may answer without the header.
      const trips = res.headers.has(TRIPS) ? tripsOf(res) : 0;
      expect(res.status, key).toBeLessThan(500);
      measured.push(`${key} -> ${res.status}: ${trips} (${res.headers.get(TRIPS) ?? 'no header'})`);
      if (trips > BUDGETS[key]!) over.push(`${key} -> ${res.status}: ${trips} > ${BUDGETS[key]}`);
    }
    console.log(`round trips per route:\n${measured.join('\n')}`);
    expect(ops.map((o) => `${o.method} ${o.path}`).sort()).toEqual(Object.keys(BUDGETS).sort());
    expect(over).toEqual([]);
  }, 120_000);

  /**
   * The requests of issue #17's table, on their success path: what they cost today (the budget)
   * and the target, so the gap is in plain sight. `Prefer: wait` counts the saga's round trips
   * too (its log records each step's and mirror's), which run on that request's path.
   */
  it('the requests of the latency targets, on their success path', async () => {
    const admin = await tenantAdmin();
    const product = await createProduct(admin, { stockQuantity: 100, sku: `SKU-${crypto.randomUUID().slice(0, 8)}` });
    const anonymous = { headers: { 'x-tenant-id': admin.tenantId } };
    const costs: Record<string, { trips: number; budget: number; target: number; header: string | null }> = {};
    const hold = (name: string, res: ResponseLike, budget: number, target: number, extra = 0) => {
      costs[name] = { trips: tripsOf(res) + extra, budget, target, header: res.headers.get(TRIPS) };
    };

    const miss = await call(`${PRODUCTS}/${product.slug}`, anonymous);
    expect(miss.headers.get('x-cache')).toBe('MISS');
    hold('uncached product by slug', miss, 1, 1);
    const hit = await call(`${PRODUCTS}/${product.slug}`, anonymous);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    hold('cached anonymous catalog read', hit, 0, 0);

    const as = apiAs(admin);
    const me = await as.auth.me.$get();
    expect(me.status).toBe(200);
    hold('GET /auth/me (Bearer)', me, 1, 1);
    const created = await as.auth['api-keys'].$post({ json: { name: 'budget', scopes: ['read:profile'] } });
    const withKey = await apiAs({ apiKey: (await jsonOf(created, 201)).key }).auth.me.$get();
    expect(withKey.status).toBe(200);
    hold('GET /auth/me (X-API-Key)', withKey, 2, 2); // the key's statement, then the read
    const reads: [string, ResponseLike][] = [
      ['/api/v1/users/me/profile', await as.users.me.profile.$get()],
      ['/api/v1/users/me/addresses', await as.users.me.addresses.$get()],
      ['/api/v1/orders', await as.orders.$get({ query: {} })],
    ];
    for (const [path, res] of reads) {
      expect(res.status, path).toBe(200);
      hold(`GET ${path}`, res, 1, 1);
    }
    const login = await apiAs({ tenantId: admin.tenantId }).auth.login.$post({
      header: {},
      json: { login: admin.email, password: admin.password },
    });
    expect(login.status).toBe(200);
    hold('POST /auth/login', login, 2, 2);
    const patch = await as.users.me.profile.$patch({ json: { bio: 'budget' } });
    expect(patch.status).toBe(200);
    hold('PATCH /users/me/profile', patch, 1, 2);
    const address = await as.users.me.addresses.$post({ json: { type: 'SHIPPING', ...ADDRESS } });
    expect(address.status).toBe(201);
    hold('POST /users/me/addresses', address, 1, 2);

    const madeProduct = await apiAs(admin).products.$post({
      header: {},
      json: { name: `Budget ${crypto.randomUUID().slice(0, 8)}`, price: '3.00', stockQuantity: 1 },
    });
    expect(madeProduct.status).toBe(201);
    hold('POST /products', madeProduct, 1, 2);
    const made = await jsonOf(madeProduct, 201);
    const patched = await send(admin, 'PATCH', `${PRODUCTS}/${made.id}`, {
      body: { name: `${made.name} 2` },
      headers: { 'if-match': madeProduct.headers.get('etag')! },
    });
    expect(patched.status).toBe(200);
    hold('PATCH /products/{id}', patched, 2, 2);
    const reviewed = await send(admin, 'POST', `${PRODUCTS}/${made.id}/reviews`, {
      body: { rating: 4, title: 'Budget' },
    });
    expect(reviewed.status).toBe(201);
    hold('POST /products/{id}/reviews', reviewed, 2, 2); // the product, the author, a purchase side by side; the insert

    const accepted = await order(admin, { lines: lines(product) });
    expect(accepted.status).toBe(202);
    hold('POST /orders -> 202', accepted, 2, 3);
    const promotion = await createPromotion(admin, { usageLimit: 5, perCustomerLimit: 2 });
    const discounted = await order(admin, { lines: lines(product), promotionCode: promotion.code });
    expect(discounted.status).toBe(202);
    hold('POST /orders with a promotion code -> 202', discounted, 2, 3); // prices beside the code's read; the write
    const waited = await order(admin, { lines: lines(product) }, { wait: 10 });
    const placed = await jsonOf(waited, 202);
    expect(placed.order.status).toBe('CONFIRMED');
    const history = await env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(placed.order.id)).history();
    const saga = history.reduce(
      (sum, h) => sum + (h.event.usage ? roundTripsOf(h.event.usage as unknown as StoreUsage) : 0),
      0,
    );
    hold('POST /orders, Prefer: wait -> CONFIRMED (request + saga)', waited, 7, 10, saga);

    console.log(
      'round trips of the latency targets:\n' +
        Object.entries(costs)
          .map(([name, c]) => `${name}: ${c.trips} (budget ${c.budget}, target ${c.target}; ${c.header})`)
          .join('\n'),
    );
    for (const [name, c] of Object.entries(costs)) {
      expect(c.trips, name).toBeLessThanOrEqual(c.budget);
      expect(c.trips, `${name}: the issue's target`).toBeLessThanOrEqual(c.target);
    }
  }, 60_000);
});

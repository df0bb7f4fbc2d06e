/**
 * Cart edits against a running API (used by `npm run bench`), beside the catalog read they are
 * compared with, in the same run: `GET /products/{slug}` (anonymous, edge cache warm), `POST
 * /carts/{id}/lines` (add a line: the cart's Durable Object plus a read of the edge cache) and
 * `GET /carts/{id}` (a cart of PRODUCTS lines, each estimate read from the edge cache). Every
 * product is read once first, as a storefront's product pages would, so no row asks a store.
 * Adds rotate over PRODUCTS products and one anonymous cart per connection (quantity 1 each),
 * so no line reaches the per-product cap during a run.
 */
import autocannon from 'autocannon';

export interface CartBenchRow {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

const PRODUCTS = 20;

export async function benchCarts(
  baseUrl: string,
  login: { tenantId: string; email: string; password: string },
  opts: { connections: number; durationSec: number },
): Promise<CartBenchRow[]> {
  const tenant = { 'x-tenant-id': login.tenantId };
  const json = { 'content-type': 'application/json', ...tenant };
  const session = (await (
    await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ login: login.email, password: login.password }),
    })
  ).json()) as { tokens: { accessToken: string } };
  const staff = { ...json, authorization: `Bearer ${session.tokens.accessToken}` };
  const products: Array<{ id: string; slug: string }> = [];
  for (let i = 0; i < PRODUCTS; i++) {
    const res = await fetch(`${baseUrl}/api/v1/products`, {
      method: 'POST',
      headers: staff,
      body: JSON.stringify({
        name: `Cart bench item ${Date.now()}-${i}`,
        price: '4.25',
        stockQuantity: 1000,
        status: 'ACTIVE',
        published: true,
      }),
    });
    products.push((await res.json()) as { id: string; slug: string });
  }
  // What a storefront's product pages do first: the edge cache now holds every product.
  for (const p of products) {
    await (await fetch(`${baseUrl}/api/v1/products/${p.id}`, { headers: tenant })).arrayBuffer();
    await (await fetch(`${baseUrl}/api/v1/products/${p.slug}`, { headers: tenant })).arrayBuffer();
  }
  const carts: Array<{ id: string; token: string }> = [];
  for (let i = 0; i < opts.connections; i++) {
    const created = (await (await fetch(`${baseUrl}/api/v1/carts`, { method: 'POST', headers: tenant })).json()) as {
      cart: { id: string };
      cartToken: string;
    };
    carts.push({ id: created.cart.id, token: created.cartToken });
  }
  // The cart GET /carts/{id} reads: one line per product.
  const shown = carts[0]!;
  for (const p of products) {
    await fetch(`${baseUrl}/api/v1/carts/${shown.id}/lines`, {
      method: 'POST',
      headers: { ...json, 'x-cart-token': shown.token },
      body: JSON.stringify({ productId: p.id, quantity: 1 }),
    });
  }

  // Each scenario's request answers 200 before it is loaded (a row of errors measures nothing).
  const probe = await fetch(`${baseUrl}/api/v1/carts/${shown.id}`, {
    headers: { ...tenant, 'x-cart-token': shown.token },
  });
  const shownCart = (await probe.json()) as { lines?: unknown[] };
  if (probe.status !== 200 || shownCart.lines?.length !== PRODUCTS)
    throw new Error(`bench-carts: GET /carts/{id} answered ${probe.status} with ${shownCart.lines?.length} lines`);

  const run = async (scenario: string, options: autocannon.Options): Promise<CartBenchRow> => {
    const r = await autocannon({ duration: opts.durationSec, connections: opts.connections, ...options });
    return {
      scenario,
      rps: Math.round(r.requests.average),
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx + r.errors + r.timeouts,
    };
  };
  let n = 0;
  return [
    await run('GET /products/{slug} (anonymous, edge cache warm)', {
      url: `${baseUrl}/api/v1/products/${products[0]!.slug}`,
      headers: tenant,
    }),
    await run('POST /carts/{id}/lines (add a line, anonymous cart)', {
      url: `${baseUrl}/api/v1/carts`,
      method: 'POST',
      headers: json,
      requests: [
        {
          setupRequest: (req) => {
            const i = n++;
            const cart = carts[i % carts.length]!;
            const product = products[Math.floor(i / carts.length) % products.length]!;
            return {
              ...req,
              path: `/api/v1/carts/${cart.id}/lines`,
              headers: { ...json, 'x-cart-token': cart.token },
              body: JSON.stringify({ productId: product.id, quantity: 1 }),
            };
          },
        },
      ],
    }),
    await run(`GET /carts/{id} (${PRODUCTS} lines)`, {
      url: `${baseUrl}/api/v1/carts/${shown.id}`,
      headers: { ...tenant, 'x-cart-token': shown.token },
    }),
  ];
}

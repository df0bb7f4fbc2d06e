/**
 * Checkout under load, against a running API (used by `npm run bench`): the seeded
 * ADMIN creates one product with plenty of stock, then `connections` clients place
 * orders for `durationSec` seconds, each with `Prefer: wait=10`, so a request's latency
 * is the time from `POST /orders` to the order CONFIRMED (or compensated).
 */
export interface CheckoutBench {
  orders: number;
  confirmed: number;
  ordersPerSecond: number;
  p50: number;
  p99: number;
  failures: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export async function benchCheckout(
  baseUrl: string,
  login: { tenantId: string; email: string; password: string },
  opts: { connections: number; durationSec: number },
): Promise<CheckoutBench> {
  const json = { 'content-type': 'application/json', 'x-tenant-id': login.tenantId };
  // The login scenario before this one leaves the account rate limited for up to a minute: wait it out.
  let res: Response;
  for (let attempt = 0; ; attempt++) {
    res = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ login: login.email, password: login.password }),
    });
    if (res.status !== 429 || attempt >= 3) break;
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 20)));
  }
  if (!res.ok) throw new Error(`bench-checkout: login answered ${res.status} ${await res.text()}`);
  const session = (await res.json()) as { tokens: { accessToken: string } };
  const auth = { ...json, authorization: `Bearer ${session.tokens.accessToken}` };
  const product = (await (
    await fetch(`${baseUrl}/api/v1/products`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: `Bench item ${Date.now()}`,
        price: '12.50',
        stockQuantity: 1_000_000,
        status: 'ACTIVE',
        published: true,
      }),
    })
  ).json()) as { id: string };
  const body = JSON.stringify({
    lines: [{ productId: product.id, quantity: 1 }],
    shippingAddress: { street: '1 Bench Way', city: 'Springfield', state: 'IL', zipCode: '62701', country: 'US' },
    paymentMethod: { type: 'card', token: 'pm_test_success' },
  });

  const latencies: number[] = [];
  let confirmed = 0;
  let failures = 0;
  const deadline = Date.now() + opts.durationSec * 1000;
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        const res = await fetch(`${baseUrl}/api/v1/orders`, {
          method: 'POST',
          headers: { ...auth, 'idempotency-key': crypto.randomUUID(), prefer: 'wait=10' },
          body,
        }).catch(() => null);
        const placed = res?.status === 202 ? ((await res.json()) as { order: { status: string } }) : null;
        latencies.push(performance.now() - started);
        if (placed?.order.status === 'CONFIRMED') confirmed++;
        else failures++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    orders: latencies.length,
    confirmed,
    ordersPerSecond: Math.round((confirmed / opts.durationSec) * 10) / 10,
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    failures,
  };
}

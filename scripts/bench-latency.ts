/**
 * Latency per route, one client at a time (used by `npm run bench` at each BENCH_RTT_MS): what a
 * single user waits for, with the round trips the Worker reports for the request
 * (`x-round-trips`, sent because the bench sets TEST_ROUND_TRIPS_HEADER). Sequential on purpose:
 * concurrency on a 2-core machine adds queueing that no round-trip model explains.
 *
 * The model checked beside each row: latency ≈ round trips × RTT + Worker time, where Worker
 * time is the same route's p50 at RTT 0 (the caller passes it in).
 */
export interface RouteLatency {
  route: string;
  samples: number;
  p50: number;
  p99: number;
  /** Round trips of the request as the Worker counted them (median over the samples). */
  roundTrips: number | undefined;
  /** Detail of the median sample's count (`pg-connect=1; pg=2; ...`). */
  detail: string;
  failures: number;
}

export interface LatencyTarget {
  baseUrl: string;
  tenantId: string;
  /** Credentials of the seeded admin. */
  email: string;
  password: string;
  /** An access token of that admin (logins are rate limited: the bench logs in once per RTT). */
  accessToken: string;
  bypassToken: string;
  samples: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

interface Sample {
  ms: number;
  ok: boolean;
  roundTrips?: string;
}

async function measure(
  route: string,
  samples: number,
  call: (i: number) => Promise<Response>,
  ok: (res: Response, body: unknown) => boolean,
): Promise<RouteLatency> {
  const results: Sample[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const res = await call(i).catch(() => null);
    const body = res ? await res.json().catch(() => null) : null;
    const ms = performance.now() - started;
    results.push({ ms, ok: res !== null && ok(res, body), roundTrips: res?.headers.get('x-round-trips') ?? undefined });
  }
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  const counts = results
    .map((r) => r.roundTrips)
    .filter((r): r is string => r !== undefined)
    .sort((a, b) => Number.parseInt(a) - Number.parseInt(b));
  const median = counts[Math.floor(counts.length / 2)];
  return {
    route,
    samples,
    p50: Math.round(percentile(times, 50)),
    p99: Math.round(percentile(times, 99)),
    roundTrips: median === undefined ? undefined : Number.parseInt(median),
    detail: median?.split(';').slice(1).join(';').trim() ?? '',
    failures: results.filter((r) => !r.ok).length,
  };
}

export async function benchRouteLatency(t: LatencyTarget): Promise<RouteLatency[]> {
  const json = { 'content-type': 'application/json', 'x-tenant-id': t.tenantId };
  const auth = { ...json, authorization: `Bearer ${t.accessToken}` };
  const product = (await (
    await fetch(`${t.baseUrl}/api/v1/products`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: `Latency item ${Date.now()}`,
        price: '12.50',
        stockQuantity: 1_000_000,
        status: 'ACTIVE',
        published: true,
      }),
    })
  ).json()) as { id: string; slug: string };
  const anonymous = { 'x-tenant-id': t.tenantId };
  const orderBody = JSON.stringify({
    lines: [{ productId: product.id, quantity: 1 }],
    shippingAddress: { street: '1 Bench Way', city: 'Springfield', state: 'IL', zipCode: '62701', country: 'US' },
    paymentMethod: { type: 'card', token: 'pm_card_visa' },
  });
  const is2xx = (res: Response) => res.ok;
  const n = t.samples;
  const rows: RouteLatency[] = [];
  // Warm the edge cache for the cached read.
  await fetch(`${t.baseUrl}/api/v1/products/${product.slug}`, { headers: anonymous }).then((r) => r.body?.cancel());
  rows.push(
    await measure(
      'GET /products/:slug (anonymous, edge cache warm)',
      n,
      () => fetch(`${t.baseUrl}/api/v1/products/${product.slug}`, { headers: anonymous }),
      (res) => res.ok && res.headers.get('x-cache') === 'HIT',
    ),
  );
  rows.push(
    await measure(
      'GET /products/:slug (uncached)',
      n,
      () =>
        fetch(`${t.baseUrl}/api/v1/products/${product.slug}`, {
          headers: { ...anonymous, 'x-edge-cache-bypass': t.bypassToken },
        }),
      is2xx,
    ),
  );
  rows.push(
    await measure('GET /auth/me (Bearer)', n, () => fetch(`${t.baseUrl}/api/v1/auth/me`, { headers: auth }), is2xx),
  );
  rows.push(
    await measure(
      'GET /users/me/profile (Bearer)',
      n,
      () => fetch(`${t.baseUrl}/api/v1/users/me/profile`, { headers: auth }),
      is2xx,
    ),
  );
  rows.push(
    await measure(
      'GET /orders (Bearer)',
      n,
      () => fetch(`${t.baseUrl}/api/v1/orders?limit=5`, { headers: auth }),
      is2xx,
    ),
  );
  rows.push(
    await measure(
      'PATCH /users/me/profile (Bearer)',
      n,
      (i) =>
        fetch(`${t.baseUrl}/api/v1/users/me/profile`, {
          method: 'PATCH',
          headers: auth,
          body: JSON.stringify({ bio: `latency sample ${i}` }),
        }),
      is2xx,
    ),
  );
  rows.push(
    await measure(
      'POST /products',
      n,
      (i) =>
        fetch(`${t.baseUrl}/api/v1/products`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ name: `Latency create ${Date.now()} ${i}`, price: '3.00', stockQuantity: 1 }),
        }),
      (res) => res.status === 201,
    ),
  );
  rows.push(
    await measure(
      'PATCH /products/:id',
      n,
      (i) =>
        fetch(`${t.baseUrl}/api/v1/products/${product.id}`, {
          method: 'PATCH',
          headers: { ...auth, 'if-match': '*' },
          body: JSON.stringify({ description: `latency sample ${i}` }),
        }),
      is2xx,
    ),
  );
  // Login is rate limited per account (10 a minute, the bench's own login included): a few samples only.
  rows.push(
    await measure(
      'POST /auth/login',
      Math.min(n, 5),
      () =>
        fetch(`${t.baseUrl}/api/v1/auth/login`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ login: t.email, password: t.password }),
        }),
      is2xx,
    ),
  );
  rows.push(
    await measure(
      'POST /orders → 202',
      n,
      () =>
        fetch(`${t.baseUrl}/api/v1/orders`, {
          method: 'POST',
          headers: { ...auth, 'idempotency-key': crypto.randomUUID() },
          body: orderBody,
        }),
      (res) => res.status === 202,
    ),
  );
  let lastOrder: string | undefined;
  const waited = await measure(
    'POST /orders, Prefer: wait → CONFIRMED',
    n,
    () =>
      fetch(`${t.baseUrl}/api/v1/orders`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': crypto.randomUUID(), prefer: 'wait=10' },
        body: orderBody,
      }),
    (res, body) => {
      lastOrder = (body as { order?: { id?: string } } | null)?.order?.id ?? lastOrder;
      return res.status === 202 && isConfirmed(body);
    },
  );
  // The saga's own round trips (its steps and mirrors, from its log) are on this request's path too.
  if (lastOrder && waited.roundTrips !== undefined) {
    const saga = (await (await fetch(`${t.baseUrl}/api/v1/orders/${lastOrder}/saga`, { headers: auth })).json()) as {
      history: SagaLogEntry[];
    };
    const total = saga.history.reduce((sum, h) => sum + (h.event.usage ? sagaRoundTrips(h.event.usage) : 0), 0);
    waited.detail = `request ${waited.roundTrips} (${waited.detail}) + saga ${total}; ${stepTimes(saga.history)}`;
    waited.roundTrips += total;
  }
  rows.push(waited);
  return rows;
}

interface SagaUsage {
  pgConnects?: number;
  pgQueries: number;
  pgHttp?: number;
  dataApiCalls: number;
  providerCalls?: number;
  overlapped?: number;
}

interface SagaLogEntry {
  at: string;
  event: { type: string; step?: string; usage?: SagaUsage };
}

/** Where the last checkout's saga spent its time: ms from its start to each step's completion, step by step. */
function stepTimes(history: SagaLogEntry[]): string {
  const started = history.find((h) => h.event.type === 'STARTED');
  if (!started) return '';
  let previous = Date.parse(started.at);
  const steps = history
    .filter((h) => h.event.type === 'STEP_COMPLETED')
    .map((h) => {
      const ms = Date.parse(h.at) - previous;
      previous = Date.parse(h.at);
      return `${h.event.step} ${ms} ms`;
    });
  return `its saga's steps, last order: ${steps.join(', ')}`;
}

/** As roundTripsOf in src/db/stores.ts (2 round trips per connection setup). */
function sagaRoundTrips(u: SagaUsage): number {
  return (
    (u.pgConnects ?? 0) * 2 +
    u.pgQueries +
    (u.pgHttp ?? 0) +
    u.dataApiCalls +
    (u.providerCalls ?? 0) -
    (u.overlapped ?? 0)
  );
}

function isConfirmed(body: unknown): boolean {
  return (body as { order?: { status?: string } } | null)?.order?.status === 'CONFIRMED';
}

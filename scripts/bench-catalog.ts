/**
 * Catalog benchmark against a RUNNING stack (e.g. `npm run dev`).
 *
 * 1. Loads N products (default 100,000) for one tenant straight into MongoDB through
 *    the official driver (insertMany batches): products documents at version 1, each
 *    with its ProductCreatedEvent (so reads, repairs and rebuilds see a consistent
 *    event store), plus 20 categories. A re-run with the same BENCH_TENANT_ID reuses
 *    the data (nothing is loaded twice).
 * 2. Runs a closed-loop load generator (plain fetch, C requests in flight, D seconds per
 *    scenario) against the API as an anonymous client (X-Tenant-ID), and prints a
 *    markdown table: req/s, p50/p99 latency, errors, and Data API calls per request
 *    (the `x-data-api-calls` response header set by the catalog routers).
 *
 *   # terminal 1: the stack (note the "ferretdb mongodb://127.0.0.1:PORT/" line it prints)
 *   npm run dev
 *   # terminal 2
 *   MONGODB_URI=mongodb://127.0.0.1:PORT/ node scripts/bench-catalog.ts
 *
 * Env: MONGODB_URI (required), MONGO_DATABASE (default ecommerce, as `npm run dev`),
 * BASE_URL (default http://127.0.0.1:8787), BENCH_PRODUCTS (100000), BENCH_TENANT_ID
 * (default: a fixed UUID, so re-runs reuse the data), BENCH_CONCURRENCY (20),
 * BENCH_DURATION (seconds per scenario, 10), BENCH_BATCH (insertMany size, 1000),
 * BENCH_EVENTS (1: also load the ProductCreatedEvents; 0: products only).
 *
 * Note for FerretDB v1 on SQLite (the dev backend): only a filter that is exactly
 * `{_id: X}` is pushed down to SQLite; every other query reads the whole collection,
 * so latencies grow with the collection size (all tenants). On MongoDB the
 * tenant-leading indexes of src/db/mongo/migrations.ts serve these queries.
 */
import { MongoClient, ObjectId } from 'mongodb';

const env = process.env;
const MONGODB_URI = env.MONGODB_URI;
const DATABASE = env.MONGO_DATABASE ?? 'ecommerce';
const BASE_URL = (env.BASE_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
const N = Number(env.BENCH_PRODUCTS ?? 100_000);
const TENANT_ID = (env.BENCH_TENANT_ID ?? '00000000-0000-4000-8000-00000000bec1').toLowerCase();
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? 20);
const DURATION_S = Number(env.BENCH_DURATION ?? 10);
const BATCH = Number(env.BENCH_BATCH ?? 1000);
const WITH_EVENTS = (env.BENCH_EVENTS ?? '1') !== '0';

if (!MONGODB_URI) {
  console.error('bench-catalog: set MONGODB_URI to the running stack\'s MongoDB (npm run dev prints the "ferretdb mongodb://..." line)');
  process.exit(2);
}
if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(TENANT_ID)) {
  console.error('bench-catalog: BENCH_TENANT_ID must be a UUID');
  process.exit(2);
}

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

/** Deterministic PRNG, so two loads of the same size hold the same data. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const slugOf = (i: number) => `bench-product-${String(i).padStart(6, '0')}`;
/** One product in 20 is a DRAFT (invisible to the anonymous reads of the benchmark). */
const isDraft = (i: number) => i % 20 === 19;
const BRANDS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Tyrell'];

async function load(client: MongoClient): Promise<void> {
  const db = client.db(DATABASE);
  const products = db.collection('products');
  const existing = await products.countDocuments({ tenantId: TENANT_ID, slug: { $regex: '^bench-product-' } });
  if (existing >= N) {
    console.error(`bench-catalog: tenant ${TENANT_ID} already has ${existing} bench products; not loading`);
    return;
  }
  if (existing > 0) {
    console.error(`bench-catalog: removing a partial load (${existing} products) of tenant ${TENANT_ID}`);
    await products.deleteMany({ tenantId: TENANT_ID });
    await db.collection('product_events').deleteMany({ tenantId: TENANT_ID });
    await db.collection('categories').deleteMany({ tenantId: TENANT_ID });
  }

  const rand = prng(N);
  const started = Date.now();
  const categories = Array.from({ length: 20 }, (_, i) => {
    const slug = `bench-category-${i}`;
    return { _id: new ObjectId(), tenantId: TENANT_ID, name: `Bench Category ${i}`, slug, description: null, parentId: null, level: 0, path: slug, imageUrl: null, displayOrder: i, metaTitle: null, metaDescription: null, active: true, productCount: 0, createdAt: new Date(), updatedAt: new Date() };
  });
  const counts = new Map<string, number>();
  const t0 = Date.now() - N * 1000;

  for (let from = 0; from < N; from += BATCH) {
    const docs: Record<string, unknown>[] = [];
    const events: Record<string, unknown>[] = [];
    for (let i = from; i < Math.min(N, from + BATCH); i++) {
      const _id = new ObjectId();
      const cat = categories[rand(categories.length)]!;
      const priceMinor = 100 + rand(99_900);
      const hasCompare = rand(4) === 0;
      const compareAtPriceMinor = hasCompare ? priceMinor + rand(5_000) : null;
      const at = new Date(t0 + i * 1000);
      const status = isDraft(i) ? 'DRAFT' : 'ACTIVE';
      const data = {
        name: `Bench Product ${i}`,
        description: `Product number ${i} of the catalog benchmark`,
        slug: slugOf(i),
        priceMinor,
        compareAtPriceMinor,
        currency: 'USD',
        stockQuantity: rand(500),
        sku: `BENCH-${i}`,
        category: { id: cat._id.toHexString(), name: cat.name, slug: cat.slug, path: cat.path },
        images: [{ url: `https://cdn.example.com/bench/${i}.jpg`, alt: null, isPrimary: true }],
        specifications: { brand: BRANDS[rand(BRANDS.length)]!, weightGrams: 100 + rand(2000), wireless: rand(2) === 1 },
        metaTitle: null,
        metaDescription: null,
        metaKeywords: ['bench'],
        status,
        published: status === 'ACTIVE',
      };
      counts.set(cat._id.toHexString(), (counts.get(cat._id.toHexString()) ?? 0) + 1);
      // The same shape as projectionOf() in src/services/catalog/product-reducer.ts.
      docs.push({
        _id,
        tenantId: TENANT_ID,
        ...data,
        price: priceMinor / 100,
        compareAtPrice: compareAtPriceMinor === null ? null : compareAtPriceMinor / 100,
        version: 1,
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
        averageRating: rand(41) / 10 + 1,
        reviewCount: rand(300),
      });
      events.push({
        eventId: crypto.randomUUID(),
        eventType: 'ProductCreatedEvent',
        aggregateId: _id.toHexString(),
        version: 1,
        data,
        userId: null,
        timestamp: at,
        correlationId: 'bench-catalog',
        causationId: 'bench-catalog',
        tenantId: TENANT_ID,
      });
    }
    await products.insertMany(docs, { ordered: false });
    if (WITH_EVENTS) await db.collection('product_events').insertMany(events, { ordered: false });
    const done = Math.min(N, from + BATCH);
    if (done % (BATCH * 10) === 0 || done === N) {
      console.error(`bench-catalog: loaded ${done}/${N} products (${Math.round(done / ((Date.now() - started) / 1000))}/s)`);
    }
  }
  await db.collection('categories').insertMany(categories.map((c) => ({ ...c, productCount: counts.get(c._id.toHexString()) ?? 0 })));
  console.error(`bench-catalog: load done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------
// Load generator
// ---------------------------------------------------------------------------

interface Row {
  scenario: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Non-200 answers by status, e.g. "503x12" (503 = a Data API call exceeded STORE_TIMEOUT_MS). */
  statuses: string;
  dataApiCalls: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

async function run(scenario: string, nextPath: () => string): Promise<Row> {
  const headers = { 'x-tenant-id': TENANT_ID, accept: 'application/json' };
  // One warm-up request (isolate start, JIT) outside the measurement.
  await fetch(BASE_URL + nextPath(), { headers }).then((r) => r.arrayBuffer());
  const latencies: number[] = [];
  const calls: number[] = [];
  let errors = 0;
  const byStatus = new Map<string, number>();
  const deadline = performance.now() + DURATION_S * 1000;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      try {
        const res = await fetch(BASE_URL + nextPath(), { headers });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        if (res.status !== 200) {
          errors++;
          byStatus.set(String(res.status), (byStatus.get(String(res.status)) ?? 0) + 1);
        }
        const header = res.headers.get('x-data-api-calls');
        if (header !== null) calls.push(Number(header));
      } catch {
        errors++;
        byStatus.set('network', (byStatus.get('network') ?? 0) + 1);
        latencies.push(performance.now() - t);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const minCalls = calls.length ? Math.min(...calls) : NaN;
  const maxCalls = calls.length ? Math.max(...calls) : NaN;
  const avgCalls = calls.length ? calls.reduce((a, b) => a + b, 0) / calls.length : NaN;
  return {
    scenario,
    requests: latencies.length,
    rps: Math.round(latencies.length / elapsed),
    p50: Math.round(percentile(latencies, 50) * 10) / 10,
    p99: Math.round(percentile(latencies, 99) * 10) / 10,
    errors,
    statuses: [...byStatus].map(([k, v]) => `${k}x${v}`).join(' ') || '-',
    dataApiCalls: calls.length === 0 ? 'n/a' : minCalls === maxCalls ? String(minCalls) : `${avgCalls.toFixed(2)} (${minCalls}-${maxCalls})`,
  };
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

const client = new MongoClient(MONGODB_URI);
try {
  await client.connect();
  await load(client);
} finally {
  await client.close();
}

const probe = await fetch(`${BASE_URL}/api/v1/products?limit=1`, { headers: { 'x-tenant-id': TENANT_ID } }).catch((err: unknown) => {
  console.error(`bench-catalog: cannot reach ${BASE_URL}: ${(err as Error).message}`);
  process.exit(1);
});
if (probe.status !== 200) {
  console.error(`bench-catalog: GET /api/v1/products answered ${probe.status}: ${await probe.text()}`);
  process.exit(1);
}

const pick = prng(7);
const rows: Row[] = [];
rows.push(await run('GET /api/v1/products?limit=20', () => '/api/v1/products?limit=20'));
const publishedSlug = () => {
  let i = pick(N);
  while (isDraft(i)) i = pick(N);
  return slugOf(i);
};
rows.push(await run('GET /api/v1/products/<slug> (random)', () => `/api/v1/products/${publishedSlug()}`));
rows.push(await run('GET /api/v1/products?sort=price_asc&minPrice=10&maxPrice=50&limit=20', () => '/api/v1/products?sort=price_asc&minPrice=10&maxPrice=50&limit=20'));
rows.push(await run('GET /api/v1/products?category=bench-category-3&limit=20', () => '/api/v1/products?category=bench-category-3&limit=20'));

console.log(`\nCatalog benchmark: ${N.toLocaleString('en')} products in tenant ${TENANT_ID}, ${CONCURRENCY} in flight, ${DURATION_S} s per scenario, ${BASE_URL}\n`);
console.log('| scenario | requests | req/s | p50 ms | p99 ms | non-200 | by status | Data API calls/request |');
console.log('|---|---:|---:|---:|---:|---:|---|---:|');
for (const r of rows) {
  console.log(`| \`${r.scenario}\` | ${r.requests} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.statuses} | ${r.dataApiCalls} |`);
}

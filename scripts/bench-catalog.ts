/**
 * Catalog benchmark against a RUNNING stack (`npm run bench` starts one and runs this).
 *
 * For each size in BENCH_SIZES (default 1000,10000), tops the bench tenant up to that many
 * products with `db:seed:scale`'s loader (products + events + categories), then for each
 * scenario (product by slug, by id, list of 20, filtered + sorted list, text search) measures,
 * closed loop with C requests in flight for D seconds:
 *   - store:     the query the service sends, straight to the store through the driver;
 *   - data api:  the same query straight to the Data API (gateway hop + store);
 *   - api miss:  the API with the edge cache bypassed (Worker + gateway + store);
 *   - api hit:   the API with the edge cache warm (Worker, Cache API; no store);
 * plus a request that touches no store (`/.well-known/jwks.json`) as the Worker's floor.
 * Prints req/s, p50, p99, non-200s; the overhead ratio (API miss p50 / Data API p50); the
 * cache ratio (hit p50 / no-store p50); and how p99 grows from the first size to the last.
 *
 * Above BENCH_UNCACHED_LIST_MAX products (default: no limit) the uncached list cells (store, Data
 * API, API miss) are not run and the list's cache is warmed by ONE uncached request, whose time
 * is reported instead: for engines that read and sort every matching document per page
 * (FerretDB v1, before: minutes per page at 100,000, 17 GB of queries in flight). FerretDB v2 on
 * DocumentDB walks the hinted index and stops after limit + 1 rows, so every size is looped.
 *
 * Env: BASE_URL, MONGODB_URI, DATA_API_URL, DATA_API_KEY, MONGO_DATABASE (ecommerce),
 * BENCH_SIZES, BENCH_CONCURRENCY (4), BENCH_DURATION (s, 8), BENCH_TENANT_ID,
 * BENCH_UNCACHED_LIST_MAX (no limit), BENCH_PLAIN_UNIQUE_FROM (50000: from that size the loader's
 * deferred unique indexes come back as plain ones, see seedScale's plainUniqueIndexes),
 * EDGE_CACHE_BYPASS_TOKEN (the Worker's; needed for "api miss"), BENCH_STATE_DIR (checkpoint).
 */
import { MongoClient, ObjectId, type Document } from 'mongodb';

import { productListPlan, type ListProductsQuery } from '../src/services/catalog/list-plan.ts';
import { seedScale } from './lib/seed-scale/run.ts';

const env = process.env;
const BASE_URL = (env.BASE_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
const MONGODB_URI = env.MONGODB_URI;
const DATA_API_URL = env.DATA_API_URL?.replace(/\/+$/, '');
const DATA_API_KEY = env.DATA_API_KEY;
const DATABASE = env.MONGO_DATABASE ?? 'ecommerce';
const SIZES = (env.BENCH_SIZES ?? '1000,10000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? 4);
const DURATION_S = Number(env.BENCH_DURATION ?? 8);
const TENANT_ID = (env.BENCH_TENANT_ID ?? '00000000-0000-4000-8000-00000000bec1').toLowerCase();
const BYPASS = env.EDGE_CACHE_BYPASS_TOKEN;
const STATE_DIR = env.BENCH_STATE_DIR ?? '.dev';
const UNCACHED_LIST_MAX = Number(env.BENCH_UNCACHED_LIST_MAX ?? Number.MAX_SAFE_INTEGER);
const PLAIN_UNIQUE_FROM = Number(env.BENCH_PLAIN_UNIQUE_FROM ?? 50_000);

if (!MONGODB_URI || !DATA_API_URL || !DATA_API_KEY || !BYPASS) {
  console.error(
    'bench-catalog: needs MONGODB_URI, DATA_API_URL, DATA_API_KEY and EDGE_CACHE_BYPASS_TOKEN (npm run bench sets them)',
  );
  process.exit(2);
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  non200: number;
  hitRatio?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Closed loop: CONCURRENCY workers, each sends `once()` until the time is up. */
async function measure(once: () => Promise<{ ok: boolean; hit?: boolean }>): Promise<Result> {
  await once(); // warm-up (isolate, JIT, connection) outside the measurement
  const latencies: number[] = [];
  let non200 = 0;
  let hits = 0;
  let counted = 0;
  const started = performance.now();
  const deadline = started + DURATION_S * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          const r = await once();
          if (!r.ok) non200++;
          if (r.hit !== undefined) {
            counted++;
            if (r.hit) hits++;
          }
        } catch {
          non200++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    rps: round(latencies.length / elapsed),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    non200,
    ...(counted ? { hitRatio: hits / counted } : {}),
  };
}

/** Like measure(), but each worker alternates a request of `a` and one of `b`, timed apart. */
async function measurePair(
  a: () => Promise<{ ok: boolean; hit?: boolean }>,
  b: () => Promise<{ ok: boolean }>,
): Promise<[Result, Result]> {
  await a();
  await b();
  const lat: [number[], number[]] = [[], []];
  const non200 = [0, 0];
  let hits = 0;
  let counted = 0;
  const started = performance.now();
  const deadline = started + DURATION_S * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let turn = w; performance.now() < deadline; turn++) {
        const which = turn % 2;
        const t = performance.now();
        try {
          const r = which === 0 ? await a() : await b();
          if (!r.ok) non200[which]!++;
          if (which === 0 && 'hit' in r && r.hit !== undefined) {
            counted++;
            if (r.hit) hits++;
          }
        } catch {
          non200[which]!++;
        }
        lat[which]!.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const round = (n: number) => Math.round(n * 10) / 10;
  return lat.map((l, i) => {
    l.sort((x, y) => x - y);
    return {
      rps: round(l.length / elapsed),
      p50: round(percentile(l, 50)),
      p99: round(percentile(l, 99)),
      non200: non200[i]!,
      ...(i === 0 && counted ? { hitRatio: hits / counted } : {}),
    };
  }) as [Result, Result];
}

async function api(path: string, cache: boolean): Promise<{ ok: boolean; hit: boolean; status: number }> {
  const headers: Record<string, string> = { 'x-tenant-id': TENANT_ID };
  if (!cache) headers['x-edge-cache-bypass'] = BYPASS!;
  const res = await fetch(BASE_URL + path, { headers });
  await res.arrayBuffer();
  return { ok: res.status === 200, hit: res.headers.get('x-cache') === 'HIT', status: res.status };
}

async function dataApi(action: string, body: Document): Promise<{ ok: boolean }> {
  const res = await fetch(`${DATA_API_URL}/action/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/ejson', accept: 'application/ejson', 'api-key': DATA_API_KEY! },
    body: JSON.stringify({ dataSource: 'mongodb', database: DATABASE, collection: 'products', ...body }),
  });
  await res.arrayBuffer();
  return { ok: res.ok };
}

// EJSON (canonical) of the values the plans contain.
const ejson = (v: unknown): unknown =>
  v instanceof ObjectId
    ? { $oid: v.toHexString() }
    : v instanceof Date
      ? { $date: { $numberLong: String(v.getTime()) } }
      : Array.isArray(v)
        ? v.map(ejson)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ejson(x)]))
          : v;

interface Scenario {
  name: string;
  /** API path for a random product / the fixed list. */
  path(hot: boolean): string;
  /** The same query straight to the store, as [driver call, Data API call]. */
  store(pick: Picked): { driver: () => Promise<unknown>; dataApi: () => Promise<{ ok: boolean }> };
}

interface Picked {
  slug: string;
  id: string;
}

function listScenario(
  name: string,
  query: string,
  q: ListProductsQuery,
  coll: () => import('mongodb').Collection,
): Scenario {
  const plan = productListPlan({ tenantId: TENANT_ID, staff: false }, { ...q, limit: 20 }, undefined, {
    textSearch: false,
  });
  if (plan.kind !== 'find') throw new Error('without a text query every list plan is a find');
  return {
    name,
    path: () => `/api/v1/products?${query}`,
    store: () => ({
      driver: () =>
        coll()
          .find(plan.filter as Document, plan.hint ? { hint: plan.hint } : {})
          .sort(plan.sort)
          .limit(plan.limit + 1)
          .toArray(),
      dataApi: () =>
        dataApi('find', { filter: ejson(plan.filter), sort: plan.sort, limit: plan.limit + 1, hint: plan.hint }),
    }),
  };
}

async function main() {
  const client = await MongoClient.connect(MONGODB_URI!);
  const products = () => client.db(DATABASE).collection('products');
  const out: string[] = [];
  const bySize = new Map<number, Map<string, Record<string, Result>>>();
  const warmNotes: string[] = [];
  let floor: Result | undefined;

  for (const size of SIZES) {
    const t0 = Date.now();
    await seedScale({
      tenantId: TENANT_ID,
      products: size,
      users: 0,
      orders: 0,
      batch: 1000,
      mongo: { uri: MONGODB_URI!, database: DATABASE },
      checkpointFile: `${STATE_DIR}/bench-seed-${TENANT_ID}.json`,
      // Throwaway data, only read: from PLAIN_UNIQUE_FROM products the deferred unique indexes come
      // back as plain indexes of the same keys (the same lookups), not as half-hour unique builds.
      plainUniqueIndexes: size >= PLAIN_UNIQUE_FROM,
    });
    console.error(`bench-catalog: ${size} products ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const visible = await products()
      .find({ tenantId: TENANT_ID, published: true, deletedAt: null }, { projection: { slug: 1 } })
      .toArray();
    const pickRandom = (): Picked => {
      const d = visible[Math.floor(Math.random() * visible.length)]!;
      return { slug: d.slug as string, id: d._id.toHexString() };
    };
    const hotSet = Array.from({ length: 50 }, pickRandom);
    const pickHot = () => hotSet[Math.floor(Math.random() * hotSet.length)]!;

    const scenarios: Array<Scenario & { random?: (p: Picked) => string }> = [
      {
        name: 'product by slug',
        path: () => '',
        random: (p) => `/api/v1/products/${p.slug}`,
        store: (p) => ({
          driver: () => products().findOne({ tenantId: TENANT_ID, slug: p.slug }),
          dataApi: () => dataApi('findOne', { filter: { tenantId: TENANT_ID, slug: p.slug } }),
        }),
      },
      {
        name: 'product by id',
        path: () => '',
        random: (p) => `/api/v1/products/${p.id}`,
        store: (p) => ({
          driver: () => products().findOne({ _id: new ObjectId(p.id), tenantId: TENANT_ID }),
          dataApi: () => dataApi('findOne', { filter: { _id: { $oid: p.id }, tenantId: TENANT_ID } }),
        }),
      },
      listScenario('list of 20 (newest)', 'limit=20', {}, products),
      listScenario(
        'filtered + sorted (price 10-200, price_asc)',
        'minPrice=10.00&maxPrice=200.00&sort=price_asc&limit=20',
        { minPriceMinor: 1000, maxPriceMinor: 20000, sort: 'price_asc' },
        products,
      ),
      listScenario('text search (q=wireless)', 'q=wireless&limit=20', { q: 'wireless' }, products),
    ];

    floor ??= await measure(async () => {
      const res = await fetch(`${BASE_URL}/.well-known/jwks.json`);
      await res.arrayBuffer();
      return { ok: res.ok };
    });
    const rows = new Map<string, Record<string, Result>>();
    for (const s of scenarios) {
      const pathFor = (hot: boolean) => (s.random ? s.random(hot ? pickHot() : pickRandom()) : s.path(hot));
      console.error(`bench-catalog: ${size} products: ${s.name}`);
      const uncached = Boolean(s.random) || size <= UNCACHED_LIST_MAX;
      const cells: Record<string, Result> = {};
      if (uncached) {
        cells.store = await measure(async () => {
          await s.store(pickRandom()).driver();
          return { ok: true };
        });
        cells.direct = await measure(() => s.store(pickRandom()).dataApi());
        cells.miss = await measure(() => api(pathFor(false), false));
      }
      // Where the uncached loop was not run, time ONE request with the cache bypassed.
      if (!uncached) {
        const t = performance.now();
        const once = await api(s.path(false), false);
        const took = ((performance.now() - t) / 1000).toFixed(1);
        warmNotes.push(`${size.toLocaleString('en')}, ${s.name}: one uncached request ${took} s (HTTP ${once.status})`);
      }
      // Warm the cache: each hot product once; a list (one path) once. A list entry filled at an
      // earlier size may still be fresh (the loader writes the store directly, purging nothing):
      // the hit costs the same, whichever page it holds.
      if (s.random) for (const p of hotSet) await api(s.random(p), true);
      else await api(s.path(true), true);
      // Hit and the no-store floor alternate in one loop: the ratio compares like with like.
      const [hit, floorHere] = await measurePair(
        () => api(pathFor(true), true),
        async () => {
          const res = await fetch(`${BASE_URL}/.well-known/jwks.json`);
          await res.arrayBuffer();
          return { ok: res.ok };
        },
      );
      rows.set(s.name, { ...cells, hit, floor: floorHere });
    }
    bySize.set(size, rows);
  }
  await client.close();

  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
  out.push(
    `Catalog: ${CONCURRENCY} in flight, ${DURATION_S} s per cell, tenant ${TENANT_ID}. No-store floor (\`/.well-known/jwks.json\`): ${floor!.rps} req/s, p50 ${floor!.p50} ms, p99 ${floor!.p99} ms.`,
  );
  out.push('');
  out.push(
    '| products | scenario | store p50 | Data API p50 | API miss req/s | API miss p50 / p99 | overhead (miss p50 / Data API p50) | API hit p50 / p99 | no-store p50 (same loop) | hit p50 / no-store p50 | hit ratio | non-200 (miss, hit) |',
  );
  out.push('|---:|---|---:|---:|---:|---|---:|---|---:|---:|---:|---|');
  for (const [size, rows] of bySize) {
    for (const [name, r] of rows) {
      const nr = 'not run';
      out.push(
        `| ${size.toLocaleString('en')} | ${name} | ${r.store?.p50 ?? nr} | ${r.direct?.p50 ?? nr} | ${r.miss?.rps ?? nr} | ${r.miss ? `${r.miss.p50} / ${r.miss.p99}` : nr} | ${r.miss && r.direct ? ratio(r.miss.p50, r.direct.p50) : nr} | ${r.hit!.p50} / ${r.hit!.p99} | ${r.floor!.p50} | ${ratio(r.hit!.p50, r.floor!.p50)} | ${((r.hit!.hitRatio ?? 0) * 100).toFixed(0)}% | ${r.miss?.non200 ?? nr}, ${r.hit!.non200} |`,
      );
    }
  }
  if (SIZES.length > 1) {
    const first = bySize.get(SIZES[0]!)!;
    const last = bySize.get(SIZES[SIZES.length - 1]!)!;
    out.push('');
    out.push(
      `p99 growth from ${SIZES[0]!.toLocaleString('en')} to ${SIZES[SIZES.length - 1]!.toLocaleString('en')} products (x):`,
    );
    out.push('');
    out.push('| scenario | store | Data API | API miss | API hit |');
    out.push('|---|---:|---:|---:|---:|');
    const growth = (b: Result | undefined, a: Result | undefined) => (a && b ? ratio(b.p99, a.p99) : 'not run');
    for (const [name, a] of first) {
      const b = last.get(name)!;
      out.push(
        `| ${name} | ${growth(b.store, a.store)} | ${growth(b.direct, a.direct)} | ${growth(b.miss, a.miss)} | ${growth(b.hit, a.hit)} |`,
      );
    }
  }
  if (warmNotes.length > 0) {
    out.push('');
    out.push(
      `Uncached lists above ${UNCACHED_LIST_MAX.toLocaleString('en')} products (not run in a loop; the cache was warmed by one request):`,
    );
    for (const n of warmNotes) out.push(`- ${n}`);
  }
  console.log(out.join('\n'));
}

await main();

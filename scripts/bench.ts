/**
 * `npm run bench`: starts the API as `npm run dev` does (the local engine: PostgreSQL 15 with
 * DocumentDB, FerretDB v2; in its own throwaway state directory), loads it with autocannon, and
 * prints markdown tables:
 *  1. identity and health scenarios;
 *  2. password hashing inside workerd;
 *  3. the catalog at each size of BENCH_SIZES (default 1000,10000): store, Data API, API with
 *     the edge cache bypassed and warm (scripts/bench-catalog.ts).
 * Numbers from a shared 2-core machine are indicative; compare runs on one machine.
 *
 *   BENCH_DURATION=10 BENCH_SIZES=1000,10000 npm run bench   (BENCH_SIZES=0 skips 3)
 *   BENCH_ONLY=catalog npm run bench                           (only 3)
 *   BENCH_ONLY=carts npm run bench                             (only the cart rows, scripts/bench-carts.ts)
 *   BENCH_RTT_MS=0,40,120 npm run bench                         (1 and 4 at each round-trip time)
 *
 * With BENCH_RTT_MS, Toxiproxy sits between the Worker and each store (PostgreSQL's WebSocket
 * path, the Data API, the payment provider: stripe-mock through the Stripe adapter instead of the
 * in-Worker test provider) and one request/response round trip costs the given time
 * (scripts/lib/latency.ts); the scenarios of 1 run at each RTT in turn on the same stack, then
 *  4. latency per route, one client at a time, with the round trips the Worker counted
 *     (scripts/bench-latency.ts), and the model "round trips × RTT + Worker time" beside it.
 * BENCH_SAMPLES (default 30) is the number of requests per route in 4.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

import { benchCarts, type CartBenchRow } from './bench-carts.ts';
import { benchCheckout, type CheckoutBench } from './bench-checkout.ts';
import { benchRouteLatency, type RouteLatency } from './bench-latency.ts';
import { benchPasswords } from './bench-password.ts';
import { startDevServer, type DevServer } from './lib/dev-server.ts';
import { freePort } from './lib/ports.ts';
import { onStop } from './lib/stop-signals.ts';

const duration = Number(process.env.BENCH_DURATION ?? 10);
// 1,000 and 10,000 by default; BENCH_SIZES=1000,10000,100000 adds ~4 min of loading (docs/performance.md).
const sizes = process.env.BENCH_SIZES ?? process.env.BENCH_PRODUCTS ?? '1000,10000';
const catalogOnly = process.env.BENCH_ONLY === 'catalog';
// Only the latency per route (4) at each RTT: the load scenarios' logins would spend the login rate limit.
const latencyOnly = process.env.BENCH_ONLY === 'latency';
const cartsOnly = process.env.BENCH_ONLY === 'carts';
const bypassToken = randomBytes(18).toString('base64url');
const rtts = process.env.BENCH_RTT_MS?.split(',').map((v) => {
  const n = Number(v.trim());
  if (!Number.isInteger(n) || n < 0) throw new Error(`BENCH_RTT_MS: '${v}' is not a whole number of ms`);
  return n;
});
const samples = Number(process.env.BENCH_SAMPLES ?? 30);

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  extra?: string;
}

/** Runs scripts/bench-catalog.ts against the running server and returns its report. */
function benchCatalog(
  baseUrl: string,
  stack: { mongoUri: string; bindings: { MONGO_DATA_API_URL: string; MONGO_DATA_API_KEY: string } },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'bench-catalog.ts')], {
      env: {
        BENCH_CONCURRENCY: '4',
        BENCH_DURATION: String(Math.min(duration, 8)),
        ...process.env,
        BASE_URL: baseUrl,
        MONGODB_URI: stack.mongoUri,
        DATA_API_URL: stack.bindings.MONGO_DATA_API_URL,
        DATA_API_KEY: stack.bindings.MONGO_DATA_API_KEY,
        EDGE_CACHE_BYPASS_TOKEN: bypassToken,
        BENCH_SIZES: sizes,
        BENCH_STATE_DIR: stateDir,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    catalogChild = child;
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench-catalog exited with ${code}`))));
  });
}

async function load(scenario: string, opts: autocannon.Options): Promise<Row> {
  const result = await autocannon({ duration, ...opts });
  return {
    scenario,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
}

const stateDir = mkdtempSync(join(tmpdir(), 'bench-'));
let server: Awaited<ReturnType<typeof startDevServer>> | undefined;
let catalogChild: ReturnType<typeof spawn> | undefined;
// Ctrl-C, kill or a closed terminal stops the whole stack (PostgreSQL, FerretDB, wrangler), not only this script.
onStop(async (reason) => {
  console.error(`bench: ${reason}; stopping the stack`);
  catalogChild?.kill('SIGTERM');
  await server?.stop().catch(() => {});
  rmSync(stateDir, { recursive: true, force: true });
  process.exit(1);
});
// The production store timeout (3 s, wrangler.toml; STORE_TIMEOUT_MS in the environment wins): a read
// that needs longer is an error in the tables, as it would be in production.
server = await startDevServer({
  port: await freePort(),
  stateDir,
  quiet: true,
  vars: {
    LOG_LEVEL: 'warn',
    EDGE_CACHE_BYPASS_TOKEN: bypassToken,
    // The bench reads each request's round trips (never sent in production).
    TEST_ROUND_TRIPS_HEADER: 'true',
  },
  rttMs: rtts?.[0],
  stripeMock: rtts !== undefined,
});
let catalogReport = '';
interface RttRun {
  rtt: number | undefined;
  rows: Row[];
  checkout?: CheckoutBench;
  routes: RouteLatency[];
  carts: CartBenchRow[];
}
const runs: RttRun[] = [];
try {
  for (const rtt of catalogOnly ? [] : (rtts ?? [undefined])) {
    if (rtt !== undefined) await server.stack.latency!.setRtt(rtt);
    runs.push(await runAt(server, rtt));
  }
  if (sizes !== '0' && !latencyOnly && !cartsOnly) {
    await server.stack.latency?.setRtt(0);
    catalogReport = await benchCatalog(server.url, server.stack).catch(
      (err: Error) => `catalog benchmark failed: ${err.message}`,
    );
  }
} finally {
  await server.stop();
  server = undefined;
  rmSync(stateDir, { recursive: true, force: true });
}

async function runAt(server: DevServer, rtt: number | undefined): Promise<RttRun> {
  const rows: Row[] = [];
  let checkout: CheckoutBench | undefined;
  let routes: RouteLatency[] = [];
  let carts: CartBenchRow[] = [];
  const tenantHeader = { 'x-tenant-id': server.seed.tenantId, 'content-type': 'application/json' };
  const loginBody = JSON.stringify({ login: server.seed.adminEmail, password: server.seed.adminPassword });
  const signInOnce = () =>
    fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: tenantHeader, body: loginBody });
  let signIn = await signInOnce();
  // Sign-ins are rate limited per account (10 a minute): the previous RTT's login samples may have
  // spent this minute's, so wait as long as the answer says and sign in again.
  for (let attempt = 0; signIn.status === 429 && attempt < 3; attempt++) {
    const seconds = Number(signIn.headers.get('retry-after')) || 60;
    await new Promise((resolve) => setTimeout(resolve, (seconds + 1) * 1000));
    signIn = await signInOnce();
  }
  if (signIn.status !== 200) throw new Error(`the bench's sign-in answered ${signIn.status}: ${await signIn.text()}`);
  const session = (await signIn.json()) as { tokens: { accessToken: string } };
  const bearer = { authorization: `Bearer ${session.tokens.accessToken}` };
  if (rtt !== undefined) {
    routes = await benchRouteLatency({
      baseUrl: server.url,
      tenantId: server.seed.tenantId,
      email: server.seed.adminEmail,
      password: server.seed.adminPassword,
      accessToken: session.tokens.accessToken,
      bypassToken,
      samples,
    });
  }
  if (!latencyOnly) {
    const seedLogin = {
      tenantId: server.seed.tenantId,
      email: server.seed.adminEmail,
      password: server.seed.adminPassword,
    };
    carts = await benchCarts(server.url, seedLogin, { connections: 10, durationSec: duration });
  }
  if (!latencyOnly && !cartsOnly) {
    const created = (await (
      await fetch(`${server.url}/api/v1/auth/api-keys`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench', scopes: ['read:profile'] }), // what GET /auth/me needs
      })
    ).json()) as { key: string };
    rows.push(await load('GET /api/v1/health (both stores)', { url: `${server.url}/api/v1/health`, connections: 10 }));
    // Login is rate limited per client and per account (wrangler.toml [[ratelimits]]): past
    // the first attempts of each minute this row measures 429 answers, counted as errors.
    rows.push(
      await load('POST /api/v1/auth/login', {
        url: `${server.url}/api/v1/auth/login`,
        method: 'POST',
        headers: tenantHeader,
        body: loginBody,
        connections: 8,
      }),
    );
    rows.push(
      await load('GET /api/v1/auth/me (Bearer)', {
        url: `${server.url}/api/v1/auth/me`,
        headers: bearer,
        connections: 10,
      }),
    );
    rows.push(
      await load('GET /api/v1/auth/me (X-API-Key)', {
        url: `${server.url}/api/v1/auth/me`,
        headers: { 'x-api-key': created.key },
        connections: 10,
      }),
    );
    rows.push(
      await load('GET /api/v1/auth/api-keys (Bearer, no DB for auth)', {
        url: `${server.url}/api/v1/auth/api-keys`,
        headers: bearer,
        connections: 10,
      }),
    );
    rows.push(
      await load('GET /.well-known/jwks.json (Bearer verified, no store)', {
        url: `${server.url}/.well-known/jwks.json`,
        headers: bearer,
        connections: 10,
      }),
    );
    checkout = await benchCheckout(
      server.url,
      { tenantId: server.seed.tenantId, email: server.seed.adminEmail, password: server.seed.adminPassword },
      { connections: 10, durationSec: duration, paymentToken: rtt === undefined ? 'pm_test_success' : 'pm_card_visa' },
    );
  }
  return { rtt, rows, checkout, routes, carts };
}

const passwords = catalogOnly || latencyOnly || cartsOnly ? null : await benchPasswords();
const stores = `${process.env.DATABASE_URL ? 'your PostgreSQL' : 'PostgreSQL 15'} + ${process.env.MONGODB_URI ? 'your MongoDB' : 'FerretDB v2 on DocumentDB'}`;

for (const run of runs) {
  const at = run.rtt === undefined ? '' : `, ${run.rtt} ms RTT to the stores`;
  if (run.rows.length > 0) {
    console.log(`\n### HTTP (wrangler dev, ${duration}s per scenario, ${stores}${at})\n`);
    console.log('| scenario | req/s | p50 ms | p99 ms | non-2xx/errors |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of run.rows) console.log(`| ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx} |`);
  }
  if (run.carts.length > 0) {
    console.log(
      `\n### Carts beside the catalog (same run, 10 connections, ${duration}s each; no store call in any row${at})\n`,
    );
    console.log('| scenario | req/s | p50 ms | p99 ms | non-2xx/errors |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of run.carts) console.log(`| ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx} |`);
  }
  if (run.checkout) {
    const c = run.checkout;
    console.log(`\n### Checkout (POST /orders with Prefer: wait=10 until CONFIRMED, 10 clients, ${duration}s${at})\n`);
    console.log('| orders | confirmed | orders/s | p50 ms | p99 ms | failed |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    console.log(`| ${c.orders} | ${c.confirmed} | ${c.ordersPerSecond} | ${c.p50} | ${c.p99} | ${c.failures} |`);
  }
}
if (passwords) {
  console.log('\n### Password hashing inside workerd (mean of 20)\n');
  console.log('| operation | ms |');
  console.log('|---|---:|');
  console.log(`| hashPassword (PBKDF2-SHA256, 100,000 iterations) | ${passwords.hashMs.toFixed(1)} |`);
  console.log(`| verifyPassword (PBKDF2) | ${passwords.verifyMs.toFixed(1)} |`);
  console.log(`| verifyPassword (imported bcrypt, cost 10) | ${passwords.bcrypt10VerifyMs.toFixed(1)} |`);
}
const latencyRuns = runs.filter((r) => r.routes.length > 0);
if (latencyRuns.length > 0) {
  // Worker time: the route's p50 at the lowest RTT measured (0 when it was measured).
  const base = latencyRuns.reduce((a, b) => ((a.rtt ?? 0) <= (b.rtt ?? 0) ? a : b));
  console.log(
    `\n### Latency per route, one client, ${samples} requests (${stores}, stripe-mock behind the same delay)\n`,
  );
  console.log('Model: round trips × RTT + the p50 at the lowest RTT; error = (measured p50 − model) / model.\n');
  const head = latencyRuns.map((r) => `p50 / p99 @${r.rtt} ms`);
  const models = latencyRuns.filter((r) => r !== base).map((r) => `model @${r.rtt} (error)`);
  console.log(`| route | round trips | ${[...head, ...models].join(' | ')} |`);
  console.log(`|---|---:|${[...head, ...models].map(() => '---:').join('|')}|`);
  base.routes.forEach((route, i) => {
    const cells = latencyRuns.map((r) => {
      const x = r.routes[i]!;
      return `${x.p50} / ${x.p99}${x.failures ? ` (${x.failures} failed)` : ''}`;
    });
    const modelCells = latencyRuns
      .filter((r) => r !== base)
      .map((r) => {
        const rt = r.routes[i]!.roundTrips;
        if (rt === undefined) return 'n/a';
        const model = rt * ((r.rtt ?? 0) - (base.rtt ?? 0)) + route.p50;
        const error = model > 0 ? Math.round(((r.routes[i]!.p50 - model) / model) * 100) : 0;
        return `${model} (${error > 0 ? '+' : ''}${error}%)`;
      });
    const detail = route.detail ? ` (${route.detail})` : '';
    console.log(
      `| ${route.route} | ${route.roundTrips ?? 'n/a'}${detail} | ${[...cells, ...modelCells].join(' | ')} |`,
    );
  });
}
if (catalogReport) console.log(`\n### Catalog (${sizes} products)\n\n${catalogReport.trim()}`);
process.exit(0);

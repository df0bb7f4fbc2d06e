/**
 * `npm run smoke -- <base URL> [options]`: walks a deployment as its first user would and
 * exits non-zero at the first step that fails, saying which and why.
 *
 *   npm run smoke -- https://api.shop.co
 *   npm run smoke -- http://localhost:8787 --tenant <id>          (npm run dev: X-Tenant-ID)
 *   npm run smoke -- https://staging-api.shop.co --order           (staging: a test-provider order)
 *
 * Steps: health (stores up, configuration accepted); register a throwaway user (or sign in as
 * --login/--password, e.g. SMOKE_PASSWORD); sign in and read /auth/me; an anonymous catalog
 * read twice (MISS, then HIT: the edge cache needs a route on a zone, not workers.dev); with
 * --order and --admin-login/--admin-password, a product and an order paid with the test
 * provider that must reach CONFIRMED (never in production: the Worker refuses the test provider).
 */
import { randomBytes } from 'node:crypto';

import { argsOf, fail } from './ops/secret-files.ts';

const { flags, values, positional } = argsOf(process.argv.slice(2));
const base = (positional[0] ?? '').replace(/\/+$/, '');
if (!/^https?:\/\/[^/]+$/.test(base)) fail('usage: npm run smoke -- <https://host> [--tenant ID] [--order]');
const api = `${base}/api/v1`;
const tenantHeader: Record<string, string> = values.get('tenant') ? { 'x-tenant-id': values.get('tenant')! } : {};
const started = Date.now();
let step = 0;

function ok(what: string): void {
  console.log(`smoke ${String(++step).padStart(2)} ok    ${what}`);
}
function failed(what: string, detail: string): never {
  console.error(`smoke ${String(++step).padStart(2)} FAIL  ${what}: ${detail}`);
  process.exit(1);
}

async function call(
  what: string,
  path: string,
  init: RequestInit & { expect?: number[] } = {},
): Promise<{ res: Response; body: any }> {
  let res: Response;
  try {
    res = await fetch(`${api}${path}`, { ...init, signal: AbortSignal.timeout(20_000) });
  } catch (err) {
    failed(what, `no answer (${(err as Error).message})`);
  }
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  if (!(init.expect ?? [200]).includes(res.status))
    failed(
      what,
      `HTTP ${res.status} ${typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body).slice(0, 300)}`,
    );
  return { res, body };
}

const json = (token?: string, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  ...tenantHeader,
  ...(token ? { authorization: `Bearer ${token}` } : {}),
  ...extra,
});

// 1. Health: both stores and the configuration.
const health = await call('health', '/health', { expect: [200, 503] });
if (health.res.status !== 200) {
  const problems = (health.body?.configuration?.problems ?? []) as { setting: string; problem: string }[];
  const down = Object.entries(health.body?.checks ?? {})
    .filter(([, c]) => (c as { status: string }).status !== 'up')
    .map(([name]) => `${name} down`);
  failed('health', [...down, ...problems.map((p) => `${p.setting} ${p.problem}`)].join('; ') || 'HTTP 503');
}
const environment = String(health.body.configuration?.environment ?? 'unknown');
ok(
  `health: postgres ${health.body.checks.postgres.latencyMs} ms, mongo ${health.body.checks.mongo.latencyMs} ms, ${environment}`,
);

// 2. An account: a throwaway registration, or the one given.
let login = values.get('login');
let password = values.get('password') ?? process.env.SMOKE_PASSWORD;
if (!login) {
  const handle = `smoke${randomBytes(5).toString('hex')}`;
  login = `${handle}@${values.get('email-domain') ?? 'smoke.invalid'}`;
  password = `Smoke-${randomBytes(9).toString('base64url')}-9a`;
  await call('register', '/auth/register', {
    method: 'POST',
    headers: json(),
    body: JSON.stringify({ email: login, username: handle, password, firstName: 'Smoke', lastName: 'Test' }),
    expect: [201],
  });
  ok(`registered ${handle}`);
} else if (!password) fail('smoke: --login needs --password or SMOKE_PASSWORD');

// 3. Sign in, then who am I.
const session = await call('login', '/auth/login', {
  method: 'POST',
  headers: json(),
  body: JSON.stringify({ login, password }),
});
const token = session.body?.tokens?.accessToken as string | undefined;
if (!token)
  failed('login', session.body?.twoFactorRequired ? 'the account has 2FA on: use another' : 'no access token');
const me = await call('me', '/auth/me', { headers: json(token) });
ok(`signed in as ${me.body.username ?? me.body.user?.username ?? login}`);

// 4. The catalog, anonymous, twice: the second read comes from the edge cache.
const first = await call('catalog read', '/products?limit=1', { headers: { ...tenantHeader } });
let cache = first.res.headers.get('x-cache');
for (let i = 0; i < 3 && cache !== 'HIT'; i++)
  cache = (await call('catalog read', '/products?limit=1', { headers: { ...tenantHeader } })).res.headers.get(
    'x-cache',
  );
if (cache !== 'HIT')
  failed(
    'edge cache',
    `x-cache ${cache ?? 'absent'} after 4 reads (EDGE_CACHE off, or served from workers.dev without a zone)`,
  );
ok(`catalog: ${first.res.headers.get('x-cache')} then HIT`);

// 5. Staging: an order paid with the test provider, to CONFIRMED.
if (flags.has('order')) {
  if (environment === 'production') fail('smoke: --order uses the test provider; production refuses it');
  const adminLogin = values.get('admin-login') ?? login;
  const adminPassword = values.get('admin-password') ?? process.env.SMOKE_ADMIN_PASSWORD ?? password;
  const admin = (
    await call('admin login', '/auth/login', {
      method: 'POST',
      headers: json(),
      body: JSON.stringify({ login: adminLogin, password: adminPassword }),
    })
  ).body.tokens.accessToken as string;
  const product = await call('product', '/products', {
    method: 'POST',
    headers: json(admin, { 'idempotency-key': `smoke-${randomBytes(6).toString('hex')}` }),
    body: JSON.stringify({
      name: `Smoke lamp ${Date.now()}`,
      price: '1.00',
      stockQuantity: 1,
      status: 'ACTIVE',
      published: true,
    }),
    expect: [201],
  });
  const order = await call('order', '/orders', {
    method: 'POST',
    headers: json(admin, { 'idempotency-key': `smoke-${randomBytes(6).toString('hex')}`, prefer: 'wait=10' }),
    body: JSON.stringify({
      lines: [{ productId: product.body.id, quantity: 1 }],
      shippingAddress: { street: '1 Main St', city: 'Springfield', state: 'IL', zipCode: '62701', country: 'US' },
      paymentMethod: { type: 'card', token: 'pm_test_success' },
    }),
    expect: [202],
  });
  if (order.body.order?.status !== 'CONFIRMED')
    failed('order', `status ${order.body.order?.status} (saga ${order.body.saga?.status}) after 10 s`);
  ok(`order ${order.body.order.orderNumber} CONFIRMED, payment ${order.body.order.paymentStatus}`);
}

console.log(`smoke: ${step} steps passed against ${base} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

/**
 * Carts (src/services/carts, src/durable/cart.ts) through the real Worker: tenant and ownership
 * isolation, the cart token's secrecy, estimates from the edge cache and flagged lines, merge on
 * sign-in, expiry by alarm, concurrent edits of one cart, and 0 store calls per edit.
 */
import {
  createExecutionContext,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';

import { createApp } from '../../src/app.ts';
import type { CartState } from '../../src/services/carts/index.ts';
import {
  addLine,
  anonymousCart,
  cartCall,
  getCart,
  json,
  userCart,
  warmProduct,
  type CartBody,
} from './carts-helpers.ts';
import { createProduct, PRODUCTS, send, shop } from './catalog-helpers.ts';
import { eventually, postJson, problemOf } from './helpers.ts';
import { registerUser } from './identity-helpers.ts';

const cartObject = (tenantId: string, cartId: string) =>
  env.CART.get(env.CART.idFromName(`cart:${tenantId}:${cartId}`));

describe('ownership and tenant isolation', () => {
  it('an anonymous cart answers only its token, in its tenant: no token 401, a wrong token or another tenant 404', async () => {
    const { tenantId, user } = await shop();
    const other = await shop();
    const { cart, token } = await anonymousCart(tenantId);
    expect(cart).toMatchObject({ status: 'OPEN', anonymous: true, userId: null, lines: [], pricesAreEstimates: true });
    expect(token).toMatch(/^ct_[A-Za-z0-9_-]{43}$/);

    expect((await json<CartBody>(await getCart({ tenantId, token }, cart.id), 200)).id).toBe(cart.id);
    expect((await getCart({ tenantId }, cart.id)).status).toBe(401);
    const wrong = await getCart({ tenantId, token: `ct_${'A'.repeat(43)}` }, cart.id);
    expect(wrong.status).toBe(404);
    expect((await problemOf(wrong)).type).toMatch(/not-found$/);
    expect((await getCart({ tenantId: other.tenantId, token }, cart.id)).status).toBe(404);
    // A signed-in user without the token is a stranger to it.
    expect((await getCart({ tenantId, user }, cart.id)).status).toBe(404);
    expect(
      (
        await cartCall({ tenantId, user }, 'POST', `/${cart.id}/lines`, {
          body: { productId: 'a'.repeat(24), quantity: 1 },
        })
      ).status,
    ).toBe(404);
  });

  it("a user's cart is 404 to another user of the tenant and to a user of another tenant; one open cart per user", async () => {
    const { tenantId, user } = await shop();
    const neighbour = await registerUser(tenantId);
    const foreign = (await shop()).user;
    const first = await json<{ cart: CartBody; cartToken: null }>(await cartCall({ tenantId, user }, 'POST', ''), 201);
    expect(first.cartToken).toBeNull();
    expect(first.cart).toMatchObject({ anonymous: false, userId: user.id });
    const again = await json<{ cart: CartBody }>(await cartCall({ tenantId, user }, 'POST', ''), 200);
    expect(again.cart.id).toBe(first.cart.id);

    expect((await getCart({ tenantId, user: neighbour }, first.cart.id)).status).toBe(404);
    expect((await getCart({ tenantId: foreign.tenantId, user: foreign }, first.cart.id)).status).toBe(404);
    expect((await json<CartBody>(await getCart({ tenantId, user }, first.cart.id), 200)).userId).toBe(user.id);
  });

  it('an API key without write:orders cannot create or edit a cart (403), the scope the routes declare', async () => {
    const { tenantId, user } = await shop();
    const cart = await userCart(user);
    const keyRes = await send(user, 'POST', '/api/v1/auth/api-keys', {
      body: { name: 'read only', scopes: ['read:orders'] },
    });
    const { key } = await json<{ key: string }>(keyRes, 201);
    const asKey = (method: string, path: string, body?: unknown) =>
      cartCall({ tenantId }, method, path, { body, headers: { 'x-api-key': key } });
    expect((await asKey('GET', `/${cart.id}`)).status).toBe(200);
    expect((await asKey('POST', `/${cart.id}/lines`, { productId: 'a'.repeat(24), quantity: 1 })).status).toBe(403);
    expect((await asKey('POST', '')).status).toBe(403);
  });
});

describe('the cart token is a bearer secret', () => {
  it('is answered once, stored only as a hash, never in a later answer nor in a log line', async () => {
    const { tenantId, manager } = await shop();
    const product = await createProduct(manager);
    const lines: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
    );
    // The app with info logs on: the access log line of every request is written.
    const app = createApp();
    const logged = { ...env, LOG_LEVEL: 'debug' };
    const request = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`http://localhost/api/v1/carts${path}`, {
          method,
          headers: { 'x-tenant-id': tenantId, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
          body: body ? JSON.stringify(body) : undefined,
        }),
        logged,
        ctx,
      );
      const text = await res.text();
      await waitOnExecutionContext(ctx);
      return { status: res.status, text };
    };
    try {
      const created = await request('POST', '', {});
      const { cart, cartToken } = JSON.parse(created.text) as { cart: CartBody; cartToken: string };
      const edits = [
        await request(
          'POST',
          `/${cart.id}/lines`,
          { 'x-cart-token': cartToken },
          { productId: product.id, quantity: 2 },
        ),
        await request('GET', `/${cart.id}`, { 'x-cart-token': cartToken }),
        await request('GET', `/${cart.id}`, { 'x-cart-token': cartToken.slice(0, -1) + 'x' }),
      ];
      expect(edits.map((e) => e.status)).toEqual([200, 200, 404]);
      for (const e of edits) expect(e.text).not.toContain(cartToken);
      expect(lines.some((l) => l.includes('"request"'))).toBe(true); // the access log was on
      expect(lines.filter((l) => l.includes(cartToken))).toEqual([]);
      const stored = await runInDurableObject(cartObject(tenantId, cart.id), async (_o, state) =>
        state.storage.get<CartState>('doc'),
      );
      expect(stored!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(stored)).not.toContain(cartToken);
      expect(JSON.stringify(stored)).not.toContain(cartToken.slice(3));
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});

describe('prices are estimates from the edge cache; lines never wait for the store', () => {
  it('a cached product gets its estimate at once; an uncached one is PENDING, then estimated in the background', async () => {
    const { tenantId, manager } = await shop();
    const [warm, cold] = await Promise.all([
      createProduct(manager, { price: '12.50' }),
      createProduct(manager, { price: '3.00' }),
    ]);
    await warmProduct(tenantId, warm);
    const { cart, token } = await anonymousCart(tenantId);
    const afterWarm = await json<CartBody>(await addLine({ tenantId, token }, cart.id, warm, 2), 200);
    expect(afterWarm.lines[0]).toMatchObject({
      availability: 'AVAILABLE',
      estimatedUnitPrice: '12.50',
      name: warm.name,
    });
    expect(afterWarm.estimatedSubtotal).toBe('25.00');
    const afterCold = await json<CartBody>(await addLine({ tenantId, token }, cart.id, cold, 1), 200);
    expect(afterCold.lines[1]).toMatchObject({ productId: cold.id, availability: 'PENDING', estimatedUnitPrice: null });
    const filled = await eventually(async () => {
      const c = await json<CartBody>(await getCart({ tenantId, token }, cart.id), 200);
      return c.lines[1]!.availability === 'AVAILABLE' ? c : null;
    });
    expect(filled.lines[1]!.estimatedUnitPrice).toBe('3.00');
    expect(filled.estimatedSubtotal).toBe('28.00');
  });

  it('0 store calls per cart edit and cart read (PostgreSQL statements and Data API calls, from the access log)', async () => {
    const { tenantId, manager } = await shop();
    const product = await createProduct(manager);
    await warmProduct(tenantId, product);
    const owner = await registerUser(tenantId);
    const cart = await userCart(owner);
    const usage: Array<{ path: string; method: string; pgQueries: number; dataApiCalls: number }> = [];
    const spy = vi.spyOn(console, 'info').mockImplementation((line: unknown) => {
      try {
        const entry = JSON.parse(String(line)) as { msg?: string } & (typeof usage)[number];
        if (entry.msg === 'request') usage.push(entry);
      } catch {
        // not a log line
      }
    });
    const app = createApp();
    const send = async (method: string, path: string, body?: unknown) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`http://localhost/api/v1/carts/${cart.id}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${owner.accessToken}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        }),
        { ...env, LOG_LEVEL: 'info' },
        ctx,
      );
      expect(res.status, await res.clone().text()).toBe(200);
      await res.arrayBuffer();
      await waitOnExecutionContext(ctx);
    };
    try {
      await send('POST', '/lines', { productId: product.id, quantity: 1 });
      await send('PATCH', '/lines', { productId: product.id, quantity: 3 });
      await send('PUT', '/shipping-address', {
        street: '1 Main St',
        city: 'Springfield',
        state: 'IL',
        zipCode: '62701',
        country: 'US',
      });
      await send('GET', '');
      await send('DELETE', `/lines?productId=${product.id}`);
    } finally {
      spy.mockRestore();
    }
    expect(usage.map((u) => [u.method, u.pgQueries, u.dataApiCalls])).toEqual([
      ['POST', 0, 0],
      ['PATCH', 0, 0],
      ['PUT', 0, 0],
      ['GET', 0, 0],
      ['DELETE', 0, 0],
    ]);
  });

  it('a product that became unavailable is flagged, kept in the cart, and refused at checkout by name', async () => {
    const { tenantId, manager, user } = await shop();
    const [kept, gone] = await Promise.all([createProduct(manager), createProduct(manager)]);
    await Promise.all([warmProduct(tenantId, kept), warmProduct(tenantId, gone)]);
    const cart = await userCart(user);
    await addLine({ tenantId, user }, cart.id, kept, 1);
    await addLine({ tenantId, user }, cart.id, gone, 1);
    expect((await send(manager, 'DELETE', `${PRODUCTS}/${gone.id}`)).status).toBe(204);
    const flagged = await eventually(async () => {
      const c = await json<CartBody>(await getCart({ tenantId, user }, cart.id), 200);
      return c.unavailableProductIds.length ? c : null;
    });
    expect(flagged.lines.map((l) => [l.productId, l.availability])).toEqual([
      [kept.id, 'AVAILABLE'],
      [gone.id, 'UNAVAILABLE'],
    ]);
    expect(flagged.unavailableProductIds).toEqual([gone.id]);
    expect(flagged.estimatedSubtotal).toBe('10.00'); // the flagged line counts for nothing
    await cartCall({ tenantId, user }, 'PUT', `/${cart.id}/shipping-address`, {
      body: { street: '1 Main St', city: 'Springfield', state: 'IL', zipCode: '62701', country: 'US' },
    });
    const refused = await cartCall({ tenantId, user }, 'POST', `/${cart.id}/checkout`, {
      body: { paymentMethod: { type: 'card', token: 'pm_test_success' } },
      headers: { 'idempotency-key': `key-${crypto.randomUUID()}` },
    });
    expect(refused.status).toBe(422);
    const problem = await problemOf(refused);
    expect(problem.type).toMatch(/cart-unavailable-lines$/);
    expect(problem.errors).toEqual([{ field: `lines.${gone.id}`, message: 'unknown product, or not for sale' }]);
    // Still the customer's, still open: removing the line lets them go on.
    const after = await json<CartBody>(await getCart({ tenantId, user }, cart.id), 200);
    expect(after.status).toBe('OPEN');
  });
});

describe('edits', () => {
  it('adds to a line, sets and removes it; caps and unknown lines answer problems naming the field', async () => {
    const { tenantId, manager } = await shop();
    const product = await createProduct(manager);
    const { cart, token } = await anonymousCart(tenantId);
    const who = { tenantId, token };
    await addLine(who, cart.id, product, 60);
    const over = await addLine(who, cart.id, product, 41);
    expect(over.status).toBe(422);
    expect((await problemOf(over)).errors?.[0]?.field).toBe('body.quantity');
    const set = await json<CartBody>(
      await cartCall(who, 'PATCH', `/${cart.id}/lines`, { body: { productId: product.id, quantity: 7 } }),
      200,
    );
    expect(set.lines.map((l) => l.quantity)).toEqual([7]);
    const missing = await cartCall(who, 'PATCH', `/${cart.id}/lines`, {
      body: { productId: 'b'.repeat(24), quantity: 1 },
    });
    expect(missing.status).toBe(404);
    expect((await problemOf(missing)).errors?.[0]?.field).toBe('body.productId');
    const bad = await cartCall(who, 'POST', `/${cart.id}/lines`, { body: { productId: 'nope', quantity: 0 } });
    expect(bad.status).toBe(400);
    const removed = await json<CartBody>(
      await cartCall(who, 'DELETE', `/${cart.id}/lines?productId=${product.id}`),
      200,
    );
    expect(removed.lines).toEqual([]);
  });

  it('If-Match with a stale version is 412 and changes nothing', async () => {
    const { tenantId, manager } = await shop();
    const product = await createProduct(manager);
    const { cart, token } = await anonymousCart(tenantId);
    const res = await cartCall({ tenantId, token }, 'POST', `/${cart.id}/lines`, {
      body: { productId: product.id, quantity: 1 },
      headers: { 'if-match': `"${cart.version}"` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${cart.version + 1}"`);
    const stale = await cartCall({ tenantId, token }, 'POST', `/${cart.id}/lines`, {
      body: { productId: product.id, quantity: 1 },
      headers: { 'if-match': `"${cart.version}"` },
    });
    expect(stale.status).toBe(412);
    expect((await json<CartBody>(await getCart({ tenantId, token }, cart.id), 200)).lines[0]!.quantity).toBe(1);
  });

  it('10 concurrent edits of one cart: no line is lost', async () => {
    const { tenantId, manager } = await shop();
    const products = await Promise.all(Array.from({ length: 10 }, () => createProduct(manager)));
    const { cart, token } = await anonymousCart(tenantId);
    const answers = await Promise.all(products.map((p, i) => addLine({ tenantId, token }, cart.id, p, i + 1)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    const final = await json<CartBody>(await getCart({ tenantId, token }, cart.id), 200);
    expect(new Map(final.lines.map((l) => [l.productId, l.quantity]))).toEqual(
      new Map(products.map((p, i) => [p.id, i + 1])),
    );
    expect(final.version).toBe(cart.version + 10);
  });
});

describe('merge on sign-in', () => {
  it("an anonymous cart merges into the user's open cart: quantities add up, the anonymous cart is MERGED; repeating changes nothing", async () => {
    const { tenantId, manager, user } = await shop();
    const [a, b] = await Promise.all([createProduct(manager), createProduct(manager)]);
    const mine = await userCart(user);
    await addLine({ tenantId, user }, mine.id, a, 1);
    const { cart: anon, token } = await anonymousCart(tenantId);
    await addLine({ tenantId, token }, anon.id, a, 2);
    await addLine({ tenantId, token }, anon.id, b, 3);

    const merged = await json<CartBody>(await cartCall({ tenantId, user, token }, 'POST', `/${anon.id}/merge`), 200);
    expect(merged.id).toBe(mine.id);
    expect(merged.lines.map((l) => [l.productId, l.quantity])).toEqual([
      [a.id, 3],
      [b.id, 3],
    ]);
    const source = await json<CartBody>(await getCart({ tenantId, token }, anon.id), 200);
    expect(source).toMatchObject({ status: 'MERGED', mergedInto: mine.id });
    expect((await addLine({ tenantId, token }, anon.id, a, 1)).status).toBe(409);

    const again = await json<CartBody>(await cartCall({ tenantId, user, token }, 'POST', `/${anon.id}/merge`), 200);
    expect(again.lines.map((l) => l.quantity)).toEqual([3, 3]);
    // Another user holding the token cannot take the merged cart's lines.
    const thief = await registerUser(tenantId);
    expect((await cartCall({ tenantId, user: thief, token }, 'POST', `/${anon.id}/merge`)).status).toBe(409);
  });

  it('a user without an open cart adopts the anonymous one; the token no longer opens it', async () => {
    const { tenantId, manager, user } = await shop();
    const product = await createProduct(manager);
    const { cart: anon, token } = await anonymousCart(tenantId);
    await addLine({ tenantId, token }, anon.id, product, 2);
    expect((await cartCall({ tenantId, token }, 'POST', `/${anon.id}/merge`)).status).toBe(401);
    const adopted = await json<CartBody>(await cartCall({ tenantId, user, token }, 'POST', `/${anon.id}/merge`), 200);
    expect(adopted).toMatchObject({ id: anon.id, anonymous: false, userId: user.id });
    expect((await getCart({ tenantId, token }, anon.id)).status).toBe(404);
    expect((await userCart(user)).id).toBe(anon.id);
  });
});

describe('merge on login', () => {
  it('POST /auth/login with X-Cart-Id and X-Cart-Token merges the cart and names it; a wrong token signs in without merging', async () => {
    const { tenantId, manager, user } = await shop();
    const product = await createProduct(manager);
    const mine = await userCart(user);
    await addLine({ tenantId, user }, mine.id, product, 1);
    const { cart: anon, token } = await anonymousCart(tenantId);
    await addLine({ tenantId, token }, anon.id, product, 4);

    const wrong = await postJson(
      '/api/v1/auth/login',
      { login: user.email, password: user.password },
      { 'x-tenant-id': tenantId, 'x-cart-id': anon.id, 'x-cart-token': `ct_${'B'.repeat(43)}` },
    );
    expect(wrong.status).toBe(200);
    expect(wrong.headers.get('x-cart-id')).toBeNull();

    const res = await postJson(
      '/api/v1/auth/login',
      { login: user.email, password: user.password },
      { 'x-tenant-id': tenantId, 'x-cart-id': anon.id, 'x-cart-token': token },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cart-id')).toBe(mine.id);
    const merged = await json<CartBody>(await getCart({ tenantId, user }, mine.id), 200);
    expect(merged.lines.map((l) => l.quantity)).toEqual([5]);
    expect((await json<CartBody>(await getCart({ tenantId, token }, anon.id), 200)).status).toBe('MERGED');
  });
});

describe('expiry', () => {
  it('a cart idle for CART_EXPIRY_DAYS is deleted by its alarm and leaves its user free to open another', async () => {
    const { tenantId, manager, user } = await shop();
    const product = await createProduct(manager);
    const cart = await userCart(user);
    await addLine({ tenantId, user }, cart.id, product, 1);
    const stub = cartObject(tenantId, cart.id);
    const alarmAt = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    const body = await json<CartBody>(await getCart({ tenantId, user }, cart.id), 200);
    expect(alarmAt).toBe(Date.parse(body.expiresAt!));
    expect(Date.parse(body.expiresAt!) - Date.now()).toBeGreaterThan(29.9 * 86_400_000);

    // Not yet idle long enough: the alarm only reschedules.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await getCart({ tenantId, user }, cart.id)).status).toBe(200);

    await runInDurableObject(stub, async (instance, state) => {
      const doc = (await state.storage.get<CartState>('doc'))!;
      const idle = { ...doc, updatedAt: Date.now() - 31 * 86_400_000 };
      await state.storage.put('doc', idle);
      (instance as unknown as { doc: CartState }).doc = idle;
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await getCart({ tenantId, user }, cart.id)).status).toBe(404);
    const next = await json<{ cart: CartBody }>(await cartCall({ tenantId, user }, 'POST', ''), 201);
    expect(next.cart.id).not.toBe(cart.id);
  });
});

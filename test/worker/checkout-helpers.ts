import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';

import { orders } from '../../src/db/pg/schema/orders.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import type { SagaContext } from '../../src/services/orders/saga/context.ts';
import { createProduct, send, shop, type Product } from './catalog-helpers.ts';
import { eventually } from './helpers.ts';
import type { TestUser } from './identity-helpers.ts';
import { testStores } from './stores.ts';

/** Checkout fixtures: a shop (tenant, manager, admin, user) with one product in stock. */
export const ORDERS = '/api/v1/orders';

/** A saga context for the pure state machine's tests (no order behind it). */
export function sagaContext(overrides: Partial<SagaContext> = {}): SagaContext {
  return {
    userId: crypto.randomUUID(),
    orderNumber: 'ORD-TEST-1',
    currency: 'USD',
    total: '10.00',
    totalMinor: 1000,
    paymentMethod: 'card',
    paymentToken: 'pm_test_success',
    lines: [{ productId: '6b06eed21006e491d07feb71', quantity: 1 }],
    ...overrides,
  };
}
export const ADDRESS = { street: '1 Main St', city: 'Springfield', state: 'IL', zipCode: '62701', country: 'US' };

export interface PlacedOrder {
  order: {
    id: string;
    orderNumber: string;
    status: string;
    paymentStatus: string;
    subtotal: string;
    tax: string;
    discount: string;
    shipping: string;
    total: string;
    version: number;
    items: {
      productId: string;
      productName: string;
      productSku: string | null;
      quantity: number;
      unitPrice: string;
      totalPrice: string;
    }[];
  };
  saga: { status: string; errorMessage: string | null } | null;
}

export async function checkoutShop(
  stock = 5,
  price = '10.00',
): Promise<Awaited<ReturnType<typeof shop>> & { product: Product }> {
  const s = await shop();
  const product = await createProduct(s.manager, {
    stockQuantity: stock,
    price,
    sku: `SKU-${crypto.randomUUID().slice(0, 8)}`,
  });
  return { ...s, product };
}

export function order(
  user: TestUser,
  body: Record<string, unknown>,
  opts: { key?: string; wait?: number } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'idempotency-key': opts.key ?? `key-${crypto.randomUUID()}` };
  if (opts.wait) headers.prefer = `wait=${opts.wait}`;
  return send(user, 'POST', ORDERS, {
    body: { shippingAddress: ADDRESS, paymentMethod: { type: 'card', token: 'pm_test_success' }, ...body },
    headers,
  });
}

export const lines = (product: Product, quantity = 1) => [{ productId: product.id, quantity }];

/**
 * Places an order and waits (Prefer: wait=10) for its saga to settle. A 503 (store
 * overloaded) is retried with the same Idempotency-Key, as a client should: the retry
 * returns the order the first call made, if it made one.
 */
export async function placeAndSettle(
  user: TestUser,
  body: Record<string, unknown>,
  key = `key-${crypto.randomUUID()}`,
): Promise<PlacedOrder> {
  for (let attempt = 1; ; attempt++) {
    const res = await order(user, body, { wait: 10, key });
    if (res.status === 202) return (await res.json()) as PlacedOrder;
    if (res.status !== 503 || attempt === 5) throw new Error(`order failed: ${res.status} ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
}

export async function productStock(manager: TestUser, productId: string): Promise<number> {
  const res = await send(manager, 'GET', `/api/v1/products/${productId}`);
  return ((await res.json()) as Product).stockQuantity;
}

/** The order row as PostgreSQL has it (status, payment status, version). */
export async function orderRow(tenantId: string, orderId: string) {
  const stores = testStores();
  try {
    const [row] = await inTenantTx(stores.pg('orders').db, tenantId, (tx) =>
      tx.select().from(orders).where(eq(orders.id, orderId)),
    );
    return row;
  } finally {
    await stores.close();
  }
}

/** The saga once settled and mirrored; a saga paused by a store outage resumes within its watchdog (30 s). */
export async function sagaSettled(orderId: string, timeoutMs = 20_000) {
  const saga = env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(orderId));
  return eventually(async () => {
    const { state, mirrored } = await saga.status();
    return state && mirrored && ['COMPLETED', 'COMPENSATED', 'COMPENSATION_FAILED', 'FAILED'].includes(state.status)
      ? state
      : null;
  }, timeoutMs);
}

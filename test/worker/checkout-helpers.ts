import { eq } from 'drizzle-orm';

import { orders } from '../../src/db/pg/schema/orders.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import type { SagaContext } from '../../src/services/orders/saga/context.ts';
import { ADDRESS, type TestUser } from '../fixtures/factories.ts';
import { send } from './catalog-helpers.ts';
import { testStores } from './stores.ts';

/** Checkout fixtures; the factories moved to test/fixtures/factories.ts. */
export {
  ADDRESS,
  checkoutShop,
  lines,
  placeAndSettle,
  placeOrder as order,
  productStock,
  sagaSettled,
  type PlacedOrder,
} from '../fixtures/factories.ts';
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

/**
 * POST /orders with a body the typed client would refuse to send (bad lines, unknown fields), to
 * test what the API answers; a valid order goes through `placeOrder` (the typed client).
 */
export function orderRaw(
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

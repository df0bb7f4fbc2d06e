/**
 * The real system under the order-lifecycle property test (order-lifecycle.property.test.ts):
 * one shop (tenant, owner, manager, admin) for the whole file, and per sequence one product
 * and one order placed through the Worker's real fetch handler. Everything is read back from
 * where it lives: PostgreSQL (order, payment, refunds, saga_executions), MongoDB (product
 * events, stock, notifications) and the order's OrderSaga Durable Object (state, log).
 *
 * `quiesce` waits until the saga has nothing left to do. After a Durable Object abort, a saga
 * that stood still for a while has its alarm moved to now (`nudge`, what a provider webhook
 * does) instead of waiting for its 30 s watchdog. `runDurableObjectAlarm` only for a terminal
 * saga not yet mirrored (nudge ignores those): it calls `alarm()` beside one that may still be
 * running, which workerd never does, and a doubled runner of a live saga reports steps twice.
 */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';

import { orders, sagaExecutions } from '../../src/db/pg/schema/orders.ts';
import { payments, refunds } from '../../src/db/pg/schema/payments.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import type { SagaState } from '../../src/services/orders/saga/state.ts';
import { jsonOf, placeOrder as orderRequest, productStock as stockOf } from '../fixtures/index.ts';
import { createProduct, send, shop, type Product } from './catalog-helpers.ts';
import { testStores } from './stores.ts';

export type Shop = Awaited<ReturnType<typeof shop>>;
export const stores = testStores();

/** Statuses after which the saga's runner has nothing left to do (COMPENSATION_FAILED: the undo that could not be done). */
export const SAGA_AT_REST = ['COMPLETED', 'COMPENSATED', 'FAILED', 'COMPENSATION_FAILED'];

/** Durable Object aborts so far (any sequence's: abortAllDurableObjects hits every object). */
export const faults = { aborts: 0 };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const sagaStub = (orderId: string) => env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(orderId));

/** The sequence's system: the order and what the harness learnt about it (ids, totals). */
export interface Real {
  shop: Shop;
  product: Product;
  stock: number;
  quantity: number;
  token: string;
  orderId: string;
  totalMinor: number;
  /** Refund Idempotency-Keys this sequence used, with the amount sent under each. */
  refundKeys: Map<string, string | undefined>;
}

export const toMinor = (amount: string) => Math.round(Number(amount) * 100);
export const money = (minor: number) => (minor / 100).toFixed(2);

/** A request that may meet a store overloaded by the test itself: 503 is retried (same key), as a client would. */
export async function sendRetrying(...args: Parameters<typeof send>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const res = await send(...args);
    if (res.status !== 503 || attempt === 4) return res;
    await res.body?.cancel();
    await sleep(300 * attempt);
  }
}

/** A product with `stock` units and one order of `quantity` paid with `token`, placed without waiting. */
export async function placeOrder(s: Shop, stock: number, quantity: number, token: string): Promise<Real> {
  const product = await createProduct(s.manager, { stockQuantity: stock, price: '10.00' });
  const key = `prop-${crypto.randomUUID()}`;
  const body = { lines: [{ productId: product.id, quantity }], paymentMethod: { type: 'card' as const, token } };
  let placed;
  for (let attempt = 1; ; attempt++) {
    const res = await orderRequest(s.user, body, { key });
    const status: number = res.status; // 503: the store is overloaded (not in the route's declared answers)
    if (status !== 503 || attempt === 4) {
      placed = await jsonOf(res, 202);
      break;
    }
    await res.text();
    await sleep(300 * attempt);
  }
  const { order } = placed;
  return {
    shop: s,
    product,
    stock,
    quantity,
    token,
    orderId: order.id,
    totalMinor: toMinor(order.total),
    refundKeys: new Map(),
  };
}

/** The saga's state, or null while the object cannot answer (aborted: the next call restarts it). */
async function sagaStatus(orderId: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sagaStub(orderId).status();
    } catch (err) {
      if (attempt === 5) throw err;
      await sleep(50);
    }
  }
}

/**
 * Waits until the saga rests (terminal and mirrored into PostgreSQL) or `boundMs` passed: more
 * than the runner's 30 s watchdog, which is all that resumes a saga aborted after its last
 * transition (a nudge does nothing to a terminal saga).
 * After an abort, a saga that stood still for `stillMs` has its alarm run now.
 */
export async function quiesce(
  orderId: string,
  abortsBefore: number,
  boundMs = 40_000,
  stillMs = 2_500,
): Promise<{ state: SagaState | null; rested: boolean; drivenAlarms: number }> {
  const deadline = Date.now() + boundMs;
  let signature = '';
  let stillSince = Date.now();
  let drivenAlarms = 0;
  for (;;) {
    const { state, mirrored } = await sagaStatus(orderId);
    if (state && SAGA_AT_REST.includes(state.status) && mirrored) return { state, rested: true, drivenAlarms };
    if (Date.now() > deadline) return { state, rested: false, drivenAlarms };
    const now = `${state?.status}:${state?.updatedAt}:${mirrored}`;
    if (now !== signature) {
      signature = now;
      stillSince = Date.now();
    } else if (faults.aborts > abortsBefore && Date.now() - stillSince > stillMs) {
      if (state && SAGA_AT_REST.includes(state.status)) {
        // Terminal, not yet mirrored: the runner would only mirror and announce (both
        // idempotent), so running its alarm now is safe even beside one still running.
        await runDurableObjectAlarm(sagaStub(orderId)).catch(() => false);
      } else {
        // As a webhook would: the alarm moves to now, and workerd still runs one alarm at a time.
        await sagaStub(orderId)
          .nudge()
          .catch(() => {});
      }
      drivenAlarms++;
      stillSince = Date.now();
    }
    await sleep(50);
  }
}

/** Everything the invariants read about one order, after quiescence. */
export async function observe(real: Real) {
  const { tenantId } = real.shop;
  const orderId = real.orderId;
  // The stock reservation queues its StockChangedEvent in the product's outbox (`stockOps`);
  // it reaches product_events when the catalog reads the product: the history does that.
  await flushOutbox(real);
  const [orderRows, mirrorRows, paymentRows, events, stockRes, saga] = await Promise.all([
    inTenantTx(stores.pg('orders').db, tenantId, (tx) => tx.select().from(orders).where(eq(orders.id, orderId))),
    inTenantTx(stores.pg('orders').db, tenantId, (tx) =>
      tx.select().from(sagaExecutions).where(eq(sagaExecutions.aggregateId, orderId)),
    ),
    inTenantTx(stores.pg('payments').db, tenantId, (tx) =>
      tx.select().from(payments).where(eq(payments.orderId, orderId)),
    ),
    stores
      .mongo()
      .collection<{ data: { reason: string; delta: number } }>('product_events')
      .find({ tenantId, aggregateId: real.product.id, eventType: 'StockChangedEvent', causationId: orderId }),
    productStock(real),
    Promise.all([sagaStub(orderId).state(), sagaStub(orderId).history()]),
  ]);
  const payment = paymentRows[0] ?? null;
  const refundRows = payment
    ? await inTenantTx(stores.pg('payments').db, tenantId, (tx) =>
        tx.select().from(refunds).where(eq(refunds.paymentId, payment.id)),
      )
    : [];
  return {
    order: orderRows[0] ?? null,
    mirror: mirrorRows[0] ?? null,
    payment,
    refunds: refundRows,
    stockEvents: events,
    stock: stockRes,
    saga: saga[0],
    history: saga[1],
  };
}
export type Observation = Awaited<ReturnType<typeof observe>>;

/** GET /products/{id}/events flushes the product's outbox into product_events. */
async function flushOutbox(real: Real): Promise<void> {
  const res = await send(real.shop.manager, 'GET', `/api/v1/products/${real.product.id}/events`);
  if (!res.ok) throw new Error(`product history answered ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
}

async function productStock(real: Real): Promise<number> {
  return stockOf(real.shop.manager, real.product.id);
}

/** The owner's stored notifications, by order id. */
export async function notificationsByOrder(s: Shop): Promise<Map<string, string[]>> {
  const docs = await stores
    .mongo()
    .collection<{ type: string; data?: { orderId?: string } }>('notifications')
    .find({ tenantId: s.tenantId, userId: s.user.id });
  const byOrder = new Map<string, string[]>();
  for (const d of docs) {
    const id = d.data?.orderId;
    if (!id) continue;
    byOrder.set(id, [...(byOrder.get(id) ?? []), d.type]);
  }
  return byOrder;
}

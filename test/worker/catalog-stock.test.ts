import { ObjectId } from 'bson';
import { afterAll, describe, expect, it } from 'vitest';

import { releaseStock, reserveStock } from '../../src/services/catalog/stock.ts';
import { createProduct, PRODUCTS as P, send, shop, type Product } from './catalog-helpers.ts';
import type { TestUser } from './identity-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

const create = (manager: TestUser, stockQuantity: number) => createProduct(manager, { price: '2.00', stockQuantity });

async function current(manager: TestUser, id: string): Promise<Product> {
  return (await (await send(manager, 'GET', `${P}/${id}`)).json()) as Product;
}

const stockEvents = (tenantId: string, id: string) =>
  mongo
    .collection('product_events')
    .find({ tenantId, aggregateId: id, eventType: 'StockChangedEvent' }, { sort: { version: 1 } });

describe('stock reservations: refused', () => {
  it('never more than the stock; unknown, foreign and malformed products are not_found', async () => {
    const { tenantId, manager } = await shop();
    const other = await shop();
    const product = await create(manager, 3);
    const orderId = crypto.randomUUID();
    expect(
      await reserveStock(mongo, { tenantId, productId: product.id, quantity: 4, orderId, userId: manager.id }),
    ).toEqual({
      ok: false,
      status: 'insufficient_stock',
      requested: 4,
      available: 3,
    });
    expect(
      await reserveStock(mongo, {
        tenantId: other.tenantId,
        productId: product.id,
        quantity: 1,
        orderId,
        userId: null,
      }),
    ).toEqual({
      ok: false,
      status: 'not_found',
    });
    expect(
      await reserveStock(mongo, {
        tenantId,
        productId: new ObjectId().toHexString(),
        quantity: 1,
        orderId,
        userId: null,
      }),
    ).toMatchObject({
      status: 'not_found',
    });
    expect(
      await reserveStock(mongo, { tenantId, productId: 'nope', quantity: 1, orderId, userId: null }),
    ).toMatchObject({ status: 'not_found' });
    await expect(
      reserveStock(mongo, { tenantId, productId: product.id, quantity: 0, orderId, userId: null }),
    ).rejects.toThrow(RangeError);
    expect((await current(manager, product.id)).stockQuantity).toBe(3);
    expect(await stockEvents(tenantId, product.id)).toEqual([]);
  });

  it('concurrent reserves that together exceed the stock: never negative, accepted sum <= initial stock', async () => {
    const { tenantId, manager } = await shop();
    const product = await create(manager, 10);
    const orders = Array.from({ length: 8 }, () => crypto.randomUUID());
    const results = await Promise.all(
      orders.map((orderId) =>
        reserveStock(mongo, { tenantId, productId: product.id, quantity: 3, orderId, userId: manager.id }),
      ),
    );
    const reserved = results.filter((r) => r.ok && r.status === 'reserved');
    for (const r of results) expect(['reserved', 'insufficient_stock', 'conflict']).toContain(r.status);
    const sum = reserved.length * 3;
    expect(sum).toBeLessThanOrEqual(10);
    expect(reserved.length).toBeGreaterThanOrEqual(1);
    const after = await current(manager, product.id);
    expect(after.stockQuantity).toBe(10 - sum);
    expect(after.stockQuantity).toBeGreaterThanOrEqual(0);
    // One event per accepted reservation, each caused by its order, versions dense.
    const events = await stockEvents(tenantId, product.id);
    expect(events).toHaveLength(reserved.length);
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 2));
    for (const e of events) {
      expect(orders).toContain(e.causationId);
      expect(e.data).toMatchObject({ reason: 'reserve', delta: -3, orderId: e.causationId });
      expect((e.data as { newQuantity: number }).newQuantity).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('stock reservations: working', () => {
  it('reserve and release are idempotent per order; events carry the order as causation', async () => {
    const { tenantId, manager } = await shop();
    const product = await create(manager, 5);
    const orderId = crypto.randomUUID();
    const input = { tenantId, productId: product.id, quantity: 2, orderId, userId: manager.id };

    expect(await reserveStock(mongo, input)).toMatchObject({
      ok: true,
      status: 'reserved',
      quantity: 2,
      stockQuantity: 3,
      version: 2,
    });
    expect(await reserveStock(mongo, input)).toMatchObject({
      ok: true,
      status: 'already_reserved',
      quantity: 2,
      stockQuantity: 3,
      version: 2,
    });
    expect(await releaseStock(mongo, input)).toMatchObject({
      ok: true,
      status: 'released',
      quantity: 2,
      stockQuantity: 5,
      version: 3,
    });
    expect(await releaseStock(mongo, input)).toMatchObject({
      ok: true,
      status: 'already_released',
      quantity: 2,
      stockQuantity: 5,
    });
    // A retried reserve after the release does not reserve again.
    expect(await reserveStock(mongo, input)).toMatchObject({ status: 'already_reserved', stockQuantity: 5 });
    expect(await releaseStock(mongo, { ...input, orderId: crypto.randomUUID() })).toMatchObject({
      ok: true,
      status: 'nothing_to_release',
      quantity: 0,
    });

    const events = await stockEvents(tenantId, product.id);
    expect(
      events.map((e) => [e.causationId, (e.data as { reason: string }).reason, (e.data as { delta: number }).delta]),
    ).toEqual([
      [orderId, 'reserve', -2],
      [orderId, 'release', 2],
    ]);
    expect(events.every((e) => e.userId === manager.id && e.correlationId === orderId)).toBe(true);
    expect((await current(manager, product.id)).version).toBe(3);
  });

  it('the same order reserving concurrently reserves once', async () => {
    const { tenantId, manager } = await shop();
    const product = await create(manager, 20);
    const orderId = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        reserveStock(mongo, { tenantId, productId: product.id, quantity: 4, orderId, userId: null }),
      ),
    );
    expect(results.filter((r) => r.status === 'reserved')).toHaveLength(1);
    for (const r of results) expect(['reserved', 'already_reserved']).toContain(r.status);
    expect((await current(manager, product.id)).stockQuantity).toBe(16);
    expect(await stockEvents(tenantId, product.id)).toHaveLength(1);
  });

  it('reserving the last unit makes an ACTIVE product OUT_OF_STOCK; releasing makes it ACTIVE again', async () => {
    const { tenantId, manager } = await shop();
    const product = await create(manager, 1);
    const orderId = crypto.randomUUID();
    await reserveStock(mongo, { tenantId, productId: product.id, quantity: 1, orderId, userId: null });
    expect(await current(manager, product.id)).toMatchObject({ stockQuantity: 0, status: 'OUT_OF_STOCK' });
    await releaseStock(mongo, { tenantId, productId: product.id, orderId, userId: null });
    expect(await current(manager, product.id)).toMatchObject({ stockQuantity: 1, status: 'ACTIVE' });
  });
});

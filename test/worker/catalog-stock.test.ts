import { ObjectId } from 'bson';
import { afterAll, describe, expect, it } from 'vitest';

import { HOLD_RETENTION_MS } from '../../src/services/catalog/stock-ops.ts';
import { releaseStock, reserveStock } from '../../src/services/catalog/stock.ts';
import { apiAs, createProduct, jsonOf, shop, type TestUser } from '../fixtures/index.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
/** What a stock change takes: the tenant and the stores (a saga step passes its own context). */
const stockCtx = (tenantId: string) => ({ stores, tenantId });
afterAll(() => stores.close());

const create = (manager: TestUser, stockQuantity: number) => createProduct(manager, { price: '2.00', stockQuantity });

async function current(manager: TestUser, id: string) {
  return jsonOf(await apiAs(manager).products[':idOrSlug'].$get({ param: { idOrSlug: id }, header: {} }), 200);
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
      await reserveStock(stockCtx(tenantId), { productId: product.id, quantity: 4, orderId, userId: manager.id }),
    ).toEqual({
      ok: false,
      status: 'insufficient_stock',
      requested: 4,
      available: 3,
    });
    expect(
      await reserveStock(stockCtx(other.tenantId), {
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
      await reserveStock(stockCtx(tenantId), {
        productId: new ObjectId().toHexString(),
        quantity: 1,
        orderId,
        userId: null,
      }),
    ).toMatchObject({
      status: 'not_found',
    });
    expect(
      await reserveStock(stockCtx(tenantId), { productId: 'nope', quantity: 1, orderId, userId: null }),
    ).toMatchObject({ status: 'not_found' });
    await expect(
      reserveStock(stockCtx(tenantId), { productId: product.id, quantity: 0, orderId, userId: null }),
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
        reserveStock(stockCtx(tenantId), { productId: product.id, quantity: 3, orderId, userId: manager.id }),
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

    expect(await reserveStock(stockCtx(input.tenantId), input)).toMatchObject({
      ok: true,
      status: 'reserved',
      quantity: 2,
      stockQuantity: 3,
      version: 2,
    });
    expect(await reserveStock(stockCtx(input.tenantId), input)).toMatchObject({
      ok: true,
      status: 'already_reserved',
      quantity: 2,
      stockQuantity: 3,
      version: 2,
    });
    expect(await releaseStock(stockCtx(input.tenantId), input)).toMatchObject({
      ok: true,
      status: 'released',
      quantity: 2,
      stockQuantity: 5,
      version: 3,
    });
    expect(await releaseStock(stockCtx(input.tenantId), input)).toMatchObject({
      ok: true,
      status: 'already_released',
      quantity: 2,
      stockQuantity: 5,
    });
    // A retried reserve after the release does not reserve again.
    expect(await reserveStock(stockCtx(input.tenantId), input)).toMatchObject({
      status: 'already_reserved',
      stockQuantity: 5,
    });
    expect(await releaseStock(stockCtx(input.tenantId), { ...input, orderId: crypto.randomUUID() })).toMatchObject({
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
        reserveStock(stockCtx(tenantId), { productId: product.id, quantity: 4, orderId, userId: null }),
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
    await reserveStock(stockCtx(tenantId), { productId: product.id, quantity: 1, orderId, userId: null });
    expect(await current(manager, product.id)).toMatchObject({ stockQuantity: 0, status: 'OUT_OF_STOCK' });
    await releaseStock(stockCtx(tenantId), { productId: product.id, orderId, userId: null });
    expect(await current(manager, product.id)).toMatchObject({ stockQuantity: 1, status: 'ACTIVE' });
  });
});

async function history(manager: TestUser, id: string) {
  const res = await apiAs(manager).products[':id'].events.$get({ param: { id }, query: { limit: '100' } });
  return (await jsonOf(res, 200)).data;
}

/** The saga's entries of a document's outbox (the create's event may still be in it: its route flushes after the response). */
const stockOpsOf = (doc: Record<string, unknown> | null) =>
  ((doc?.stockOps ?? []) as Array<Record<string, unknown>>).filter((op) => !('event' in op));

const productDoc = (tenantId: string, id: string) =>
  mongo.collection('products').findOne<Record<string, unknown>>({ _id: new ObjectId(id), tenantId });

describe('stock in one call (findOneAndUpdate; the event rides in the document until flushed)', () => {
  it('a reservation and a release are one Data API call each; the history shows their events', async () => {
    const { tenantId, manager } = await shop();
    const product = await create(manager, 5);
    const orderId = crypto.randomUUID();
    const input = { tenantId, productId: product.id, quantity: 2, orderId, userId: manager.id };
    const calls = () => mongo.stats.calls;

    let before = calls();
    expect(await reserveStock(stockCtx(input.tenantId), input)).toEqual({
      ok: true,
      status: 'reserved',
      quantity: 2,
      stockQuantity: 3,
      version: 2,
      slug: product.slug,
    });
    expect(calls() - before).toBe(1);
    // The stock moved and the event waits in the document's outbox, with the order's hold.
    const doc = await productDoc(tenantId, product.id);
    expect(doc).toMatchObject({ stockQuantity: 3, version: 2, stockHolds: { [orderId]: { q: 2 } } });
    expect(stockOpsOf(doc)).toHaveLength(1);

    before = calls();
    expect(await releaseStock(stockCtx(input.tenantId), input)).toMatchObject({
      ok: true,
      status: 'released',
      quantity: 2,
      version: 3,
    });
    expect(calls() - before).toBe(1);

    const events = (await history(manager, product.id)).filter((e) => e.eventType === 'StockChangedEvent');
    expect(events.map((e) => [e.version, e.causationId, e.data])).toEqual([
      [2, orderId, { previousQuantity: 5, newQuantity: 3, delta: -2, reason: 'reserve', orderId }],
      [3, orderId, { previousQuantity: 3, newQuantity: 5, delta: 2, reason: 'release', orderId }],
    ]);
    expect((await productDoc(tenantId, product.id))?.stockOps).toEqual([]);
    // Retries change nothing, whichever path answers them.
    expect(await reserveStock(stockCtx(input.tenantId), input)).toMatchObject({
      status: 'already_reserved',
      stockQuantity: 5,
    });
    expect(await releaseStock(stockCtx(input.tenantId), input)).toMatchObject({
      status: 'already_released',
      stockQuantity: 5,
    });
  });

  it('50 concurrent reservations of one unit against a stock of 10: exactly 10 taken, versions dense', async () => {
    const { tenantId, manager } = await shop();
    const product = await create(manager, 10);
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        reserveStock(stockCtx(tenantId), {
          productId: product.id,
          quantity: 1,
          orderId: crypto.randomUUID(),
          userId: null,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'reserved')).toHaveLength(10);
    expect(results.filter((r) => r.status === 'insufficient_stock')).toHaveLength(40);
    expect(await current(manager, product.id)).toMatchObject({ stockQuantity: 0, status: 'OUT_OF_STOCK', version: 11 });
    const events = (await history(manager, product.id)).slice(1);
    expect(events.map((e) => e.version)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(events.map((e) => e.data.newQuantity)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('a command after one-call reservations continues the same version sequence', async () => {
    const { tenantId, manager } = await shop();
    const product = await create(manager, 9);
    for (const quantity of [1, 2])
      await reserveStock(stockCtx(tenantId), {
        productId: product.id,
        quantity,
        orderId: crypto.randomUUID(),
        userId: null,
      });
    const res = await apiAs(manager).products[':id'].price.$put({
      param: { id: product.id },
      header: {},
      json: { price: '2.50' },
    });
    expect(res.status).toBe(200);
    expect((await history(manager, product.id)).map((e) => [e.version, e.eventType, e.data.newQuantity])).toEqual([
      [1, 'ProductCreatedEvent', undefined],
      [2, 'StockChangedEvent', 8],
      [3, 'StockChangedEvent', 6],
      [4, 'PriceChangedEvent', undefined],
    ]);
    expect(await current(manager, product.id)).toMatchObject({ stockQuantity: 6, price: '2.50', version: 4 });
  });

  it('a flush that died after appending is finished by the next reader; the rebuild agrees', async () => {
    const { tenantId, manager, admin } = await shop();
    const product = await create(manager, 4);
    const orderId = crypto.randomUUID();
    await reserveStock(stockCtx(tenantId), { productId: product.id, quantity: 3, orderId, userId: null });
    // The crash: the event was appended, the outbox entry not yet removed.
    const doc = await productDoc(tenantId, product.id);
    const op = stockOpsOf(doc)[0]!;
    await mongo.collection('product_events').insertOne({
      eventId: op.eventId,
      eventType: 'StockChangedEvent',
      aggregateId: product.id,
      version: 2,
      data: { previousQuantity: 4, newQuantity: 1, delta: -3, reason: 'reserve', orderId },
      userId: null,
      timestamp: op.at,
      correlationId: orderId,
      causationId: orderId,
      tenantId,
    });
    expect((await history(manager, product.id)).map((e) => e.version)).toEqual([1, 2]);
    expect((await productDoc(tenantId, product.id))?.stockOps).toEqual([]);
    const rebuilt = await apiAs(admin).products[':id'].rebuild.$post({ param: { id: product.id } });
    expect(rebuilt.status).toBe(200);
    expect(await current(manager, product.id)).toMatchObject({ stockQuantity: 1, version: 2 });
    // The rebuild keeps the hold: a retried reservation takes nothing.
    expect(
      await reserveStock(stockCtx(tenantId), { productId: product.id, quantity: 3, orderId, userId: null }),
    ).toMatchObject({ status: 'already_reserved', stockQuantity: 1 });
  });

  it('a command that died after its claim: the reservation goes through the command loop and repairs it', async () => {
    const { tenantId, manager } = await shop();
    const product = await create(manager, 6);
    await mongo
      .collection('products')
      .updateOne({ _id: new ObjectId(product.id), tenantId }, { $set: { pendingVersion: 2 } });
    const orderId = crypto.randomUUID();
    const input = { tenantId, productId: product.id, quantity: 2, orderId, userId: null };
    expect(await reserveStock(stockCtx(input.tenantId), input)).toMatchObject({
      status: 'reserved',
      stockQuantity: 4,
      version: 2,
    });
    // Its hold was recorded on that path too: the next retry is answered without reserving.
    expect(await reserveStock(stockCtx(input.tenantId), input)).toMatchObject({
      status: 'already_reserved',
      stockQuantity: 4,
    });
    expect(await releaseStock(stockCtx(input.tenantId), input)).toMatchObject({
      status: 'released',
      stockQuantity: 6,
      version: 3,
    });
    expect((await history(manager, product.id)).map((e) => [e.version, e.data.reason])).toEqual([
      [1, undefined],
      [2, 'reserve'],
      [3, 'release'],
    ]);
  });

  it('holds older than a day leave the document with its next change; their order still releases once', async () => {
    const { tenantId, manager } = await shop();
    const product = await create(manager, 10);
    const [old, recent, next] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const input = (orderId: string, quantity: number) => ({
      tenantId,
      productId: product.id,
      quantity,
      orderId,
      userId: null,
    });
    await reserveStock(stockCtx(tenantId), input(old, 2));
    await reserveStock(stockCtx(tenantId), input(recent, 1));
    // The first order's hold was taken 25 hours ago; the second's a moment ago.
    await mongo
      .collection('products')
      .updateOne(
        { _id: new ObjectId(product.id), tenantId },
        { $set: { [`stockHolds.${old}.at`]: new Date(Date.now() - HOLD_RETENTION_MS - 3_600_000) } },
      );

    expect(await reserveStock(stockCtx(tenantId), input(next, 3))).toMatchObject({
      status: 'reserved',
      stockQuantity: 4,
    });
    const holds = (await productDoc(tenantId, product.id))?.stockHolds as Record<string, unknown>;
    expect(Object.keys(holds).sort()).toEqual([recent, next].sort());

    // The old order's release finds its reservation among the events, once.
    expect(await releaseStock(stockCtx(tenantId), input(old, 2))).toMatchObject({
      status: 'released',
      quantity: 2,
      stockQuantity: 6,
    });
    expect(await releaseStock(stockCtx(tenantId), input(old, 2))).toMatchObject({
      status: 'already_released',
      stockQuantity: 6,
    });
    expect(await releaseStock(stockCtx(tenantId), input(recent, 1))).toMatchObject({
      status: 'released',
      stockQuantity: 7,
    });
    expect(await current(manager, product.id)).toMatchObject({ stockQuantity: 7 });
  });
});

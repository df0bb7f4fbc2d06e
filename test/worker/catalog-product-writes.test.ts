import { ObjectId } from 'bson';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';

import { createLogger } from '../../src/lib/logger.ts';
import { runCommand, type ProductDoc } from '../../src/services/catalog/event-store.ts';
import { updateProduct } from '../../src/services/catalog/index.ts';
import type { ProductEvent } from '../../src/services/catalog/product-reducer.ts';
import { reserveStock } from '../../src/services/catalog/stock.ts';
import { systemContext } from '../../src/services/context.ts';
import { apiAs, createCategory, createProduct, jsonOf, problemOf, shop, type TestUser } from '../fixtures/index.ts';
import { PRODUCTS as P, send } from './catalog-helpers.ts';
import { testStores } from './stores.ts';

// A product write is one conditional update of the document that carries its event in the
// outbox (event-store.ts); the route flushes the outbox into product_events after the answer.

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

const rawDoc = (tenantId: string, id: string) =>
  mongo.collection<ProductDoc>('products').findOne({ _id: new ObjectId(id), tenantId });
const streamVersions = async (tenantId: string, id: string) =>
  (
    await mongo
      .collection<ProductEvent>('product_events')
      .find({ tenantId, aggregateId: id }, { sort: { version: 1 }, projection: { version: 1 } })
  ).map((e) => e.version);

/** The whole history through the API, which flushes the product's outbox into the stream first. */
async function history(who: TestUser, id: string) {
  const res = await apiAs(who).products[':id'].events.$get({ param: { id }, query: { limit: '100' } });
  return (await jsonOf(res, 200)).data;
}

/** A promise each caller waits on until `n` callers are waiting: they all loaded before any writes. */
function barrier(n: number): () => Promise<void> {
  let waiting = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++waiting === n) open();
    return opened;
  };
}

const eventContext = (tenantId: string) => ({
  mongo,
  tenantId,
  userId: null,
  correlationId: 'test',
  causationId: 'test',
});

describe('product writes: one conditional update, the event in the outbox', () => {
  it('two commands that loaded the same version: exactly one writes it, the other is 409; one event per version', async () => {
    const { manager, tenantId } = await shop();
    const product = await createProduct(manager);
    const bothLoaded = barrier(2);
    const rename = (name: string) =>
      runCommand(eventContext(tenantId), product.id, {}, async (current) => {
        expect(current.version).toBe(1);
        await bothLoaded();
        return { eventType: 'ProductUpdatedEvent', data: { changes: { name }, previous: { name: current.name } } };
      });
    const results = await Promise.allSettled([rename('Left'), rename('Right')]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ status: 409 });
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof rename>>>).value;
    expect(winner.record.version).toBe(2);
    expect(await rawDoc(tenantId, product.id)).toMatchObject({ version: 2, name: winner.record.name });
    expect((await history(manager, product.id)).map((e) => [e.version, e.eventType])).toEqual([
      [1, 'ProductCreatedEvent'],
      [2, 'ProductUpdatedEvent'],
    ]);
  });

  it('PATCHes racing over HTTP: with If-Match exactly one wins and the rest are 412; with `*`, losers are 409 and versions stay dense', async () => {
    const { manager, tenantId } = await shop();
    const product = await createProduct(manager);
    const patch = (name: string, headers: Record<string, string> = {}) =>
      send(manager, 'PATCH', `${P}/${product.id}`, { body: { name }, headers });

    const matched = await Promise.all(['A', 'B', 'C', 'D'].map((n) => patch(`Match ${n}`, { 'if-match': '"1"' })));
    expect(matched.map((r) => r.status).sort()).toEqual([200, 412, 412, 412]);

    const free = await Promise.all(['A', 'B', 'C', 'D'].map((n) => patch(`Free ${n}`, { 'if-match': '*' })));
    for (const res of free) expect([200, 409]).toContain(res.status);
    const versions = free.filter((r) => r.status === 200).map((r) => Number(JSON.parse(r.headers.get('etag')!)));
    // Each answer that won names a version of its own, and nothing else moved the product.
    expect(new Set(versions).size).toBe(versions.length);
    const last = 2 + versions.length;
    expect(Math.max(...versions)).toBe(last);
    expect((await history(manager, product.id)).map((e) => e.version)).toEqual(
      Array.from({ length: last }, (_, i) => i + 1),
    );
    expect((await rawDoc(tenantId, product.id))!.version).toBe(last);
  });

  it('a command that one-call stock changes overtook decides again on the new state (no 409)', async () => {
    const { manager, tenantId } = await shop();
    const product = await createProduct(manager, { stockQuantity: 10 });
    const ctx = { stores, tenantId };
    let decisions = 0;
    const { record } = await runCommand(eventContext(tenantId), product.id, {}, async (current) => {
      if (++decisions === 1) {
        // The saga reserves between this command's load and its write.
        await reserveStock(ctx, { productId: product.id, quantity: 3, orderId: crypto.randomUUID(), userId: null });
      }
      return {
        eventType: 'StockChangedEvent',
        data: {
          previousQuantity: current.stockQuantity,
          newQuantity: current.stockQuantity + 1,
          delta: 1,
          reason: 'adjust',
        },
      };
    });
    expect(decisions).toBe(2);
    expect(record).toMatchObject({ version: 3, stockQuantity: 8 });
    expect((await history(manager, product.id)).map((e) => [e.version, e.data.newQuantity])).toEqual([
      [1, undefined],
      [2, 7],
      [3, 8],
    ]);
  });

  it('a command that died before its flush: reads see it, the history and the next command flush it, the rebuild agrees', async () => {
    const { manager, admin, tenantId } = await shop();
    const product = await createProduct(manager, { price: '5.00', stockQuantity: 2 });
    // The service without its route: nothing flushes the outbox (a Worker that died after the write).
    const ctx = systemContext(env, stores, createLogger('error'), tenantId);
    const { record } = await updateProduct(ctx, { productId: product.id, patch: { name: 'Unflushed' } });
    expect(record.version).toBe(2);
    const doc = await rawDoc(tenantId, product.id);
    expect(doc).toMatchObject({ version: 2, name: 'Unflushed', commandVersion: 2 });
    expect(doc!.stockOps!.map((op) => ('event' in op ? op.event.version : null))).toContain(2);
    expect(await streamVersions(tenantId, product.id)).not.toContain(2);

    // A read is the document, one call.
    const read = await send(null, 'GET', `${P}/${product.id}`, { headers: { 'x-tenant-id': tenantId } });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-data-api-calls')).toBe('1');
    expect(await read.json()).toMatchObject({ name: 'Unflushed', version: 2 });

    // The history flushes it.
    const events = await history(manager, product.id);
    expect(events.map((e) => e.version)).toEqual([1, 2]);
    expect(events[1]!.data).toMatchObject({ changes: { name: 'Unflushed' } });
    expect((await rawDoc(tenantId, product.id))!.stockOps).toEqual([]);

    // Another unflushed write, then a command through its route: its flush after the answer takes both.
    await updateProduct(ctx, { productId: product.id, patch: { description: 'Also unflushed' } });
    const priced = await send(manager, 'PUT', `${P}/${product.id}/price`, { body: { price: '6.00' } });
    expect(priced.status).toBe(200);
    let versions: number[] = [];
    for (let i = 0; i < 100 && versions.length < 4; i++) {
      versions = await streamVersions(tenantId, product.id);
      if (versions.length < 4) await new Promise((r) => setTimeout(r, 50));
    }
    expect(versions).toEqual([1, 2, 3, 4]);

    // The stream alone gives the same document.
    const before = await rawDoc(tenantId, product.id);
    const rebuilt = await send(admin, 'POST', `${P}/${product.id}/rebuild`);
    expect(rebuilt.status).toBe(200);
    expect(await rebuilt.json()).toMatchObject({ eventsReplayed: 4 });
    const after = await rawDoc(tenantId, product.id);
    expect({ ...after, stockOps: [] }).toEqual({ ...before, stockOps: [] });
    expect(after).toMatchObject({ version: 4, name: 'Unflushed', description: 'Also unflushed', priceMinor: 600 });
  });

  it('creates racing on one slug: one takes it, the others 409 on body.slug; generated slugs get the next -N', async () => {
    const { manager } = await shop();
    const slug = `race-${crypto.randomUUID().slice(0, 8)}`;
    const given = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        send(manager, 'POST', P, { body: { name: `Race ${i}`, slug, price: '1.00', stockQuantity: 1 } }),
      ),
    );
    expect(given.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    for (const res of given.filter((r) => r.status === 409))
      expect((await problemOf(res)).errors?.map((e) => e.field)).toEqual(['body.slug']);

    const name = `Twin ${crypto.randomUUID().slice(0, 8)}`;
    const generated = await Promise.all(
      [1, 2, 3, 4].map(() => send(manager, 'POST', P, { body: { name, price: '1.00', stockQuantity: 1 } })),
    );
    expect(generated.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const slugs = await Promise.all(generated.map(async (r) => ((await r.json()) as { slug: string }).slug));
    const base = name.toLowerCase().replace(' ', '-');
    expect([...slugs].sort()).toEqual([base, `${base}-2`, `${base}-3`, `${base}-4`]);
  });

  it('every command is two round trips: its checks run beside the load; entering a category adds the counter, a delete the purge', async () => {
    const { manager } = await shop();
    const category = await createCategory(manager);
    const product = await createProduct(manager);
    const url = `${P}/${product.id}`;
    const writes: Array<[string, string, unknown, number]> = [
      ['PATCH', url, { name: 'Two calls' }, 2],
      ['PATCH', url, { sku: `SKU-${crypto.randomUUID().slice(0, 8)}` }, 2], // the SKU check beside the load
      ['PATCH', url, { categoryId: category.id }, 3], // the category beside the load, then the counter's $inc
      ['PUT', `${url}/price`, { price: '11.00' }, 2],
      ['PUT', `${url}/stock`, { delta: 2 }, 2],
      ['DELETE', url, undefined, 4], // the purge's slug lookup first; leaving the category moves its counter
    ];
    for (const [method, path, body, trips] of writes) {
      const res = await send(manager, method, path, { body, headers: { 'if-match': '*' } });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      expect(Number.parseInt(res.headers.get('x-round-trips')!, 10), `${method} ${JSON.stringify(body)}`).toBe(trips);
    }
    expect((await history(manager, product.id)).map((e) => e.eventType)).toEqual([
      'ProductCreatedEvent',
      'ProductUpdatedEvent',
      'ProductUpdatedEvent',
      'ProductUpdatedEvent',
      'PriceChangedEvent',
      'StockChangedEvent',
      'ProductDeletedEvent',
    ]);
  });

  it('a create is one insert beside its checks, and an Idempotency-Key retry answers the first product', async () => {
    const { manager, tenantId } = await shop();
    const body = { name: `Once ${crypto.randomUUID().slice(0, 8)}`, price: '2.00', stockQuantity: 3, sku: 'ONCE-1' };
    const key = crypto.randomUUID();
    const first = await send(manager, 'POST', P, { body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    expect(first.headers.get('x-round-trips')).toMatch(/^2;/); // the SKU check, then the insert
    const made = (await first.json()) as { id: string; version: number };
    const again = await send(manager, 'POST', P, { body, headers: { 'idempotency-key': key } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toMatchObject({ id: made.id, version: 1 });
    const other = await send(manager, 'POST', P, {
      body: { ...body, price: '3.00' },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(422);
    expect((await history(manager, made.id)).map((e) => e.version)).toEqual([1]);
    expect(await streamVersions(tenantId, made.id)).toEqual([1]);
  });
});

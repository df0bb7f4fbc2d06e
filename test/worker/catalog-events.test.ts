import { ObjectId } from 'bson';
import { afterAll, describe, expect, it } from 'vitest';

import { makeEvent, stateFromDoc, type ProductDoc } from '../../src/services/catalog/event-store.ts';
import {
  applyEvent,
  EventSequenceError,
  projectionOf,
  rebuildProduct,
  type ProductCreatedData,
  type ProductCreatedEvent,
  type ProductEvent,
} from '../../src/services/catalog/product-reducer.ts';
import { apiAs, createCategory, createProduct, jsonOf, problemOf, shop, type TestUser } from '../fixtures/index.ts';
import { PRODUCTS as P, send } from './catalog-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

// Refusals (bad cursors, malformed ids, missing permissions) and the random command mix go through
// the raw `send`; reads the tests assert on go through the typed client.

const categoryOf = async (who: TestUser, slug: string) =>
  jsonOf(await apiAs(who).categories[':slug'].$get({ param: { slug }, header: {} }), 200);
const listOf = async (who: TestUser, q: string) =>
  jsonOf(await apiAs(who).products.$get({ query: { q }, header: {} }), 200);

const rawDoc = (tenantId: string, id: string) =>
  mongo.collection<ProductDoc>('products').findOne({ _id: new ObjectId(id), tenantId });
const rawEvents = async (tenantId: string, id: string) =>
  (await mongo.collection('product_events').find({ tenantId, aggregateId: id }, { sort: { version: 1 } })).map(
    ({ _id, ...e }) => e as unknown as ProductEvent,
  );

/** The whole history through the API (which flushes the product's outbox into the stream first). */
async function history(who: TestUser, id: string) {
  const res = await apiAs(who).products[':id'].events.$get({ param: { id }, query: { limit: '100' } });
  return (await jsonOf(res, 200)).data;
}

const appendRaw = (e: ProductEvent) =>
  mongo.collection('product_events').insertOne({ ...e } as Record<string, unknown>);

/** An event as a system actor of the tests writes it (no user, correlation "test"). */
function event(
  tenantId: string,
  aggregateId: string,
  version: number,
  eventType: ProductEvent['eventType'],
  data: unknown,
): ProductEvent {
  return makeEvent(
    { tenantId, userId: null, correlationId: 'test', causationId: 'test' },
    aggregateId,
    version,
    eventType,
    data,
  );
}

/** ProductCreatedEvent data (money in minor units): an ACTIVE, published product 'A' at 10.00, stock 1, no category. */
function createdData(overrides: Partial<ProductCreatedData> = {}): ProductCreatedData {
  return {
    name: 'A',
    description: null,
    slug: 'a',
    priceMinor: 1000,
    compareAtPriceMinor: null,
    currency: 'USD',
    stockQuantity: 1,
    sku: null,
    category: null,
    images: [],
    specifications: {},
    metaTitle: null,
    metaDescription: null,
    metaKeywords: [],
    status: 'ACTIVE',
    published: true,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------
// The reducer (pure)
// ---------------------------------------------------------------------------

describe('product reducer', () => {
  const id = new ObjectId().toHexString();
  const created = event('t', id, 1, 'ProductCreatedEvent', createdData()) as ProductCreatedEvent;

  it('refuses streams that do not fit: gaps, a second creation, anything before creation or after deletion', () => {
    const s1 = applyEvent(null, created);
    expect(() => applyEvent(s1, created)).toThrow(EventSequenceError);
    expect(() => applyEvent(null, event('t', id, 2, 'PriceChangedEvent', {}))).toThrow(EventSequenceError);
    expect(() => applyEvent(s1, event('t', id, 3, 'StockChangedEvent', { newQuantity: 2 }))).toThrow(
      EventSequenceError,
    );
    const deleted = applyEvent(s1, event('t', id, 2, 'ProductDeletedEvent', { previousStatus: 'ACTIVE' }));
    expect(deleted).toMatchObject({ status: 'ARCHIVED', published: false, version: 2 });
    expect(() => applyEvent(deleted, event('t', id, 3, 'StockChangedEvent', { newQuantity: 2 }))).toThrow(
      EventSequenceError,
    );
  });

  it('is pure: the input state is never changed', () => {
    const s1 = applyEvent(null, created);
    const frozen = structuredClone(s1);
    const s2 = applyEvent(
      s1,
      event('t', id, 2, 'ProductUpdatedEvent', { changes: { name: 'B', metaKeywords: ['k'] }, previous: {} }),
    );
    const s3 = applyEvent(
      s2,
      event('t', id, 3, 'StockChangedEvent', { previousQuantity: 1, newQuantity: 0, delta: -1, reason: 'adjust' }),
    );
    expect(s1).toEqual(frozen);
    expect(s2).toMatchObject({ name: 'B', metaKeywords: ['k'], version: 2 });
    expect(s3).toMatchObject({ stockQuantity: 0, status: 'OUT_OF_STOCK' });
    expect(rebuildProduct([])).toBeNull();
  });
});

// ---------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------

describe('product events: refused', () => {
  it('history is staff only, per tenant; bad cursors and ids are 400s', async () => {
    const { manager, user } = await shop();
    const other = await shop();
    const product = await createProduct(manager);
    expect((await send(user, 'GET', `${P}/${product.id}/events`)).status).toBe(403);
    expect((await send(null, 'GET', `${P}/${product.id}/events`)).status).toBe(401);
    expect((await send(other.manager, 'GET', `${P}/${product.id}/events`)).status).toBe(404);
    let res = await send(manager, 'GET', `${P}/${product.id}/events?cursor=abc`);
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.map((e) => e.field)).toContain('query.cursor');
    res = await send(manager, 'GET', `${P}/nope/events`);
    expect((await problemOf(res)).errors?.map((e) => e.field)).toContain('param.id');
  });

  it('rebuild is ADMIN only', async () => {
    const { manager, user } = await shop();
    const product = await createProduct(manager);
    expect((await send(manager, 'POST', `${P}/${product.id}/rebuild`)).status).toBe(403);
    expect((await send(user, 'POST', `${P}/${product.id}/rebuild`)).status).toBe(403);
    expect((await send(null, 'POST', `${P}/${product.id}/rebuild`)).status).toBe(401);
  });
});

describe('product events: working', () => {
  it('records every command with its metadata; pages by version; money as decimal strings', async () => {
    const { manager, tenantId } = await shop();
    const product = await createProduct(manager, { price: '19.99' });
    const requestId = `req-${crypto.randomUUID()}`;
    let res = await send(manager, 'PATCH', `${P}/${product.id}`, {
      body: { name: 'Renamed' },
      headers: { 'if-match': '"1"', 'x-request-id': requestId },
    });
    expect(res.status).toBe(200);
    res = await send(manager, 'PUT', `${P}/${product.id}/price`, { body: { price: '17.5', compareAtPrice: '19.99' } });
    expect(res.status).toBe(200);
    res = await send(manager, 'PUT', `${P}/${product.id}/stock`, { body: { delta: 3 } });
    expect(res.status).toBe(200);
    res = await send(manager, 'DELETE', `${P}/${product.id}`);
    expect(res.status).toBe(204);

    type EventPage = Awaited<ReturnType<typeof eventPage>>;
    const eventPage = async (cursor: string | null) =>
      jsonOf(
        await apiAs(manager).products[':id'].events.$get({
          param: { id: product.id },
          query: { limit: '2', ...(cursor ? { cursor } : {}) },
        }),
        200,
      );
    const all: EventPage['data'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: EventPage = await eventPage(cursor);
      expect(page.data.length).toBeLessThanOrEqual(2);
      all.push(...page.data);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(all.map((e) => [e.version, e.eventType])).toEqual([
      [1, 'ProductCreatedEvent'],
      [2, 'ProductUpdatedEvent'],
      [3, 'PriceChangedEvent'],
      [4, 'StockChangedEvent'],
      [5, 'ProductDeletedEvent'],
    ]);
    for (const e of all) {
      expect(e.userId).toBe(manager.id);
      expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(e.correlationId).toBeTruthy();
    }
    expect(all[0]!.data).toMatchObject({ price: '19.99', compareAtPrice: null, name: product.name });
    expect(all[1]).toMatchObject({
      correlationId: requestId,
      causationId: requestId,
      data: { changes: { name: 'Renamed' }, previous: { name: product.name } },
    });
    expect(all[2]!.data).toMatchObject({
      price: '17.50',
      compareAtPrice: '19.99',
      previousPrice: '19.99',
      previousCompareAtPrice: null,
    });
    expect(all[3]!.data).toMatchObject({ previousQuantity: 5, newQuantity: 8, delta: 3, reason: 'adjust' });

    // Stored: integer minor units in the events, tenantId on each.
    const stored = await rawEvents(tenantId, product.id);
    expect(stored[2]!.data).toMatchObject({ priceMinor: 1750, compareAtPriceMinor: 1999 });
    expect(stored.every((e) => e.tenantId === tenantId)).toBe(true);
  });

  it('a product read costs one Data API call (the pending marker says no event is missing)', async () => {
    const { manager, tenantId } = await shop();
    const product = await createProduct(manager, { price: '10.00', stockQuantity: 5 });
    await send(manager, 'PUT', `${P}/${product.id}/price`, { body: { price: '9.00' } });
    for (const path of [`${P}/${product.slug}`, `${P}/${product.id}`, `${P}?limit=5`]) {
      const res = await send(null, 'GET', path, { headers: { 'x-tenant-id': tenantId } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-data-api-calls'), path).toBe('1');
    }
  });

  it('repairs a projection left behind by a crash of the previous append-first commands (reads and commands replay missing events)', async () => {
    const { manager, tenantId } = await shop();
    const product = await createProduct(manager, { price: '10.00', stockQuantity: 5 });
    // The "crash": the command marked version 2 pending and appended event 2, then died;
    // the products document still says version 1.
    await mongo
      .collection('products')
      .updateOne({ _id: new ObjectId(product.id), tenantId }, { $max: { pendingVersion: 2 } });
    await appendRaw(
      event(tenantId, product.id, 2, 'PriceChangedEvent', {
        priceMinor: 777,
        compareAtPriceMinor: null,
        currency: 'USD',
        previousPriceMinor: 1000,
        previousCompareAtPriceMinor: null,
        previousCurrency: 'USD',
      }),
    );
    expect((await rawDoc(tenantId, product.id))!.version).toBe(1);
    const res = await send(null, 'GET', `${P}/${product.slug}`, { headers: { 'x-tenant-id': tenantId } });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    expect(await res.json()).toMatchObject({ price: '7.77', version: 2 });
    expect(await rawDoc(tenantId, product.id)).toMatchObject({ version: 2, priceMinor: 777, price: 7.77 });

    // A command finds the gap itself too (the same crash at version 3), and its write clears the marker.
    await mongo
      .collection('products')
      .updateOne({ _id: new ObjectId(product.id), tenantId }, { $max: { pendingVersion: 3 } });
    await appendRaw(
      event(tenantId, product.id, 3, 'StockChangedEvent', {
        previousQuantity: 5,
        newQuantity: 9,
        delta: 4,
        reason: 'adjust',
      }),
    );
    const stock = await send(manager, 'PUT', `${P}/${product.id}/stock`, {
      body: { delta: 1 },
      headers: { 'if-match': '"3"' },
    });
    expect(stock.status).toBe(200);
    expect(await stock.json()).toMatchObject({ stockQuantity: 10, version: 4 });
    expect((await rawDoc(tenantId, product.id))!.pendingVersion).toBeUndefined();
    expect((await history(manager, product.id)).map((e) => e.version)).toEqual([1, 2, 3, 4]);
  });

  it('repairs a create that crashed before its projection, and a lost document, from the events alone', async () => {
    const { manager, tenantId } = await shop();
    const category = await createCategory(manager, { name: 'Crash Test' });
    const id = new ObjectId().toHexString();
    // Reservation written, ProductCreatedEvent appended, then the worker died.
    await mongo.collection('products').insertOne({
      _id: new ObjectId(id),
      tenantId,
      slug: 'crashed-create',
      version: 0,
      pendingVersion: 1,
      averageRating: 0,
      reviewCount: 0,
      deletedAt: null,
    });
    await appendRaw(
      event(
        tenantId,
        id,
        1,
        'ProductCreatedEvent',
        createdData({
          name: 'Crashed Create',
          slug: 'crashed-create',
          priceMinor: 500,
          stockQuantity: 3,
          category: { id: category.id, name: category.name, slug: category.slug, path: category.path },
        }),
      ),
    );
    // Lists serve the projection as is: not there yet.
    let list = await listOf(manager, 'crashed');
    expect(list.data).toEqual([]);
    // A single read repairs it (and counts it in its category).
    const res = await send(null, 'GET', `${P}/crashed-create`, { headers: { 'x-tenant-id': tenantId } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, price: '5.00', version: 1 });
    list = await listOf(manager, 'crashed');
    expect(list.data.map((p) => p.id)).toEqual([id]);
    const cat = await categoryOf(manager, category.slug);
    expect(cat.productCount).toBe(1);

    // The document is lost entirely: reading by id rebuilds it from the stream.
    await mongo.collection('products').deleteOne({ _id: new ObjectId(id), tenantId });
    const again = await send(manager, 'GET', `${P}/${id}`);
    expect(again.status).toBe(200);
    expect(await rawDoc(tenantId, id)).toMatchObject({ version: 1, slug: 'crashed-create', priceMinor: 500 });
  });

  it('after 60 random commands, the rebuilt document equals the stored one (and the fold of the events)', async () => {
    const { manager, admin, tenantId } = await shop();
    const cats = [
      await createCategory(manager, { name: 'Alpha' }),
      await createCategory(manager, { name: 'Beta' }),
      await createCategory(manager, { name: 'Gamma' }),
    ];
    const product = await createProduct(manager, {
      stockQuantity: 20,
      categoryId: cats[0]!.id,
      specifications: { brand: 'Acme' },
    });
    let version = 1;
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const statuses = ['ACTIVE', 'DRAFT', 'ARCHIVED', 'OUT_OF_STOCK'];
    for (let i = 0; i < 60; i++) {
      const headers = { 'if-match': `"${version}"` };
      let res: Response;
      switch (rand(8)) {
        case 0:
          res = await send(manager, 'PATCH', `${P}/${product.id}`, {
            body: { name: `Name ${i}`, description: rand(2) ? `D${i}` : null },
            headers,
          });
          break;
        case 1:
          res = await send(manager, 'PATCH', `${P}/${product.id}`, {
            body: { categoryId: rand(4) === 3 ? null : cats[rand(3)]!.id },
            headers,
          });
          break;
        case 2:
          res = await send(manager, 'PATCH', `${P}/${product.id}`, {
            body: {
              images: [
                { url: `https://cdn.example.com/${i}.jpg`, alt: null, isPrimary: true },
                { url: `https://cdn.example.com/${i}b.jpg`, alt: `b${i}`, isPrimary: false },
              ].slice(0, 1 + rand(2)),
              specifications: { brand: 'Acme', size: rand(10), waterproof: rand(2) === 1, color: `c${i}` },
              metaKeywords: [`k${i}`],
              metaTitle: rand(2) ? `T${i}` : null,
            },
            headers,
          });
          break;
        case 3:
          res = await send(manager, 'PATCH', `${P}/${product.id}`, {
            body: { status: statuses[rand(4)], published: rand(2) === 1 },
            headers,
          });
          break;
        case 4: {
          const price = 100 + rand(10_000);
          const body = {
            price: (price / 100).toFixed(2),
            compareAtPrice: rand(2) ? ((price + rand(500)) / 100).toFixed(2) : null,
          };
          res = await send(manager, 'PUT', `${P}/${product.id}/price`, { body, headers });
          break;
        }
        case 5:
          res = await send(manager, 'PUT', `${P}/${product.id}/stock`, { body: { stockQuantity: rand(30) }, headers });
          break;
        case 6:
          res = await send(manager, 'PUT', `${P}/${product.id}/stock`, { body: { delta: rand(11) - 5 || 1 }, headers });
          break;
        default:
          // A category rename refreshes the copy in the product outside the event stream.
          res = await send(manager, 'PATCH', `/api/v1/categories/${cats[rand(3)]!.id}`, { body: { name: `Cat ${i}` } });
          expect(res.status).toBe(200);
          continue;
      }
      expect([200, 409], await res.clone().text()).toContain(res.status); // 409: a delta below zero
      if (res.status === 200) version = Number(JSON.parse(res.headers.get('etag')!));
    }

    await history(manager, product.id); // flushes the outbox, which the last commands' flushes may still be doing
    const before = await rawDoc(tenantId, product.id);
    expect(before!.version).toBe(version);
    expect(before!.stockOps).toEqual([]);
    expect(version).toBeGreaterThan(30);
    const countsBefore = await mongo
      .collection('categories')
      .find({ tenantId }, { projection: { productCount: 1 }, sort: { _id: 1 } });

    // The pure fold of the stored events gives the stored document (category copy aside: it follows renames).
    const events = await rawEvents(tenantId, product.id);
    const folded = rebuildProduct(events)!;
    const stored = stateFromDoc(before!)!;
    expect({ ...folded, category: folded.category?.id ?? null }).toEqual({
      ...stored,
      category: stored.category?.id ?? null,
    });

    const res = await apiAs(admin).products[':id'].rebuild.$post({ param: { id: product.id } });
    const body = await jsonOf(res, 200);
    expect(body.eventsReplayed).toBe(version);
    const after = await rawDoc(tenantId, product.id);
    expect(after).toEqual(before);
    // The counts kept by $inc agree with the recount the rebuild ran.
    const countsAfter = await mongo
      .collection('categories')
      .find({ tenantId }, { projection: { productCount: 1 }, sort: { _id: 1 } });
    expect(countsAfter).toEqual(countsBefore);
  }, 120_000); // 60 commands of ~5 Data API calls each: slow when the whole suite shares one FerretDB

  it('rebuild repairs a tampered document and a wrong productCount', async () => {
    const { manager, admin, tenantId } = await shop();
    const cat = await createCategory(manager, { name: 'Tamper' });
    const product = await createProduct(manager, { price: '4.00', stockQuantity: 4, categoryId: cat.id });
    await mongo
      .collection('products')
      .updateOne(
        { _id: new ObjectId(product.id), tenantId },
        { $set: { stockQuantity: 999, name: 'Hacked', price: 0.01 } },
      );
    await mongo
      .collection('categories')
      .updateOne({ _id: new ObjectId(cat.id), tenantId }, { $set: { productCount: 42 } });
    const res = await send(admin, 'POST', `${P}/${product.id}/rebuild`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      product: { stockQuantity: 4, name: product.name, price: '4.00' },
      productCounts: { [cat.id]: 1 },
    });
    const doc = await rawDoc(tenantId, product.id);
    expect(doc).toMatchObject(projectionOf(rebuildProduct(await rawEvents(tenantId, product.id))!));
    const category = await categoryOf(manager, cat.slug);
    expect(category.productCount).toBe(1);
    // Unknown or foreign products: 404
    expect((await send(admin, 'POST', `${P}/${new ObjectId().toHexString()}/rebuild`)).status).toBe(404);
  });
});

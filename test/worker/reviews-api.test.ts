import { ObjectId } from 'bson';
import { eq } from 'drizzle-orm';
import type { InferRequestType } from 'hono/client';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { orderItems, orders, userProfiles, type Order } from '../../src/db/pg/schema/index.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { productIdAsUuid } from '../../src/lib/ids.ts';
import {
  api,
  apiAs,
  callAs as as,
  call,
  createTenant,
  fieldsOf as fieldsNamed,
  grantRole,
  jsonOf,
  problemOf,
  registerUser,
  type TestUser,
} from '../fixtures/index.ts';
import { API, insertProduct, insertRawProduct, moderate, postReview, review, reviewsOf } from './reviews-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

// ---------------------------------------------------------------------------
// Fixtures (the product API is another service: products are inserted directly)
// ---------------------------------------------------------------------------

interface World {
  tenantId: string;
  productId: string;
  author: TestUser;
  other: TestUser;
  support: TestUser;
  manager: TestUser;
}

async function world(): Promise<World> {
  const tenantId = await createTenant();
  const [productId, author, other, support, manager] = await Promise.all([
    insertProduct(mongo, tenantId),
    registerUser(tenantId),
    registerUser(tenantId),
    registerUser(tenantId).then((u) => grantRole(u, 'SUPPORT')),
    registerUser(tenantId).then((u) => grantRole(u, 'MANAGER')),
  ]);
  return { tenantId, productId, author, other, support, manager };
}

async function fieldsOf(res: Response): Promise<string[]> {
  expect(res.status).toBe(400);
  return fieldsNamed(res);
}

function publicGet(path: string, tenantId: string): Promise<Response> {
  return call(path, { headers: { 'x-tenant-id': tenantId } });
}

type ListQuery = InferRequestType<(typeof api.products)[':id']['reviews']['$get']>['query'];

/** A product's public review page, read anonymously in the tenant (X-Tenant-ID). */
async function list(tenantId: string, productId: string, query: ListQuery = {}) {
  const res = await apiAs({ tenantId }).products[':id'].reviews.$get({ param: { id: productId }, query, header: {} });
  return jsonOf(res, 200);
}
/** The moderation queue as `staff` see it. */
async function queue(staff: TestUser, query: InferRequestType<typeof api.reviews.$get>['query'] = {}) {
  return jsonOf(await apiAs(staff).reviews.$get({ query }), 200);
}

async function insertOrder(
  user: TestUser,
  status: Order['status'],
  items: { productId?: string; sku?: string | null; name?: string }[],
): Promise<void> {
  await inTenantTx(stores.pg('orders').db, user.tenantId, async (tx) => {
    const [order] = await tx
      .insert(orders)
      .values({
        orderNumber: `ORD-${crypto.randomUUID()}`,
        userId: user.id,
        status,
        subtotal: '10.00',
        total: '10.00',
        tenantId: user.tenantId,
      })
      .returning({ id: orders.id });
    await tx.insert(orderItems).values(
      items.map((it) => ({
        orderId: order!.id,
        productId: it.productId ?? crypto.randomUUID(),
        productName: it.name ?? 'Something',
        productSku: it.sku ?? null,
        quantity: 1,
        unitPrice: '10.00',
        totalPrice: '10.00',
        tenantId: user.tenantId,
      })),
    );
  });
}

// ---------------------------------------------------------------------------
// Unhappy paths
// ---------------------------------------------------------------------------

describe('reviews: bad input', () => {
  it('names param.id for ids that are not ObjectIds, on every route', async () => {
    const { tenantId, author } = await world();
    expect(await fieldsOf(await publicGet(reviewsOf('not-an-id'), tenantId))).toEqual(['param.id']);
    expect(await fieldsOf(await as(author, 'POST', reviewsOf('123'), { rating: 5 }))).toEqual(['param.id']);
    expect(await fieldsOf(await as(author, 'PATCH', review('zzzzzzzzzzzzzzzzzzzzzzzz'), { rating: 4 }))).toEqual([
      'param.id',
    ]);
    expect(await fieldsOf(await as(author, 'DELETE', review('42')))).toEqual(['param.id']);
    expect(await fieldsOf(await as(author, 'POST', review('42', 'helpful')))).toEqual(['param.id']);
    expect(await fieldsOf(await publicGet(review('42'), tenantId))).toEqual(['param.id']);
  });

  it('refuses ratings 0, 6, 2.5 and "5", oversize text, too many or non-https images, unknown fields', async () => {
    const { productId, author } = await world();
    for (const rating of [0, 6, 2.5, '5', null]) {
      expect(await fieldsOf(await as(author, 'POST', reviewsOf(productId), { rating }))).toEqual(['body.rating']);
    }
    expect(await fieldsOf(await as(author, 'POST', reviewsOf(productId), { title: 'x' }))).toEqual(['body.rating']);
    expect(
      await fieldsOf(await as(author, 'POST', reviewsOf(productId), { rating: 5, comment: 'x'.repeat(5001) })),
    ).toEqual(['body.comment']);
    expect(
      await fieldsOf(await as(author, 'POST', reviewsOf(productId), { rating: 5, title: 'x'.repeat(121) })),
    ).toEqual(['body.title']);
    expect(await fieldsOf(await as(author, 'POST', reviewsOf(productId), { rating: 5, title: '   ' }))).toEqual([
      'body.title',
    ]);
    const six = Array.from({ length: 6 }, (_, i) => `https://cdn.example.com/${i}.jpg`);
    expect(await fieldsOf(await as(author, 'POST', reviewsOf(productId), { rating: 5, images: six }))).toEqual([
      'body.images',
    ]);
    expect(
      await fieldsOf(
        await as(author, 'POST', reviewsOf(productId), { rating: 5, images: ['http://cdn.example.com/a.jpg'] }),
      ),
    ).toEqual(['body.images.0']);
    expect(await fieldsOf(await as(author, 'POST', reviewsOf(productId), { rating: 5, status: 'APPROVED' }))).toEqual([
      'body',
    ]);
    // Nothing was written by any of them.
    expect(await mongo.collection('reviews').find({ productId })).toHaveLength(0);
  });

  it('validates list queries: rating, sort, limit bounds and cursors', async () => {
    const { tenantId, productId } = await world();
    expect(await fieldsOf(await publicGet(`${reviewsOf(productId)}?rating=6`, tenantId))).toEqual(['query.rating']);
    expect(await fieldsOf(await publicGet(`${reviewsOf(productId)}?rating=2.5`, tenantId))).toEqual(['query.rating']);
    expect(await fieldsOf(await publicGet(`${reviewsOf(productId)}?sort=oldest`, tenantId))).toEqual(['query.sort']);
    expect(await fieldsOf(await publicGet(`${reviewsOf(productId)}?limit=0`, tenantId))).toEqual(['query.limit']);
    expect(await fieldsOf(await publicGet(`${reviewsOf(productId)}?limit=51`, tenantId))).toEqual(['query.limit']);
    expect(await fieldsOf(await publicGet(`${reviewsOf(productId)}?cursor=garbage!`, tenantId))).toEqual([
      'query.cursor',
    ]);
    // Without a token the tenant must be named.
    expect(await fieldsOf(await call(reviewsOf(productId)))).toEqual(['header.x-tenant-id']);
    expect(await fieldsOf(await call(reviewsOf(productId), { headers: { 'x-tenant-id': 'nope' } }))).toEqual([
      'header.x-tenant-id',
    ]);
  });

  it('needs credentials to write, vote, report, moderate or respond (401)', async () => {
    const { productId } = await world();
    const id = new ObjectId().toHexString();
    const anon = (method: string, path: string, body?: unknown) =>
      call(path, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
    expect((await anon('POST', reviewsOf(productId), { rating: 5 })).status).toBe(401);
    expect((await anon('PATCH', review(id), { rating: 5 })).status).toBe(401);
    expect((await anon('DELETE', review(id))).status).toBe(401);
    expect((await anon('POST', review(id, 'helpful'))).status).toBe(401);
    expect((await anon('POST', review(id, 'report'), { reason: 'SPAM' })).status).toBe(401);
    expect((await anon('POST', review(id, 'moderate'), { decision: 'APPROVE' })).status).toBe(401);
    expect((await anon('POST', review(id, 'response'), { message: 'hi' })).status).toBe(401);
    expect((await anon('GET', `${API}/reviews`)).status).toBe(401);
  });

  it('404s an unknown, deleted or reserved (version 0) product, on read and write', async () => {
    const { tenantId, author } = await world();
    const unknown = new ObjectId().toHexString();
    const deleted = await insertRawProduct(mongo, tenantId, { deletedAt: new Date(), status: 'ARCHIVED' });
    const reserved = await insertRawProduct(mongo, tenantId, { version: 0 });
    for (const productId of [unknown, deleted, reserved]) {
      const res = await as(author, 'POST', reviewsOf(productId), { rating: 5 });
      expect(res.status).toBe(404);
      expect((await problemOf(res)).detail).toBe('Product not found.');
      expect((await publicGet(reviewsOf(productId), tenantId)).status).toBe(404);
    }
  });

  it("keeps tenants apart: another tenant's product and reviews are invisible", async () => {
    const a = await world();
    const b = await world();
    const mine = await postReview(a.author, a.productId);
    await moderate(a.support, mine.id, 'APPROVE');

    // Tenant B's users and anonymous callers naming tenant B see nothing of tenant A.
    expect((await as(b.author, 'POST', reviewsOf(a.productId), { rating: 1 })).status).toBe(404);
    expect((await as(b.author, 'GET', reviewsOf(a.productId))).status).toBe(404);
    expect((await publicGet(reviewsOf(a.productId), b.tenantId)).status).toBe(404);
    expect((await publicGet(review(mine.id), b.tenantId)).status).toBe(404);
    expect((await as(b.author, 'GET', review(mine.id))).status).toBe(404);
    expect((await as(b.author, 'PATCH', review(mine.id), { rating: 1 })).status).toBe(404);
    expect((await as(b.author, 'POST', review(mine.id, 'helpful'))).status).toBe(404);
    expect((await as(b.author, 'POST', review(mine.id, 'report'), { reason: 'SPAM' })).status).toBe(404);
    expect((await as(b.support, 'POST', review(mine.id, 'moderate'), { decision: 'REJECT' })).status).toBe(404);
    expect((await as(b.support, 'DELETE', review(mine.id))).status).toBe(404);
    expect((await as(b.manager, 'POST', review(mine.id, 'response'), { message: 'hi' })).status).toBe(404);
    expect((await queue(b.support, { status: 'APPROVED' })).data).toHaveLength(0);
    // A token's tenant wins over a header naming another tenant.
    const viaHeader = await call(reviewsOf(a.productId), {
      headers: { authorization: `Bearer ${b.author.accessToken}`, 'x-tenant-id': a.tenantId },
    });
    expect(viaHeader.status).toBe(404);
    // Still intact in tenant A.
    expect((await list(a.tenantId, a.productId)).data.map((r) => r.id)).toEqual([mine.id]);
  });

  it('allows one review per user per product: a second one is 409 naming the first', async () => {
    const { productId, author, other } = await world();
    const first = await postReview(author, productId);
    const again = await as(author, 'POST', reviewsOf(productId), { rating: 1 });
    expect(again.status).toBe(409);
    // The problem names the first review in an extension member, beside the RFC 9457 ones.
    expect(z.object({ reviewId: z.string() }).parse(await again.clone().json()).reviewId).toBe(first.id);
    expect(await problemOf(again)).toMatchObject({ status: 409 });
    // Concurrent first reviews: exactly one wins (the unique index), the other is 409.
    const racing = await Promise.all([1, 2, 3].map((r) => as(other, 'POST', reviewsOf(productId), { rating: r })));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await mongo.collection('reviews').find({ productId })).toHaveLength(2);
  });

  it('USER and MANAGER cannot moderate, USER and SUPPORT cannot respond (403); nobody moderates their own review', async () => {
    const { productId, author, other, support, manager } = await world();
    const r = await postReview(author, productId);
    expect((await as(other, 'POST', review(r.id, 'moderate'), { decision: 'APPROVE' })).status).toBe(403);
    expect((await as(manager, 'POST', review(r.id, 'moderate'), { decision: 'APPROVE' })).status).toBe(403);
    expect((await as(other, 'POST', review(r.id, 'response'), { message: 'Thanks' })).status).toBe(403);
    expect((await as(support, 'POST', review(r.id, 'response'), { message: 'Thanks' })).status).toBe(403);
    expect((await as(other, 'GET', `${API}/reviews`)).status).toBe(403);
    // Validation of staff bodies.
    expect(await fieldsOf(await as(support, 'POST', review(r.id, 'moderate'), { decision: 'MAYBE' }))).toEqual([
      'body.decision',
    ]);
    expect(await fieldsOf(await as(manager, 'POST', review(r.id, 'response'), { message: '' }))).toEqual([
      'body.message',
    ]);
    // A moderator's own review needs another moderator.
    const own = await postReview(support, productId, { rating: 5 });
    expect((await as(support, 'POST', review(own.id, 'moderate'), { decision: 'APPROVE' })).status).toBe(403);
    expect(
      (await as(support, 'POST', review(new ObjectId().toHexString(), 'moderate'), { decision: 'APPROVE' })).status,
    ).toBe(404);
    const stored = await mongo.collection('reviews').findOne({ _id: new ObjectId(r.id) });
    expect(stored).toMatchObject({ status: 'PENDING', sellerResponse: null, moderatedBy: null });
  });

  it("another user cannot see, edit or delete someone's review (404); the author cannot vote or report it (403)", async () => {
    const { tenantId, productId, author, other, support } = await world();
    const r = await postReview(author, productId);
    // PENDING: invisible to others.
    expect((await as(other, 'GET', review(r.id))).status).toBe(404);
    expect((await publicGet(review(r.id), tenantId)).status).toBe(404);
    expect((await as(other, 'POST', review(r.id, 'helpful'))).status).toBe(404);
    await moderate(support, r.id, 'APPROVE');
    expect((await as(other, 'PATCH', review(r.id), { rating: 1 })).status).toBe(404);
    expect((await as(other, 'DELETE', review(r.id))).status).toBe(404);
    const voteOwn = await as(author, 'POST', review(r.id, 'helpful'));
    expect(voteOwn.status).toBe(403);
    expect((await problemOf(voteOwn)).detail).toMatch(/own review/);
    expect((await as(author, 'POST', review(r.id, 'unhelpful'))).status).toBe(403);
    expect((await as(author, 'POST', review(r.id, 'report'), { reason: 'SPAM' })).status).toBe(403);
    expect(await mongo.collection('review_votes').find({ reviewId: r.id })).toHaveLength(0);
    expect(await mongo.collection('reviews').findOne({ _id: new ObjectId(r.id) })).toMatchObject({
      rating: 5,
      status: 'APPROVED',
      helpfulCount: 0,
    });
  });

  it('PATCH needs a change, and a stale If-Match is 412 (nothing written)', async () => {
    const { productId, author, support } = await world();
    const r = await postReview(author, productId);
    expect(await fieldsOf(await as(author, 'PATCH', review(r.id), {}))).toEqual(['body']);
    expect(await fieldsOf(await as(author, 'PATCH', review(r.id), { rating: 7 }))).toEqual(['body.rating']);
    const stale = await call(review(r.id), {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${author.accessToken}`,
        'content-type': 'application/json',
        'if-match': '"99"',
      },
      body: JSON.stringify({ rating: 1 }),
    });
    expect(stale.status).toBe(412);
    const staleModeration = await call(review(r.id, 'moderate'), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${support.accessToken}`,
        'content-type': 'application/json',
        'if-match': '"0"',
      },
      body: JSON.stringify({ decision: 'APPROVE' }),
    });
    expect(staleModeration.status).toBe(412);
    expect(await mongo.collection('reviews').findOne({ _id: new ObjectId(r.id) })).toMatchObject({
      rating: 5,
      status: 'PENDING',
      version: 1,
    });
  });
});

// ---------------------------------------------------------------------------
// Happy paths
// ---------------------------------------------------------------------------

describe('reviews: writing', () => {
  it("creates a PENDING review with the author's name and avatar from the profile", async () => {
    const { productId, author } = await world();
    await inTenantTx(stores.pg('users').db, author.tenantId, (tx) =>
      tx
        .update(userProfiles)
        .set({ firstName: 'Ada', lastName: 'Lovelace', avatarUrl: 'https://cdn.example.com/ada.png' })
        .where(eq(userProfiles.userId, author.id)),
    );
    const images = ['https://cdn.example.com/r/1.jpg', 'https://cdn.example.com/r/2.jpg'];
    const res = await apiAs(author).products[':id'].reviews.$post({
      param: { id: productId },
      json: { rating: 4, title: '  Solid  ', comment: 'Good sound.', images },
    });
    const body = await jsonOf(res, 201);
    expect(res.headers.get('location')).toBe(`${API}/reviews/${body.id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(body).toMatchObject({
      productId,
      userId: author.id,
      userName: 'Ada Lovelace',
      userAvatar: 'https://cdn.example.com/ada.png',
      verifiedPurchase: false,
      rating: 4,
      title: 'Solid',
      comment: 'Good sound.',
      images,
      status: 'PENDING',
      helpfulCount: 0,
      unhelpfulCount: 0,
      reportedCount: 0,
      sellerResponse: null,
      moderatedBy: null,
      version: 1,
    });
    const stored = await mongo.collection('reviews').findOne({ _id: new ObjectId(body.id) });
    expect(stored).toMatchObject({ tenantId: author.tenantId, productId, userId: author.id, status: 'PENDING' });
    expect(stored?.createdAt).toBeInstanceOf(Date);
    // The author sees it (with its status); the public does not.
    const mine = await as(author, 'GET', review(body.id));
    expect(mine.status).toBe(200);
    expect(await mine.json()).toMatchObject({ id: body.id, status: 'PENDING', version: 1 });
  });

  it('verifiedPurchase: a DELIVERED order of the author with an item of this product (by padded-UUID product_id or by SKU)', async () => {
    const tenantId = await createTenant();
    const sku = `AUD-WH-${crypto.randomUUID().slice(0, 6)}`;
    const productId = await insertProduct(mongo, tenantId, { sku });
    const [bySku, byId, shipped, otherProduct, noOrders, cancelledThenDelivered] = await Promise.all(
      Array.from({ length: 6 }, () => registerUser(tenantId)),
    );
    await insertOrder(bySku!, 'DELIVERED', [{ sku, name: 'Wireless Headphones' }]);
    await insertOrder(byId!, 'DELIVERED', [{ productId: productIdAsUuid(productId), sku: 'RENAMED-SKU' }]);
    await insertOrder(shipped!, 'SHIPPED', [{ sku }, { productId: productIdAsUuid(productId) }]);
    // Same name, other SKU and product id: names are not compared.
    await insertOrder(otherProduct!, 'DELIVERED', [{ sku: 'OTHER-SKU', name: 'Wireless Headphones' }]);
    await insertOrder(cancelledThenDelivered!, 'CANCELLED', [{ sku }]);
    await insertOrder(cancelledThenDelivered!, 'DELIVERED', [{ sku: 'UNRELATED' }, { sku }]);

    const verified = async (u: TestUser) => (await postReview(u, productId, { rating: 5 })).verifiedPurchase;
    expect(await verified(bySku!)).toBe(true);
    expect(await verified(byId!)).toBe(true);
    expect(await verified(shipped!)).toBe(false);
    expect(await verified(otherProduct!)).toBe(false);
    expect(await verified(noOrders!)).toBe(false);
    expect(await verified(cancelledThenDelivered!)).toBe(true);
    expect(productIdAsUuid('6b06eed21006e491d07feb71')).toBe('00000000-6b06-eed2-1006-e491d07feb71');
  });

  it('a product without a SKU is verified only through product_id', async () => {
    const tenantId = await createTenant();
    const productId = await insertProduct(mongo, tenantId, { sku: null });
    const [buyer, nullSku] = await Promise.all([registerUser(tenantId), registerUser(tenantId)]);
    await insertOrder(buyer, 'DELIVERED', [{ productId: productIdAsUuid(productId) }]);
    await insertOrder(nullSku, 'DELIVERED', [{ sku: null }]);
    expect((await postReview(buyer, productId, { rating: 3 })).verifiedPurchase).toBe(true);
    expect((await postReview(nullSku, productId, { rating: 3 })).verifiedPurchase).toBe(false);
  });

  it('the author edits: content changes, status goes back to PENDING, version and ETag advance', async () => {
    const { tenantId, productId, author, support } = await world();
    const r = await postReview(author, productId);
    await moderate(support, r.id, 'APPROVE', 'fine');
    expect((await list(tenantId, productId)).data).toHaveLength(1);
    const res = await call(review(r.id), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${author.accessToken}`, 'content-type': 'application/json', 'if-match': '"2"' },
      body: JSON.stringify({ rating: 2, title: null, images: ['https://cdn.example.com/x.jpg'] }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('etag')).toBe('"3"');
    expect(await res.json()).toMatchObject({
      rating: 2,
      title: null,
      comment: 'Loved it',
      status: 'PENDING',
      version: 3,
      images: ['https://cdn.example.com/x.jpg'],
    });
    expect((await list(tenantId, productId)).data).toHaveLength(0);
  });

  it('deletes: the author, or SUPPORT/ADMIN; votes and reports go with the review', async () => {
    const { tenantId, productId, author, other, support } = await world();
    const admin = await grantRole(await registerUser(tenantId), 'ADMIN');
    const r = await postReview(author, productId);
    await moderate(support, r.id, 'APPROVE');
    expect((await as(other, 'POST', review(r.id, 'helpful'))).status).toBe(200);
    expect((await as(other, 'POST', review(r.id, 'report'), { reason: 'SPAM' })).status).toBe(201);
    expect((await as(author, 'DELETE', review(r.id))).status).toBe(204);
    expect((await as(author, 'GET', review(r.id))).status).toBe(404);
    expect((await as(author, 'DELETE', review(r.id))).status).toBe(404);
    expect(await mongo.collection('review_votes').find({ reviewId: r.id })).toHaveLength(0);
    expect(await mongo.collection('review_reports').find({ reviewId: r.id })).toHaveLength(0);
    // The author may review the product again after deleting.
    const again = await postReview(author, productId, { rating: 3 });
    expect((await as(support, 'DELETE', review(again.id))).status).toBe(204);
    const third = await postReview(author, productId, { rating: 3 });
    expect((await as(admin, 'DELETE', review(third.id))).status).toBe(204);
  });

  it('moderation: APPROVE publishes, REJECT hides, with moderator, time and note; the queue lists by status', async () => {
    const { tenantId, productId, author, other, support } = await world();
    const a = await postReview(author, productId, { rating: 5 });
    const b = await postReview(other, productId, { rating: 1, comment: 'spam spam' });
    const pending = await queue(support);
    expect(pending.data.map((r) => r.id)).toEqual([a.id, b.id]); // oldest first
    const approved = await moderate(support, a.id, 'APPROVE');
    expect(approved).toMatchObject({ status: 'APPROVED', moderatedBy: support.id, moderationNote: null, version: 2 });
    expect(typeof approved.moderatedAt).toBe('string');
    const rejected = await moderate(support, b.id, 'REJECT', 'Spam');
    expect(rejected).toMatchObject({ status: 'REJECTED', moderatedBy: support.id, moderationNote: 'Spam' });
    const page = await list(tenantId, productId);
    expect(page.data.map((r) => r.id)).toEqual([a.id]);
    expect(page.data[0]).not.toHaveProperty('moderatedBy');
    expect(page.data[0]).not.toHaveProperty('reportedCount');
    expect(page.summary).toEqual({ averageRating: 5, reviewCount: 1, histogram: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 1 } });
    // The rejected review is the author's to see (with the note), nobody else's.
    expect(await (await as(other, 'GET', review(b.id))).json()).toMatchObject({
      status: 'REJECTED',
      moderationNote: 'Spam',
    });
    expect((await publicGet(review(b.id), tenantId)).status).toBe(404);
    expect((await publicGet(review(a.id), tenantId)).status).toBe(200);
    const rejectedList = await queue(support, { status: 'REJECTED', productId });
    expect(rejectedList.data.map((r) => r.id)).toEqual([b.id]);
    expect((await queue(support)).data).toHaveLength(0);
  });

  it('seller response: MANAGER answers; the public sees message and time, staff also who', async () => {
    const { tenantId, productId, author, support, manager } = await world();
    const r = await postReview(author, productId);
    await moderate(support, r.id, 'APPROVE');
    const res = await as(manager, 'POST', review(r.id, 'response'), { message: 'Thank you for your review!' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'APPROVED',
      sellerResponse: { message: 'Thank you for your review!', respondedBy: manager.id },
    });
    const [pub] = (await list(tenantId, productId)).data;
    expect(pub?.sellerResponse).toEqual({ message: 'Thank you for your review!', respondedAt: expect.any(String) });
  });
});

describe('reviews: listing', () => {
  it('lists APPROVED reviews only, filters by rating and carries the rating summary', async () => {
    const tenantId = await createTenant();
    const productId = await insertProduct(mongo, tenantId);
    const support = await grantRole(await registerUser(tenantId), 'SUPPORT');
    const users = await Promise.all(Array.from({ length: 5 }, () => registerUser(tenantId)));
    const ratings = [5, 4, 4, 1, 2];
    const made = [];
    for (const [i, u] of users.entries()) made.push(await postReview(u, productId, { rating: ratings[i]! }));
    for (const r of made.slice(0, 3)) await moderate(support, r.id, 'APPROVE');
    await moderate(support, made[3]!.id, 'REJECT'); // made[4] stays PENDING

    const all = await list(tenantId, productId);
    expect(all.data.map((r) => r.id)).toEqual([made[2]!.id, made[1]!.id, made[0]!.id]); // newest first
    expect(all.data.every((r) => r.status === 'APPROVED')).toBe(true);
    expect(all.nextCursor).toBeNull();
    expect(all.summary).toEqual({ averageRating: 4.33, reviewCount: 3, histogram: { 1: 0, 2: 0, 3: 0, 4: 2, 5: 1 } });
    expect((await list(tenantId, productId, { rating: '4' })).data.map((r) => r.id)).toEqual([
      made[2]!.id,
      made[1]!.id,
    ]);
    expect((await list(tenantId, productId, { rating: '1' })).data).toHaveLength(0);
    // An authenticated caller needs no header.
    const viaToken = await apiAs(users[0]!).products[':id'].reviews.$get({
      param: { id: productId },
      query: {},
      header: {},
    });
    expect((await jsonOf(viaToken, 200)).data).toHaveLength(3);
  });

  it('cursor pages are stable under inserts: no review repeated or skipped', async () => {
    const tenantId = await createTenant();
    const productId = await insertProduct(mongo, tenantId);
    const support = await grantRole(await registerUser(tenantId), 'SUPPORT');
    const users = await Promise.all(Array.from({ length: 6 }, () => registerUser(tenantId)));
    const ids: string[] = [];
    for (const u of users.slice(0, 5)) {
      const r = await postReview(u, productId, { rating: 3 });
      await moderate(support, r.id, 'APPROVE');
      ids.push(r.id);
    }
    const newestFirst = [...ids].reverse();
    const p1 = await list(tenantId, productId, { limit: '2' });
    expect(p1.data.map((r) => r.id)).toEqual(newestFirst.slice(0, 2));
    expect(p1.nextCursor).toEqual(expect.any(String));

    // A new review is published between pages: it sorts before the cursor, pages after it do not shift.
    const late = await postReview(users[5]!, productId, { rating: 3 });
    await moderate(support, late.id, 'APPROVE');

    const p2 = await list(tenantId, productId, { limit: '2', cursor: p1.nextCursor! });
    expect(p2.data.map((r) => r.id)).toEqual(newestFirst.slice(2, 4));
    const p3 = await list(tenantId, productId, { limit: '2', cursor: p2.nextCursor! });
    expect(p3.data.map((r) => r.id)).toEqual(newestFirst.slice(4));
    expect(p3.nextCursor).toBeNull();
    expect((await list(tenantId, productId)).data[0]?.id).toBe(late.id);
    // A cursor belongs to its sort.
    expect(
      await fieldsOf(await publicGet(`${reviewsOf(productId)}?sort=helpful&cursor=${p1.nextCursor}`, tenantId)),
    ).toEqual(['query.cursor']);
  });

  it('sort=helpful orders by helpful votes, then newest, and pages by cursor', async () => {
    const tenantId = await createTenant();
    const productId = await insertProduct(mongo, tenantId);
    const support = await grantRole(await registerUser(tenantId), 'SUPPORT');
    const authors = await Promise.all(Array.from({ length: 3 }, () => registerUser(tenantId)));
    const voters = await Promise.all(Array.from({ length: 2 }, () => registerUser(tenantId)));
    const made: Awaited<ReturnType<typeof postReview>>[] = [];
    for (const u of authors) {
      const r = await postReview(u, productId, { rating: 4 });
      await moderate(support, r.id, 'APPROVE');
      made.push(r);
    }
    // oldest gets 2 helpful votes, the middle one 1, the newest none.
    for (const v of voters) expect((await as(v, 'POST', review(made[0]!.id, 'helpful'))).status).toBe(200);
    expect((await as(voters[0]!, 'POST', review(made[1]!.id, 'helpful'))).status).toBe(200);
    expect((await as(voters[1]!, 'POST', review(made[2]!.id, 'unhelpful'))).status).toBe(200);

    const p1 = await list(tenantId, productId, { sort: 'helpful', limit: '2' });
    expect(p1.data.map((r) => [r.id, r.helpfulCount])).toEqual([
      [made[0]!.id, 2],
      [made[1]!.id, 1],
    ]);
    const p2 = await list(tenantId, productId, { sort: 'helpful', limit: '2', cursor: p1.nextCursor! });
    expect(p2.data.map((r) => [r.id, r.helpfulCount, r.unhelpfulCount])).toEqual([[made[2]!.id, 0, 1]]);
    expect(p2.nextCursor).toBeNull();
  });
});

describe('reviews: API document', () => {
  it('lists every review route in /openapi.json', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = z
      .looseObject({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) })
      .parse(await res.json());
    const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
    expect(methods('/api/v1/products/{id}/reviews')).toEqual(['get', 'post']);
    expect(methods('/api/v1/reviews')).toEqual(['get']);
    expect(methods('/api/v1/reviews/{id}')).toEqual(['delete', 'get', 'patch']);
    for (const action of ['helpful', 'unhelpful', 'report', 'moderate', 'response']) {
      expect(methods(`/api/v1/reviews/{id}/${action}`)).toEqual(['post']);
    }
  });
});

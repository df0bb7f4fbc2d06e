import { ObjectId } from 'bson';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';

import worker from '../../src/index.ts';
import type { RatingUpdateMessage } from '../../src/queues/rating-update-messages.ts';
// The deployed queue configuration, as text (Vite raw import).
// @ts-expect-error -- `?raw` imports are resolved by Vite, not by tsc
import wranglerToml from '../../wrangler.toml?raw';
import { apiAs, jsonOf } from '../fixtures/index.ts';
import { eventually } from './helpers.ts';
import { as, createTenant, grantRole, registerUser, type TestUser } from './identity-helpers.ts';
import { insertProduct, moderate, postReview, review } from './reviews-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

interface Product {
  averageRating: number;
  reviewCount: number;
}

const product = async (id: string) => (await mongo.collection<Product>('products').findOne({ _id: new ObjectId(id) }))!;

/** Waits until the consumer has brought the product to this rating. */
function ratingBecomes(productId: string, averageRating: number, reviewCount: number) {
  return eventually(async () => {
    const p = await product(productId);
    return p.averageRating === averageRating && p.reviewCount === reviewCount ? p : null;
  });
}

const reviewBy = async (user: TestUser, productId: string, rating: number): Promise<string> =>
  (await postReview(user, productId, { rating })).id;

async function runConsumer(
  queue: string,
  messages: { id: string; body: unknown; attempts?: number }[],
  withEnv: Cloudflare.Env = env,
) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, withEnv, ctx);
  return getQueueResult(batch, ctx);
}

describe('rating updates: unhappy paths first', () => {
  it('wrangler.toml: rating-updates retries 5 times, then dead-letters to rating-updates-dlq, which has a consumer', () => {
    const blocks = String(wranglerToml)
      .split('[[queues.consumers]]')
      .slice(1)
      .map((b) => b.split(/\n\[/)[0]!);
    const block = (queue: string) => blocks.find((b) => new RegExp(`^\\s*queue\\s*=\\s*"${queue}"\\s*$`, 'm').test(b));
    const main = block('rating-updates');
    expect(main).toMatch(/^\s*max_retries\s*=\s*5\s*$/m);
    expect(main).toMatch(/^\s*dead_letter_queue\s*=\s*"rating-updates-dlq"\s*$/m);
    expect(block('rating-updates-dlq')).toBeDefined();
    expect(String(wranglerToml)).toMatch(/binding\s*=\s*"RATING_UPDATES_QUEUE"\s*\n\s*queue\s*=\s*"rating-updates"/);
  });

  it('a recompute that fails for real (Data API unreachable) is retried, not acked', async () => {
    const tenantId = crypto.randomUUID();
    const body: RatingUpdateMessage = { tenantId, productId: new ObjectId().toHexString(), reason: 'approved' };
    const result = await runConsumer(
      'rating-updates',
      [
        { id: 'fail-1', body },
        { id: 'fail-2', body },
      ],
      {
        ...env,
        MONGO_DATA_API_URL: 'http://127.0.0.1:9',
      },
    );
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual(['fail-1', 'fail-2']);
  });

  it('a malformed message is acked (dropped), never retried', async () => {
    const result = await runConsumer('rating-updates', [{ id: 'bad', body: { tenantId: 'x', productId: 'not-hex' } }]);
    expect(result.explicitAcks).toEqual(['bad']);
    expect(result.retryMessages).toEqual([]);
  });

  it('after max_retries the message lands in rating-updates-dlq, whose consumer records it once in dead_letters', async () => {
    const body: RatingUpdateMessage = {
      tenantId: crypto.randomUUID(),
      productId: new ObjectId().toHexString(),
      reason: 'edited',
    };
    const id = `dlq-${crypto.randomUUID()}`;
    for (let delivery = 1; delivery <= 2; delivery++) {
      const result = await runConsumer('rating-updates-dlq', [{ id, body, attempts: delivery }]);
      expect(result.explicitAcks).toEqual([id]);
    }
    const records = await mongo.collection('dead_letters').find({ messageId: id });
    expect(records).toEqual([expect.objectContaining({ queue: 'rating-updates-dlq', messageId: id, body })]);
  });

  it('a redelivered batch changes nothing (the recompute depends only on the reviews)', async () => {
    const tenantId = await createTenant();
    const productId = await insertProduct(mongo, tenantId);
    await mongo.collection('reviews').insertMany([
      { tenantId, productId, userId: crypto.randomUUID(), rating: 5, status: 'APPROVED', version: 2 },
      { tenantId, productId, userId: crypto.randomUUID(), rating: 2, status: 'APPROVED', version: 2 },
      { tenantId, productId, userId: crypto.randomUUID(), rating: 1, status: 'PENDING', version: 1 },
    ]);
    const body: RatingUpdateMessage = { tenantId, productId, reason: 'approved' };
    const first = await runConsumer('rating-updates', [
      { id: 'a', body },
      { id: 'b', body },
    ]);
    expect(first.explicitAcks.sort()).toEqual(['a', 'b']);
    expect(await product(productId)).toMatchObject({ averageRating: 3.5, reviewCount: 2 });
    for (let redelivery = 2; redelivery <= 3; redelivery++) {
      const again = await runConsumer('rating-updates', [
        { id: 'a', body, attempts: redelivery },
        { id: 'b', body, attempts: redelivery },
      ]);
      expect(again.explicitAcks.sort()).toEqual(['a', 'b']);
      expect(await product(productId)).toMatchObject({ averageRating: 3.5, reviewCount: 2 });
    }
    // Another tenant's message naming this product id changes nothing either.
    await runConsumer('rating-updates', [{ id: 'c', body: { ...body, tenantId: crypto.randomUUID() } }]);
    expect(await product(productId)).toMatchObject({ averageRating: 3.5, reviewCount: 2 });
  });
});

describe('rating updates through the real queue binding', () => {
  /** A tenant with a product, three authors and a moderator. */
  async function setup() {
    const tenantId = await createTenant({ maxUsers: 50 });
    const productId = await insertProduct(mongo, tenantId);
    const [a, b, c, support] = await Promise.all([
      registerUser(tenantId),
      registerUser(tenantId),
      registerUser(tenantId),
      registerUser(tenantId).then((u) => grantRole(u, 'SUPPORT')),
    ]);
    return { tenantId, productId, a, b, c, support };
  }

  it('approving and rejecting move the product rating; PENDING reviews never count', { timeout: 60_000 }, async () => {
    const { productId, a, b, c, support } = await setup();
    const ra = await reviewBy(a, productId, 5);
    const rb = await reviewBy(b, productId, 2);
    const rc = await reviewBy(c, productId, 4);
    await moderate(support, ra, 'APPROVE');
    await ratingBecomes(productId, 5, 1);
    await moderate(support, rb, 'APPROVE');
    await moderate(support, rc, 'APPROVE');
    await ratingBecomes(productId, 3.67, 3);
    await moderate(support, rb, 'REJECT');
    const p = await ratingBecomes(productId, 4.5, 2);
    // The public summary agrees with the denormalised fields.
    const res = await apiAs(a).products[':id'].reviews.$get({ param: { id: productId }, query: {}, header: {} });
    const page = await jsonOf(res, 200);
    expect(page.summary).toMatchObject({ averageRating: p.averageRating, reviewCount: p.reviewCount });
  });

  it(
    'editing takes a review out until it is approved again, then with its new rating; deleting takes it out',
    { timeout: 60_000 },
    async () => {
      const { productId, a, c, support } = await setup();
      const ra = await reviewBy(a, productId, 5);
      const rc = await reviewBy(c, productId, 4);
      await moderate(support, ra, 'APPROVE');
      await moderate(support, rc, 'APPROVE');
      await ratingBecomes(productId, 4.5, 2);
      expect((await as(c, 'PATCH', review(rc), { rating: 1 })).status).toBe(200);
      await ratingBecomes(productId, 5, 1);
      await moderate(support, rc, 'APPROVE');
      await ratingBecomes(productId, 3, 2);
      expect((await as(support, 'DELETE', review(ra))).status).toBe(204);
      await ratingBecomes(productId, 1, 1);
    },
  );

  it('a report-threshold hide takes the review out of the rating', { timeout: 60_000 }, async () => {
    const { tenantId, productId, a, b, support } = await setup();
    const ra = await reviewBy(a, productId, 5);
    const rb = await reviewBy(b, productId, 1);
    await moderate(support, ra, 'APPROVE');
    await moderate(support, rb, 'APPROVE');
    await ratingBecomes(productId, 3, 2);
    const reporters = await Promise.all([1, 2, 3].map(() => registerUser(tenantId)));
    const reports = await Promise.all(reporters.map((u) => as(u, 'POST', review(ra, 'report'), { reason: 'FAKE' })));
    expect(reports.map((r) => r.status)).toEqual([201, 201, 201]);
    await ratingBecomes(productId, 1, 1);
  });
});

import { ObjectId } from 'bson';
import { afterAll, describe, expect, it } from 'vitest';

import { REPORT_HIDE_THRESHOLD } from '../../src/services/reviews/model.ts';
import {
  apiAs,
  callAs as as,
  call,
  createTenant,
  grantRole,
  jsonOf,
  problemOf,
  registerUser,
  type TestUser,
} from '../fixtures/index.ts';
import { insertProduct, moderate, postReview, review } from './reviews-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

interface Setup {
  tenantId: string;
  productId: string;
  author: TestUser;
  support: TestUser;
  reviewId: string;
}

/** A tenant, a product (inserted directly), and one APPROVED review by `author`. */
async function approvedReview(): Promise<Setup> {
  const tenantId = await createTenant({ maxUsers: 50 });
  const productId = await insertProduct(mongo, tenantId);
  const [author, support] = await Promise.all([
    registerUser(tenantId),
    registerUser(tenantId).then((u) => grantRole(u, 'SUPPORT')),
  ]);
  const reviewId = (await postReview(author, productId, { rating: 4, comment: 'Bright.' })).id;
  await moderate(support, reviewId, 'APPROVE');
  return { tenantId, productId, author, support, reviewId };
}

const users = (tenantId: string, n: number) => Promise.all(Array.from({ length: n }, () => registerUser(tenantId)));

interface Counts {
  helpfulCount: number;
  unhelpfulCount: number;
  reportedCount: number;
  status: string;
}

async function stored(reviewId: string): Promise<Counts> {
  const doc = await mongo.collection<Counts>('reviews').findOne({ _id: new ObjectId(reviewId) });
  if (!doc) throw new Error('review gone');
  return doc;
}

async function vote(user: TestUser, reviewId: string, kind: 'helpful' | 'unhelpful') {
  return jsonOf(await apiAs(user).reviews[':id'][kind].$post({ param: { id: reviewId } }), 200);
}

/** A review as staff read it (any status). */
async function staffView(staff: TestUser, reviewId: string) {
  return jsonOf(await apiAs(staff).reviews[':id'].$get({ param: { id: reviewId }, header: {} }), 200);
}

describe('review votes', () => {
  it('voting twice counts once; voting again is idempotent; a concurrent double vote is one vote', async () => {
    const { tenantId, reviewId } = await approvedReview();
    const [voter, racer] = await users(tenantId, 2);
    expect(await vote(voter!, reviewId, 'helpful')).toEqual({
      reviewId,
      myVote: 'HELPFUL',
      helpfulCount: 1,
      unhelpfulCount: 0,
    });
    expect(await vote(voter!, reviewId, 'helpful')).toEqual({
      reviewId,
      myVote: 'HELPFUL',
      helpfulCount: 1,
      unhelpfulCount: 0,
    });
    await Promise.all([
      vote(racer!, reviewId, 'helpful'),
      vote(racer!, reviewId, 'helpful'),
      vote(racer!, reviewId, 'helpful'),
    ]);
    expect(await stored(reviewId)).toMatchObject({ helpfulCount: 2, unhelpfulCount: 0 });
    expect(await mongo.collection('review_votes').find({ reviewId })).toHaveLength(2);
  });

  it('switching moves the vote: helpful -> unhelpful -> helpful', async () => {
    const { tenantId, reviewId } = await approvedReview();
    const [a, b] = await users(tenantId, 2);
    await vote(a!, reviewId, 'helpful');
    await vote(b!, reviewId, 'helpful');
    expect(await vote(a!, reviewId, 'unhelpful')).toEqual({
      reviewId,
      myVote: 'UNHELPFUL',
      helpfulCount: 1,
      unhelpfulCount: 1,
    });
    expect(await vote(b!, reviewId, 'unhelpful')).toMatchObject({ helpfulCount: 0, unhelpfulCount: 2 });
    expect(await vote(a!, reviewId, 'helpful')).toMatchObject({ helpfulCount: 1, unhelpfulCount: 1 });
    expect(await stored(reviewId)).toMatchObject({ helpfulCount: 1, unhelpfulCount: 1 });
    const votes = await mongo
      .collection<{ userId: string; vote: string; tenantId: string }>('review_votes')
      .find({ reviewId });
    expect(votes.map((v) => [v.userId, v.vote, v.tenantId]).sort()).toEqual(
      [
        [a!.id, 'HELPFUL', tenantId],
        [b!.id, 'UNHELPFUL', tenantId],
      ].sort(),
    );
  });

  it('10 concurrent votes from 10 users count 10 (counters are recounted, never $inc-ed)', async () => {
    const { tenantId, reviewId, support } = await approvedReview();
    const voters = await users(tenantId, 10);
    const results = await Promise.all(voters.map((v) => as(v, 'POST', review(reviewId, 'helpful'))));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await stored(reviewId)).toMatchObject({ helpfulCount: 10, unhelpfulCount: 0 });
    // And concurrent switches of half of them keep counts equal to the votes.
    const switched = await Promise.all(voters.slice(0, 5).map((v) => as(v, 'POST', review(reviewId, 'unhelpful'))));
    expect(switched.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(await stored(reviewId)).toMatchObject({ helpfulCount: 5, unhelpfulCount: 5 });
    const view = await staffView(support, reviewId);
    expect(view).toMatchObject({ helpfulCount: 5, unhelpfulCount: 5 });
  });

  it('cannot vote on a review that is not public (PENDING or REJECTED) or does not exist: 404', async () => {
    const { tenantId, productId, support } = await approvedReview();
    const [writer, voter] = await users(tenantId, 2);
    const pendingId = (await postReview(writer!, productId, { rating: 2 })).id;
    expect((await as(voter!, 'POST', review(pendingId, 'helpful'))).status).toBe(404);
    expect((await as(support, 'POST', review(pendingId, 'moderate'), { decision: 'REJECT' })).status).toBe(200);
    expect((await as(voter!, 'POST', review(pendingId, 'unhelpful'))).status).toBe(404);
    expect((await as(voter!, 'POST', review(new ObjectId().toHexString(), 'helpful'))).status).toBe(404);
    expect(await mongo.collection('review_votes').find({ reviewId: pendingId })).toHaveLength(0);
  });
});

describe('review reports', () => {
  it('needs a reason; a user reports once (201, then 200 and nothing changes)', async () => {
    const { tenantId, reviewId, support } = await approvedReview();
    const [reporter] = await users(tenantId, 1);
    const bad = await as(reporter!, 'POST', review(reviewId, 'report'), { reason: 'BORING' });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors?.map((e) => e.field)).toEqual(['body.reason']);
    const noBody = await call(review(reviewId, 'report'), {
      method: 'POST',
      headers: { authorization: `Bearer ${reporter!.accessToken}` },
    });
    expect(noBody.status).toBe(400);

    const first = await as(reporter!, 'POST', review(reviewId, 'report'), { reason: 'SPAM', comment: 'Advert' });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ reviewId, reported: true });
    const again = await as(reporter!, 'POST', review(reviewId, 'report'), { reason: 'OFFENSIVE' });
    expect(again.status).toBe(200);
    expect(await mongo.collection('review_reports').find({ reviewId })).toEqual([
      expect.objectContaining({ tenantId, userId: reporter!.id, reason: 'SPAM', comment: 'Advert' }),
    ]);
    expect(await stored(reviewId)).toMatchObject({ reportedCount: 1, status: 'APPROVED' });
    expect(await (await as(support, 'GET', review(reviewId))).json()).toMatchObject({
      reportedCount: 1,
      hiddenByReportsAt: null,
    });
  });

  it(`${REPORT_HIDE_THRESHOLD} distinct reporters (even at once) send an APPROVED review back to PENDING; re-approval resets the count`, async () => {
    expect(REPORT_HIDE_THRESHOLD).toBe(3);
    const { tenantId, productId, reviewId, support } = await approvedReview();
    const reporters = await users(tenantId, 6);
    const listed = async () => {
      const res = await apiAs({ tenantId }).products[':id'].reviews.$get({
        param: { id: productId },
        query: {},
        header: {},
      });
      return (await jsonOf(res, 200)).data.length;
    };

    // Two reports, plus a repeated one: still public.
    for (const r of [reporters[0]!, reporters[1]!, reporters[1]!])
      await as(r, 'POST', review(reviewId, 'report'), { reason: 'SPAM' });
    expect(await stored(reviewId)).toMatchObject({ reportedCount: 2, status: 'APPROVED' });
    expect(await listed()).toBe(1);

    // The third distinct reporter hides it, racing with a repeat of the first.
    const racing = await Promise.all([
      as(reporters[2]!, 'POST', review(reviewId, 'report'), { reason: 'FAKE' }),
      as(reporters[0]!, 'POST', review(reviewId, 'report'), { reason: 'SPAM' }),
    ]);
    expect(racing.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(await stored(reviewId)).toMatchObject({ reportedCount: 3, status: 'PENDING' });
    expect(await listed()).toBe(0);
    const hidden = await staffView(support, reviewId);
    expect(hidden.status).toBe('PENDING');
    expect('hiddenByReportsAt' in hidden && hidden.hiddenByReportsAt).toEqual(expect.any(String)); // staff see the full view
    // It is in the moderation queue again, and no longer reportable (not public).
    const queue = await jsonOf(await apiAs(support).reviews.$get({ query: { productId } }), 200);
    expect(queue.data.map((r) => r.id)).toEqual([reviewId]);
    expect((await as(reporters[3]!, 'POST', review(reviewId, 'report'), { reason: 'SPAM' })).status).toBe(404);

    // A moderator re-approves: the threshold now counts reporters after that decision.
    expect(
      (await as(support, 'POST', review(reviewId, 'moderate'), { decision: 'APPROVE', note: 'checked' })).status,
    ).toBe(200);
    expect(await listed()).toBe(1);
    await as(reporters[3]!, 'POST', review(reviewId, 'report'), { reason: 'SPAM' });
    await as(reporters[4]!, 'POST', review(reviewId, 'report'), { reason: 'SPAM' });
    expect(await stored(reviewId)).toMatchObject({ reportedCount: 5, status: 'APPROVED' });
    // Three new reporters at once hide it again.
    const [extra] = await users(tenantId, 1);
    await Promise.all(
      [reporters[5]!, extra!].map((r) => as(r, 'POST', review(reviewId, 'report'), { reason: 'OFFENSIVE' })),
    );
    expect(await stored(reviewId)).toMatchObject({ reportedCount: 7, status: 'PENDING' });
  });
});

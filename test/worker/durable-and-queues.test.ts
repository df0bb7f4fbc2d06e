import { ObjectId } from 'bson';
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';

import worker from '../../src/index.ts';
import type { NotificationMessage } from '../../src/queues/notification-messages.ts';
import { applyEvent, expectedStep, initialState, SagaTransitionError } from '../../src/services/orders/saga/state.ts';
import { sagaContext } from './checkout-helpers.ts';
import { eventually } from './helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

function notification(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    eventId: crypto.randomUUID(),
    tenantId: crypto.randomUUID(),
    userId: crypto.randomUUID(),
    type: 'ORDER_CONFIRMATION',
    title: 'Order Confirmed',
    message: 'Your order #ORD-1 has been confirmed.',
    channels: ['EMAIL', 'PUSH'],
    data: { orderNumber: 'ORD-1' },
    ...overrides,
  };
}

describe('order saga state machine (pure)', () => {
  const now = '2026-01-01T00:00:00.000Z';
  const fresh = () => initialState(crypto.randomUUID(), crypto.randomUUID(), sagaContext({ total: '10.00' }), now);

  it('walks the happy path to COMPLETED; a replayed step report changes nothing', () => {
    let state = applyEvent(fresh(), { type: 'STEP_COMPLETED', step: 'RESERVE_STOCK' }, now);
    expect(applyEvent(state, { type: 'STEP_COMPLETED', step: 'RESERVE_STOCK' }, now)).toBe(state);
    state = applyEvent(state, { type: 'STEP_COMPLETED', step: 'PROCESS_PAYMENT', output: { paymentId: 'p1' } }, now);
    state = applyEvent(state, { type: 'STEP_COMPLETED', step: 'CONFIRM_ORDER' }, now);
    expect(state).toMatchObject({ status: 'COMPLETED', currentStep: 3, context: { total: '10.00', paymentId: 'p1' } });
  });

  it('compensates completed steps in reverse after a failure, and refuses steps out of order', () => {
    let state = applyEvent(fresh(), { type: 'STEP_COMPLETED', step: 'RESERVE_STOCK' }, now);
    state = applyEvent(
      state,
      { type: 'STEP_FAILED', step: 'PROCESS_PAYMENT', error: 'card declined', output: { paymentOutcome: 'DECLINED' } },
      now,
    );
    expect(state).toMatchObject({
      status: 'COMPENSATING',
      errorMessage: 'PROCESS_PAYMENT: card declined',
      context: { paymentOutcome: 'DECLINED' },
    });
    expect(() => applyEvent(state, { type: 'STEP_COMPLETED', step: 'CONFIRM_ORDER' }, now)).toThrow(
      SagaTransitionError,
    );
    state = applyEvent(state, { type: 'STEP_COMPENSATED', step: 'RESERVE_STOCK' }, now);
    expect(state.status).toBe('COMPENSATED');
    expect(() => applyEvent(fresh(), { type: 'STEP_COMPLETED', step: 'CONFIRM_ORDER' }, now)).toThrow(
      'expected RESERVE_STOCK, got STEP_COMPLETED for CONFIRM_ORDER',
    );
  });

  it('a cancellation is recorded while running and compensates everything once completed', () => {
    const running = applyEvent(fresh(), { type: 'CANCEL_REQUESTED', reason: 'changed my mind' }, now);
    expect(running).toMatchObject({ status: 'STARTED', cancelRequested: 'changed my mind' });
    let done = fresh();
    for (const step of ['RESERVE_STOCK', 'PROCESS_PAYMENT', 'CONFIRM_ORDER'] as const)
      done = applyEvent(done, { type: 'STEP_COMPLETED', step }, now);
    const cancelled = applyEvent(done, { type: 'CANCEL_REQUESTED', reason: 'r' }, now);
    expect(cancelled).toMatchObject({ status: 'COMPENSATING', errorMessage: 'cancelled: r' });
    expect(expectedStep(cancelled)).toBe('CONFIRM_ORDER');
    expect(applyEvent(cancelled, { type: 'CANCEL_REQUESTED', reason: 'again' }, now)).toBe(cancelled);
  });
});

describe('notifications queue', () => {
  it('a message sent to the real queue binding is consumed and stored once per channel', async () => {
    const msg = notification();
    await env.NOTIFICATIONS_QUEUE.send(msg);
    const stored = await eventually(async () => {
      const doc = await mongo
        .collection<{ channelStatus: Record<string, { status: string }> }>('notifications')
        .findOne({ tenantId: msg.tenantId, eventId: msg.eventId });
      return doc && doc.channelStatus.EMAIL?.status !== 'PENDING' && doc.channelStatus.PUSH?.status !== 'PENDING'
        ? doc
        : null;
    });
    expect(stored).toMatchObject({ userId: msg.userId, type: 'ORDER_CONFIRMATION', read: false, priority: 'NORMAL' });
    // A user id with no profile in the tenant has no address: nothing to send to (see notifications-delivery).
    expect(stored.channelStatus).toMatchObject({
      EMAIL: { status: 'SKIPPED', reason: 'no-profile' },
      PUSH: { status: 'SKIPPED', reason: 'no-profile' },
    });
  });

  it('redelivery of the same message stores nothing twice', async () => {
    const msg = notification();
    for (let attempt = 1; attempt <= 2; attempt++) {
      const batch = createMessageBatch('notifications', [
        { id: `m-${attempt}`, timestamp: new Date(), attempts: attempt, body: msg },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual([`m-${attempt}`]);
    }
    const docs = await mongo.collection('notifications').find({ tenantId: msg.tenantId, eventId: msg.eventId });
    expect(docs).toHaveLength(1);
  });

  it('a malformed message is acked and recorded as a dead letter, not retried forever', async () => {
    const id = `bad-${crypto.randomUUID()}`;
    const batch = createMessageBatch('notifications', [
      { id, timestamp: new Date(), attempts: 1, body: { hello: 'world' } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([id]);
    expect(await mongo.collection('dead_letters').findOne({ messageId: id })).toMatchObject({ reason: 'malformed' });
  });
});

describe('scheduled housekeeping', () => {
  it('purges expired notifications (the TTL fallback) and keeps the others', async () => {
    const tenantId = crypto.randomUUID();
    const now = Date.now();
    await mongo.collection('notifications').insertMany([
      {
        tenantId,
        eventId: 'old',
        userId: 'u',
        expiresAt: new Date(now - 60_000),
        createdAt: new Date(now - 86_400_000),
      },
      { tenantId, eventId: 'new', userId: 'u', expiresAt: new Date(now + 86_400_000), createdAt: new Date(now) },
    ]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '*/15 * * * *', scheduledTime: now }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = await mongo.collection<{ eventId: string }>('notifications').find({ tenantId });
    expect(left.map((n) => n.eventId)).toEqual(['new']);
  });
});

describe('rating-updates queue', () => {
  it('recomputes the average and count from APPROVED reviews, once per product per batch', async () => {
    const tenantId = crypto.randomUUID();
    const { insertedId } = await mongo
      .collection('products')
      .insertOne({ tenantId, slug: `p-${crypto.randomUUID()}`, averageRating: 0, reviewCount: 0 });
    const productId = insertedId.toHexString();
    await mongo.collection('reviews').insertMany([
      { tenantId, productId, userId: 'a', rating: 5, status: 'APPROVED' },
      { tenantId, productId, userId: 'b', rating: 4, status: 'APPROVED' },
      { tenantId, productId, userId: 'c', rating: 4, status: 'APPROVED' },
      { tenantId, productId, userId: 'd', rating: 1, status: 'REJECTED' },
    ]);
    const body = { tenantId, productId, reason: 'approved' };
    const batch = createMessageBatch('rating-updates', [
      { id: 'r1', timestamp: new Date(), attempts: 1, body },
      { id: 'r2', timestamp: new Date(), attempts: 1, body },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(['r1', 'r2']);
    const product = await mongo.collection('products').findOne({ _id: new ObjectId(productId) });
    expect(product).toMatchObject({ averageRating: 4.33, reviewCount: 3 });
  });

  it('a message through the real binding reaches the consumer', async () => {
    const tenantId = crypto.randomUUID();
    const { insertedId } = await mongo
      .collection('products')
      .insertOne({ tenantId, slug: `p-${crypto.randomUUID()}`, averageRating: 0, reviewCount: 0 });
    await mongo
      .collection('reviews')
      .insertOne({ tenantId, productId: insertedId.toHexString(), userId: 'a', rating: 3, status: 'APPROVED' });
    await env.RATING_UPDATES_QUEUE.send({ tenantId, productId: insertedId.toHexString() });
    await eventually(async () => {
      const p = await mongo.collection<{ reviewCount: number }>('products').findOne({ _id: insertedId });
      return p?.reviewCount === 1;
    });
  });
});

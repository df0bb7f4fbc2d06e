/**
 * The notifications queue's consumer, through the real binding and as the runtime would call it:
 * one document per event however often it is delivered, and a malformed message acked into the
 * dead letters instead of retried forever.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';

import worker from '../../src/index.ts';
import type { NotificationMessage } from '../../src/queues/notification-messages.ts';
import { eventually } from '../fixtures/index.ts';
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

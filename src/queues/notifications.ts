import type { Env } from '../env.ts';
import { createStores } from '../db/stores.ts';
import { errorFields, type Logger } from '../lib/logger.ts';
import { createChannelSenders } from '../services/notification-channels.ts';
import { deliverNotification } from '../services/notifications.ts';
import { NotificationMessageSchema } from './notification-messages.ts';

/**
 * Stores and delivers notifications. A malformed message can never succeed, so it
 * is not retried: it goes straight to the dead-letter record. A failed delivery is
 * retried (with the queue's delay) until it lands in the dead-letter queue.
 */
export async function consumeNotifications(batch: MessageBatch<unknown>, env: Env, logger: Logger): Promise<void> {
  const stores = createStores(env);
  const senders = createChannelSenders();
  try {
    for (const msg of batch.messages) {
      const parsed = NotificationMessageSchema.safeParse(msg.body);
      if (!parsed.success) {
        logger.error('malformed notification message', { messageId: msg.id, issues: parsed.error.issues.length });
        await stores.mongo().collection('dead_letters').updateOne(
          { queue: batch.queue, messageId: msg.id },
          { $setOnInsert: { queue: batch.queue, messageId: msg.id, body: msg.body, reason: 'malformed', recordedAt: new Date() } },
          { upsert: true },
        );
        msg.ack();
        continue;
      }
      try {
        const result = await deliverNotification(stores.mongo(), parsed.data, senders);
        if (result.failed.length > 0) throw new Error(`channels failed: ${result.failed.join(', ')}`);
        msg.ack();
      } catch (err) {
        logger.warn('notification delivery failed; will retry', { messageId: msg.id, attempts: msg.attempts, ...errorFields(err) });
        msg.retry();
      }
    }
  } finally {
    await stores.close();
  }
}

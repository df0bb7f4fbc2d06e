import type { Env } from '../env.ts';
import { createStores } from '../db/stores.ts';
import { errorFields, type Logger } from '../lib/logger.ts';
import { createChannelSenders, deliverNotification, loadTenantTemplates, UndeliverableMessage, type TemplateDocument } from '../services/notifications/index.ts';
import { getNotificationRecipient } from '../services/users/notification-recipient.ts';
import { NotificationMessageSchema, type ParsedNotificationMessage } from './notification-messages.ts';

/** Messages of a batch in flight at once. */
const CONCURRENCY = 6;
const PRIORITY_RANK = { HIGH: 0, NORMAL: 1, LOW: 2 } as const;

/**
 * Stores and delivers notifications. HIGH priority messages of a batch are delivered first. A message
 * that can never succeed (malformed, or nothing to say) is not retried: it goes straight to
 * the dead-letter record. A message with a failed channel is retried (with the queue's delay);
 * the retry sends only the failed channels; after max_retries it lands in notifications-dlq.
 */
export async function consumeNotifications(batch: MessageBatch<unknown>, env: Env, logger: Logger): Promise<void> {
  const stores = createStores(env);
  const mongo = stores.mongo();
  const senders = createChannelSenders(env, mongo);
  const deadLetter = (msg: Message<unknown>, reason: string) =>
    mongo.collection('dead_letters').updateOne(
      { queue: batch.queue, messageId: msg.id },
      { $setOnInsert: { queue: batch.queue, messageId: msg.id, body: msg.body, reason, recordedAt: new Date() } },
      { upsert: true },
    );
  try {
    const valid: { msg: Message<unknown>; body: ParsedNotificationMessage }[] = [];
    for (const msg of batch.messages) {
      const parsed = NotificationMessageSchema.safeParse(msg.body);
      if (parsed.success) {
        valid.push({ msg, body: parsed.data });
        continue;
      }
      logger.error('malformed notification message', { messageId: msg.id, issues: parsed.error.issues.length });
      await deadLetter(msg, 'malformed');
      msg.ack();
    }

    const deliverOne = async (msg: Message<unknown>, body: ParsedNotificationMessage) => {
      try {
        const [recipient, tenantTemplates] = await Promise.all([getNotificationRecipient(stores, body.tenantId, body.userId), templatesOf(body.tenantId)]);
        const result = await deliverNotification({ mongo, senders, recipient, tenantTemplates }, body);
        if (result.failed.length > 0) throw new Error(`channels failed: ${result.failed.join(', ')}`);
        msg.ack();
      } catch (err) {
        if (err instanceof UndeliverableMessage) {
          logger.error('undeliverable notification message', { messageId: msg.id, ...errorFields(err) });
          await deadLetter(msg, 'undeliverable').catch(() => undefined);
          msg.ack();
          return;
        }
        logger.warn('notification delivery failed; will retry', { messageId: msg.id, attempts: msg.attempts, ...errorFields(err) });
        msg.retry();
      }
    };

    // Tenant templates: one read per tenant per batch.
    const templates = new Map<string, Promise<TemplateDocument[]>>();
    const templatesOf = (tenantId: string) => {
      let t = templates.get(tenantId);
      if (!t) {
        t = loadTenantTemplates(mongo, tenantId, valid.filter((v) => v.body.tenantId === tenantId).map((v) => v.body.type));
        templates.set(tenantId, t);
      }
      return t;
    };

    // HIGH, then NORMAL, then LOW: a class finishes before the next starts, so a HIGH message
    // is never queued behind a slower one of lower priority in the same batch.
    for (const rank of [0, 1, 2]) {
      const group = valid.filter((v) => PRIORITY_RANK[v.body.priority] === rank);
      let next = 0;
      const worker = async () => {
        while (next < group.length) {
          const { msg, body } = group[next++]!;
          await deliverOne(msg, body);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, group.length) }, worker));
    }
  } finally {
    await stores.close();
  }
}

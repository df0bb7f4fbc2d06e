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
 * Stores and delivers notifications. HIGH priority messages of a batch start first. A message
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
    valid.sort((a, b) => PRIORITY_RANK[a.body.priority] - PRIORITY_RANK[b.body.priority]);

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

    let next = 0;
    const worker = async () => {
      while (next < valid.length) {
        const { msg, body } = valid[next++]!;
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
            continue;
          }
          logger.warn('notification delivery failed; will retry', { messageId: msg.id, attempts: msg.attempts, ...errorFields(err) });
          msg.retry();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, valid.length) }, worker));
  } finally {
    await stores.close();
  }
}

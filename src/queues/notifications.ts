import { createStores } from '../db/stores.ts';
import type { Env } from '../env.ts';
import { errorFields, type Logger } from '../lib/logger.ts';
import { followOrderEvent } from '../services/carts/index.ts';
import { systemContext, type ServiceContext } from '../services/context.ts';
import {
  createChannelSenders,
  deliverNotification,
  loadTenantTemplates,
  subscriptionsOfUsers,
  UndeliverableMessage,
  type PushSubscriptionDocument,
  type TemplateDocument,
} from '../services/notifications/index.ts';
import { getNotificationRecipients, type NotificationRecipient } from '../services/users/index.ts';
import { NotificationMessageSchema, type ParsedNotificationMessage } from './notification-messages.ts';

/** Messages of a batch in flight at once. */
const CONCURRENCY = 6;
const PRIORITY_RANK = { HIGH: 0, NORMAL: 1, LOW: 2 } as const;

interface Valid {
  msg: Message<unknown>;
  body: ParsedNotificationMessage;
}

/** One load per tenant of the batch, shared by its messages. */
function perTenant<T>(
  valid: readonly Valid[],
  load: (tenantId: string, userIds: string[]) => Promise<T>,
): (tenantId: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (tenantId) => {
    let hit = cache.get(tenantId);
    if (!hit) {
      const userIds = [...new Set(valid.filter((v) => v.body.tenantId === tenantId).map((v) => v.body.userId))];
      hit = load(tenantId, userIds);
      cache.set(tenantId, hit);
    }
    return hit;
  };
}

/**
 * Stores and delivers notifications. HIGH priority messages of a batch are delivered first. A
 * message that can never succeed (malformed, or nothing to say) is not retried: it goes straight
 * to the dead-letter record. A message with a failed channel is retried (with the queue's
 * delay); the retry sends only the failed channels; after max_retries it lands in
 * notifications-dlq. Per tenant of a batch, the recipients (PostgreSQL), the templates and the
 * push subscriptions (Data API) are each read once, with one service context per tenant
 * (`systemContext`: no caller, the tenant the messages carry).
 */
export async function consumeNotifications(batch: MessageBatch<unknown>, env: Env, logger: Logger): Promise<void> {
  const stores = createStores(env);
  const mongo = stores.mongo();
  const deadLetter = (msg: Message<unknown>, reason: string) =>
    mongo
      .collection('dead_letters')
      .updateOne(
        { queue: batch.queue, messageId: msg.id },
        { $setOnInsert: { queue: batch.queue, messageId: msg.id, body: msg.body, reason, recordedAt: new Date() } },
        { upsert: true },
      );
  try {
    const valid: Valid[] = [];
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

    const contexts = new Map<string, ServiceContext>();
    const ctxOf = (tenantId: string) => {
      let ctx = contexts.get(tenantId);
      if (!ctx) contexts.set(tenantId, (ctx = systemContext(env, stores, logger, tenantId)));
      return ctx;
    };
    const recipientsOf = perTenant<Map<string, NotificationRecipient>>(valid, (tenantId, userIds) =>
      getNotificationRecipients(ctxOf(tenantId), { userIds }),
    );
    const templatesOf = perTenant<TemplateDocument[]>(valid, (tenantId) =>
      loadTenantTemplates(
        ctxOf(tenantId),
        valid.filter((v) => v.body.tenantId === tenantId).map((v) => v.body.type),
      ),
    );
    const subscriptionsOfTenant = perTenant<PushSubscriptionDocument[]>(valid, (tenantId, userIds) =>
      subscriptionsOfUsers(ctxOf(tenantId), userIds),
    );
    const senders = createChannelSenders(env, mongo, async (tenantId, userId) =>
      (await subscriptionsOfTenant(tenantId)).filter((s) => s.userId === userId),
    );

    const deliverOne = async ({ msg, body }: Valid) => {
      try {
        // The cart checked out as this order follows it (closed on CONFIRMED, reopened if compensated).
        await followOrderEvent({ env }, body);
        const [recipients, tenantTemplates] = await Promise.all([
          recipientsOf(body.tenantId),
          templatesOf(body.tenantId),
        ]);
        const recipient = recipients.get(body.userId) ?? null;
        const result = await deliverNotification(ctxOf(body.tenantId), {
          message: body,
          senders,
          recipient,
          tenantTemplates,
        });
        if (result.failed.length > 0) throw new Error(`channels failed: ${result.failed.join(', ')}`);
        msg.ack();
      } catch (err) {
        if (err instanceof UndeliverableMessage) {
          logger.error('undeliverable notification message', { messageId: msg.id, ...errorFields(err) });
          await deadLetter(msg, 'undeliverable').catch(() => undefined);
          msg.ack();
          return;
        }
        logger.warn('notification delivery failed; will retry', {
          messageId: msg.id,
          attempts: msg.attempts,
          ...errorFields(err),
        });
        msg.retry();
      }
    };

    // HIGH, then NORMAL, then LOW: a class finishes before the next starts, so a HIGH message
    // is never queued behind a slower one of lower priority in the same batch.
    for (const rank of [0, 1, 2]) {
      const group = valid.filter((v) => PRIORITY_RANK[v.body.priority] === rank);
      let next = 0;
      const worker = async () => {
        while (next < group.length) await deliverOne(group[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, group.length) }, worker));
    }
  } finally {
    await stores.close();
  }
}

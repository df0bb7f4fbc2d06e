/**
 * How other services send a notification: one queue message with a stable `eventId` (derived
 * from the fact being announced, never random), so a retried request or a redelivered message
 * stores and delivers once (the consumer upserts on tenantId + eventId). The fact is already
 * written when this runs: a failed send is logged, not thrown (the caller's change stands).
 */
import type { Env } from '../../env.ts';
import type { Logger } from '../../lib/logger.ts';
import type { NotificationMessage } from '../../queues/notification-messages.ts';

export type NotificationQueue = Pick<Queue<NotificationMessage>, 'send'>;

/** Sends `message` on the context's NOTIFICATIONS_QUEUE (nothing where the binding is absent). */
export async function notify(
  ctx: { env: Pick<Env, 'NOTIFICATIONS_QUEUE'>; logger: Pick<Logger, 'error'> },
  message: NotificationMessage,
): Promise<void> {
  const queue = ctx.env.NOTIFICATIONS_QUEUE;
  if (!queue) return;
  try {
    await queue.send(message, { contentType: 'json' });
  } catch (err) {
    ctx.logger.error('notification not queued', {
      tenantId: message.tenantId,
      eventId: message.eventId,
      type: message.type,
      err: err instanceof Error ? err.message : String(err),
    });
  }
}

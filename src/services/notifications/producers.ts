/**
 * How other services send a notification: one queue message with a stable `eventId` (derived
 * from the fact being announced, never random), so a retried request or a redelivered message
 * stores and delivers once (the consumer upserts on tenantId + eventId). The fact is already
 * written when this runs: a failed send is logged, not thrown (the caller's change stands).
 */
import type { Logger } from '../../lib/logger.ts';
import type { NotificationMessage } from '../../queues/notification-messages.ts';

export type NotificationQueue = Pick<Queue<NotificationMessage>, 'send'>;

export async function notify(
  queue: NotificationQueue | undefined,
  logger: Pick<Logger, 'error'>,
  message: NotificationMessage,
): Promise<void> {
  if (!queue) return;
  try {
    await queue.send(message, { contentType: 'json' });
  } catch (err) {
    logger.error('notification not queued', {
      tenantId: message.tenantId,
      eventId: message.eventId,
      type: message.type,
      err: err instanceof Error ? err.message : String(err),
    });
  }
}

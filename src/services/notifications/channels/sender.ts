import type { NotificationChannel } from '../queues/notification-messages.ts';

/** What a channel provider needs to deliver one notification. */
export interface OutgoingNotification {
  tenantId: string;
  userId: string;
  notificationId: string;
  channel: NotificationChannel;
  title: string;
  message: string;
  actionUrl?: string;
}

/**
 * A delivery provider (email, SMS, push). Third-party SaaS sits behind this
 * interface; `createChannelSenders` picks the implementation from configuration.
 * `send` must be idempotent per (notificationId, channel): providers get that id
 * as their idempotency key.
 */
export interface ChannelSender {
  send(notification: OutgoingNotification): Promise<{ providerMessageId: string }>;
}

/**
 * Local delivery for development and tests: no external provider is called; the
 * message is logged and given a deterministic id, so redelivery yields the same id.
 * IN_APP needs no provider at all: the stored notification is the delivery.
 */
export const localSender: ChannelSender = {
  async send(n) {
    console.log(JSON.stringify({ level: 'info', msg: 'notification delivered (local)', channel: n.channel, notificationId: n.notificationId }));
    return { providerMessageId: `local-${n.channel.toLowerCase()}-${n.notificationId}` };
  },
};

export function createChannelSenders(): Record<NotificationChannel, ChannelSender> {
  return { EMAIL: localSender, SMS: localSender, PUSH: localSender, IN_APP: localSender };
}

/**
 * IN_APP: the stored document is the delivery; this sender pushes it to the user's open
 * live-feed sockets (NotificationFeed Durable Object). The provider message id records how
 * many sockets got it.
 */
import type { ChannelSender } from './sender.ts';

export interface FeedPublisher {
  publish(tenantId: string, userId: string, message: unknown): Promise<number>;
}

export function inAppSender(feed: FeedPublisher | null): ChannelSender {
  return {
    async send(n) {
      const sockets = feed
        ? await feed.publish(n.tenantId, n.userId, { type: 'notification', notification: n.view })
        : 0;
      return { providerMessageId: `in-app:${n.notificationId}:sockets=${sockets}` };
    },
  };
}

import type { NotificationRecipient } from '../../users/index.ts';
import type { NotificationChannel, RenderedContent } from '../model.ts';
import type { NotificationView } from '../views.ts';

/** What a channel provider needs to deliver one notification. */
export interface OutgoingNotification {
  tenantId: string;
  userId: string;
  notificationId: string;
  eventId: string;
  type: string;
  priority: string;
  channel: NotificationChannel;
  /** Rendered once at insert (templates + variables). */
  content: RenderedContent;
  /** The stored in-app notification as its owner sees it. */
  view: NotificationView;
  recipient: NotificationRecipient | null;
}

/**
 * A delivery provider (email, SMS, push, the live in-app feed). Third-party SaaS sits behind
 * this interface; `createChannelSenders` (senders.ts) picks the implementation from the
 * bindings. `send` resolves with the provider's message id, throws `ChannelSkipped` when the
 * channel has nowhere to deliver (final: recorded SKIPPED), or throws anything else to be
 * recorded FAILED and retried with the queue message.
 */
export interface ChannelSender {
  send(notification: OutgoingNotification): Promise<{ providerMessageId: string }>;
}

export class ChannelSkipped extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`skipped: ${reason}`);
    this.reason = reason;
    this.name = 'ChannelSkipped';
  }
}

/** A channel whose provider is not configured in this deployment: recorded SKIPPED, never FAILED forever. */
export const notConfigured: ChannelSender = {
  async send() {
    throw new ChannelSkipped('not-configured');
  },
};

/**
 * Stores a notification once per (tenantId, eventId) and delivers each channel that is still
 * PENDING or FAILED. Safe to call again for the same message: the upsert inserts nothing new,
 * SENT and SKIPPED channels are not touched, so a retry sends only what failed.
 *
 * Data API calls for a new message: 1 upsert (the inserted document is known, no read back) and
 * 1 update with every channel's outcome; a redelivery adds 1 read. Templates and push
 * subscriptions are read once per tenant per batch by the consumer.
 */
import { ObjectId } from 'bson';

import type { ParsedNotificationMessage } from '../../queues/notification-messages.ts';
import type { ServiceContext } from '../context.ts';
import type { NotificationRecipient } from '../users/index.ts';
import { ChannelSkipped, type ChannelSender } from './channels/sender.ts';
import { compose } from './compose.ts';
import {
  NOTIFICATION_CHANNELS,
  notificationsOf,
  type ChannelStatus,
  type NotificationChannel,
  type NotificationDocument,
} from './model.ts';
import { planChannels } from './plan.ts';
import type { TemplateDocument } from './templates.ts';
import { notificationView } from './views.ts';

const DAY_MS = 86_400_000;

export class UndeliverableMessage extends Error {
  override name = 'UndeliverableMessage';
}

export interface DeliveryInput {
  message: ParsedNotificationMessage;
  senders: Record<NotificationChannel, ChannelSender>;
  recipient: NotificationRecipient | null;
  tenantTemplates: readonly TemplateDocument[];
  now?: Date;
}

export interface DeliveryResult {
  notificationId: string;
  created: boolean;
  delivered: NotificationChannel[];
  failed: NotificationChannel[];
  skipped: NotificationChannel[];
}

/** Delivers `input.message` (of the context's tenant: the consumer builds one context per tenant). */
export async function deliverNotification(ctx: ServiceContext, input: DeliveryInput): Promise<DeliveryResult> {
  const { message: msg, senders, recipient } = input;
  const now = input.now ?? new Date();
  const notifications = notificationsOf(ctx.stores.mongo());
  const plan = planChannels(msg.type, msg.channels, recipient);
  const channels = NOTIFICATION_CHANNELS.filter((ch) => plan[ch]);
  const composed = compose(msg, channels, recipient?.language, input.tenantTemplates);
  if (!composed) throw new UndeliverableMessage(`no template for ${msg.type} and no title/message in the message`);

  const key = { tenantId: msg.tenantId, eventId: msg.eventId };
  const _id = new ObjectId();
  const channelStatus: NotificationDocument['channelStatus'] = {};
  for (const ch of channels) {
    const p = plan[ch]!;
    channelStatus[ch] = p.send
      ? { status: 'PENDING', sentAt: null, error: null, attempts: 0 }
      : { status: 'SKIPPED', sentAt: null, error: null, reason: p.reason };
  }
  const fresh: NotificationDocument = {
    _id,
    ...key,
    userId: msg.userId,
    type: msg.type,
    title: composed.title,
    message: composed.message,
    channels,
    channelStatus,
    content: composed.content,
    data: msg.data,
    actionUrl: msg.actionUrl ?? null,
    actionText: msg.actionText ?? null,
    priority: msg.priority,
    read: false,
    readAt: null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + msg.ttlDays * DAY_MS),
  };
  const { _id: _, ...insert } = fresh;
  const res = await notifications.updateOne(key, { $setOnInsert: { _id, ...insert } }, { upsert: true });
  const created = res.upsertedId !== undefined;
  const doc = created ? fresh : await notifications.findOne(key);
  if (!doc) throw new Error(`notification ${msg.eventId} vanished after upsert`);
  const notificationId = doc._id.toHexString();
  const view = notificationView(doc);

  const due = doc.channels.filter((ch) => {
    const s = doc.channelStatus[ch]?.status;
    return s === 'PENDING' || s === 'FAILED';
  });
  const outcomes = await Promise.all(
    due.map(async (channel): Promise<[NotificationChannel, ChannelStatus]> => {
      const attempts = (doc.channelStatus[channel]?.attempts ?? 0) + 1;
      try {
        const { providerMessageId } = await senders[channel].send({
          tenantId: doc.tenantId,
          userId: doc.userId,
          notificationId,
          eventId: doc.eventId,
          type: doc.type,
          priority: doc.priority,
          channel,
          content: doc.content,
          view,
          recipient,
        });
        return [channel, { status: 'SENT', sentAt: new Date(), error: null, providerMessageId, attempts }];
      } catch (err) {
        if (err instanceof ChannelSkipped)
          return [channel, { status: 'SKIPPED', sentAt: null, error: null, reason: err.reason, attempts }];
        return [
          channel,
          {
            status: 'FAILED',
            sentAt: null,
            error: String(err instanceof Error ? err.message : err).slice(0, 500),
            attempts,
          },
        ];
      }
    }),
  );
  if (outcomes.length > 0) {
    await notifications.updateOne(key, {
      $set: Object.fromEntries(outcomes.map(([ch, s]) => [`channelStatus.${ch}`, s])),
    });
  }
  const by = (state: string) => outcomes.filter(([, s]) => s.status === state).map(([ch]) => ch);
  return { notificationId, created, delivered: by('SENT'), failed: by('FAILED'), skipped: by('SKIPPED') };
}

import type { DataApiClient } from '../db/mongo/client.ts';
import type { NotificationChannel, ParsedNotificationMessage } from '../queues/notification-messages.ts';
import type { ChannelSender } from './notification-channels.ts';

const DAY_MS = 86_400_000;

interface ChannelStatus {
  status: 'PENDING' | 'SENT' | 'FAILED';
  sentAt: Date | null;
  error: string | null;
  providerMessageId?: string;
}

export interface NotificationDocument {
  _id?: unknown;
  tenantId: string;
  eventId: string;
  userId: string;
  type: string;
  title: string;
  message: string;
  channels: NotificationChannel[];
  channelStatus: Partial<Record<NotificationChannel, ChannelStatus>>;
  data: Record<string, unknown>;
  actionUrl: string | null;
  actionText: string | null;
  priority: string;
  read: boolean;
  readAt: Date | null;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * Stores a notification once per (tenantId, eventId) and delivers each channel
 * that has not been delivered yet. Safe to call again for the same message: the
 * upsert inserts nothing new and SENT channels are skipped.
 */
export async function deliverNotification(
  mongo: DataApiClient,
  msg: ParsedNotificationMessage,
  senders: Record<NotificationChannel, ChannelSender>,
  now = new Date(),
): Promise<{ notificationId: string; delivered: NotificationChannel[]; failed: NotificationChannel[] }> {
  const notifications = mongo.collection<NotificationDocument>('notifications');
  const pending: ChannelStatus = { status: 'PENDING', sentAt: null, error: null };
  const insert: Omit<NotificationDocument, 'tenantId' | 'eventId'> = {
    userId: msg.userId,
    type: msg.type,
    title: msg.title,
    message: msg.message,
    channels: msg.channels,
    channelStatus: Object.fromEntries(msg.channels.map((ch) => [ch, pending])),
    data: msg.data,
    actionUrl: msg.actionUrl ?? null,
    actionText: msg.actionText ?? null,
    priority: msg.priority,
    read: false,
    readAt: null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + msg.ttlDays * DAY_MS),
  };
  const key = { tenantId: msg.tenantId, eventId: msg.eventId };
  await notifications.updateOne(key, { $setOnInsert: insert }, { upsert: true });
  const doc = await notifications.findOne(key);
  if (!doc) throw new Error(`notification ${msg.eventId} vanished after upsert`);
  const notificationId = String(doc._id);

  const delivered: NotificationChannel[] = [];
  const failed: NotificationChannel[] = [];
  for (const channel of msg.channels) {
    if (doc.channelStatus[channel]?.status === 'SENT') continue;
    try {
      const { providerMessageId } = await senders[channel].send({
        tenantId: msg.tenantId,
        userId: msg.userId,
        notificationId,
        channel,
        title: msg.title,
        message: msg.message,
        actionUrl: msg.actionUrl,
      });
      await notifications.updateOne(key, {
        $set: { [`channelStatus.${channel}`]: { status: 'SENT', sentAt: new Date(), error: null, providerMessageId } },
      });
      delivered.push(channel);
    } catch (err) {
      await notifications.updateOne(key, {
        $set: { [`channelStatus.${channel}`]: { status: 'FAILED', sentAt: null, error: String(err) } },
      });
      failed.push(channel);
    }
  }
  return { notificationId, delivered, failed };
}

/** TTL fallback for servers without TTL indexes: removes expired notifications. */
export async function purgeExpiredNotifications(mongo: DataApiClient, now = new Date()): Promise<number> {
  const { deletedCount } = await mongo.collection('notifications').deleteMany({ expiresAt: { $lt: now } });
  return deletedCount;
}

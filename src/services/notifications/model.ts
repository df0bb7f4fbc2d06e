/**
 * Notification service — MongoDB collections `notifications`, `notification_templates`,
 * `push_subscriptions`.
 *
 * A notification is stored once per (tenantId, eventId) (unique index, changeset 007): the
 * queue consumer upserts, so a redelivered or re-sent event never makes a second document.
 * `channelStatus` holds one entry per channel considered; a channel is attempted only while it
 * is PENDING or FAILED, so a retry sends only what failed. SKIPPED is final (preference off,
 * no address, channel not configured). The content each channel sends is rendered once, at
 * insert (`content`), so a retry sends exactly what the first attempt would have.
 * Every read filters by tenantId, userId and `expiresAt > now` (the TTL index removes expired ones only eventually, and FerretDB v1 had none).
 */
import type { ObjectId } from 'bson';

import type { DataApiClient, DataApiCollection } from '../../db/mongo/client.ts';
import type { NotificationChannel, NotificationPriority } from '../../queues/notification-messages.ts';

export { NOTIFICATION_CHANNELS, NOTIFICATION_PRIORITIES } from '../../queues/notification-messages.ts';
export type { NotificationChannel, NotificationPriority } from '../../queues/notification-messages.ts';

export const CHANNEL_STATES = ['PENDING', 'SENT', 'FAILED', 'SKIPPED'] as const;
export type ChannelState = (typeof CHANNEL_STATES)[number];

/** Account security events: always e-mailed and shown in-app, whatever the preferences say. */
export const SECURITY_TYPES = [
  'PASSWORD_CHANGED',
  'TFA_ENABLED',
  'TFA_DISABLED',
  'API_KEY_CREATED',
  'ACCOUNT_LOCKED',
  'NEW_SIGN_IN',
] as const;
export const isSecurityType = (type: string): boolean => (SECURITY_TYPES as readonly string[]).includes(type);

export interface ChannelStatus {
  status: ChannelState;
  sentAt: Date | null;
  error: string | null;
  /** Why a channel was SKIPPED (preference-off, no-address, no-phone, no-subscriptions, not-configured). */
  reason?: string;
  providerMessageId?: string;
  attempts?: number;
}

/** What each channel sends, rendered from a template (or the producer's text) at insert. */
export interface RenderedContent {
  locale: string;
  /** Where the text came from: tenant template, built-in default, or the producer's message. */
  source: 'tenant' | 'built-in' | 'message';
  EMAIL?: { subject: string; text: string; html: string };
  SMS?: { body: string };
  PUSH?: { title: string; body: string };
}

export interface NotificationDocument {
  _id: ObjectId;
  tenantId: string;
  eventId: string;
  userId: string;
  type: string;
  /** The in-app title and message (the IN_APP rendering). */
  title: string;
  message: string;
  channels: NotificationChannel[];
  channelStatus: Partial<Record<NotificationChannel, ChannelStatus>>;
  content: RenderedContent;
  data: Record<string, unknown>;
  actionUrl: string | null;
  actionText: string | null;
  priority: NotificationPriority;
  read: boolean;
  readAt: Date | null;
  createdAt: Date;
  expiresAt: Date;
}

export const notificationsOf = (mongo: DataApiClient): DataApiCollection<NotificationDocument> =>
  mongo.collection<NotificationDocument>('notifications');

/** The filter every user-facing read starts from: own, this tenant, not expired. */
export function visibleTo(owner: { tenantId: string; userId: string }, now = new Date()) {
  return { tenantId: owner.tenantId, userId: owner.userId, expiresAt: { $gt: now } };
}

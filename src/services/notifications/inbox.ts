/**
 * The signed-in user's inbox: list, unread count, mark read, delete. Every filter starts
 * from `visibleTo` (own, tenant, not expired), so another user's or tenant's notification,
 * or an expired one, is simply not found (404), never 403.
 */
import { ObjectId } from 'bson';

import type { DataApiClient, Document } from '../../db/mongo/client.ts';
import {
  decodeCursor as decodeKey,
  encodeCursor as encodeKey,
  invalidCursor,
  timeObjectIdKey,
} from '../../lib/pagination.ts';
import { notificationErrors } from './errors.ts';
import { notificationsOf, visibleTo, type NotificationDocument } from './model.ts';
import { notificationView, type NotificationView } from './views.ts';

export interface Owner {
  tenantId: string;
  userId: string;
}

export interface InboxQuery {
  limit: number;
  cursor?: string;
  unread?: boolean;
  type?: string;
}

function encodeCursor(doc: NotificationDocument): string {
  return encodeKey([doc.createdAt.toISOString(), doc._id.toHexString()]);
}

function decodeCursor(text: string): { at: Date; id: ObjectId } {
  const parts = decodeKey(text);
  const key = Array.isArray(parts) && parts.length === 2 ? timeObjectIdKey(parts[0], parts[1]) : null;
  if (!key) throw invalidCursor();
  return key;
}

/** Newest first, keyset on (createdAt, _id): stable while new notifications arrive. */
export async function listNotifications(
  mongo: DataApiClient,
  owner: Owner,
  q: InboxQuery,
): Promise<{ data: NotificationView[]; nextCursor: string | null }> {
  const filter: Document = visibleTo(owner);
  if (q.unread !== undefined) filter.read = !q.unread;
  if (q.type) filter.type = q.type;
  if (q.cursor) {
    const key = decodeCursor(q.cursor);
    filter.$or = [{ createdAt: { $lt: key.at } }, { createdAt: key.at, _id: { $lt: key.id } }];
  }
  const docs = await notificationsOf(mongo).find(filter, { sort: { createdAt: -1, _id: -1 }, limit: q.limit + 1 });
  const page = docs.slice(0, q.limit);
  return {
    data: page.map(notificationView),
    nextCursor: docs.length > q.limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}

/** Counted from the documents (no counter to drift). */
export async function unreadCount(mongo: DataApiClient, owner: Owner): Promise<number> {
  const [row] = await notificationsOf(mongo).aggregate<{ n: number }>([
    { $match: { ...visibleTo(owner), read: false } },
    { $count: 'n' },
  ]);
  return row?.n ?? 0;
}

/** Idempotent: reading a read notification keeps its first readAt. */
export async function markRead(mongo: DataApiClient, owner: Owner, id: string): Promise<NotificationView> {
  const filter = { ...visibleTo(owner), _id: new ObjectId(id) };
  const notifications = notificationsOf(mongo);
  await notifications.updateOne({ ...filter, read: false }, { $set: { read: true, readAt: new Date() } });
  const doc = await notifications.findOne(filter);
  if (!doc) throw notificationErrors.notFound();
  return notificationView(doc);
}

export async function markAllRead(mongo: DataApiClient, owner: Owner): Promise<number> {
  const { modifiedCount } = await notificationsOf(mongo).updateMany(
    { ...visibleTo(owner), read: false },
    { $set: { read: true, readAt: new Date() } },
  );
  return modifiedCount;
}

export async function deleteNotification(mongo: DataApiClient, owner: Owner, id: string): Promise<void> {
  const { deletedCount } = await notificationsOf(mongo).deleteOne({ ...visibleTo(owner), _id: new ObjectId(id) });
  if (deletedCount === 0) throw notificationErrors.notFound();
}

/** TTL fallback for servers without TTL indexes (cron): removes expired notifications. */
export async function purgeExpiredNotifications(mongo: DataApiClient, now = new Date()): Promise<number> {
  const { deletedCount } = await notificationsOf(mongo).deleteMany({ expiresAt: { $lt: now } });
  return deletedCount;
}

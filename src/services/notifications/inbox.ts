/**
 * The signed-in user's inbox: list, unread count, mark read, delete. Every filter starts
 * from `visibleTo` (own, tenant, not expired), so another user's or tenant's notification,
 * or an expired one, is simply not found (404), never 403.
 */
import { ObjectId } from 'bson';

import type { Document } from '../../db/mongo/client.ts';
import {
  decodeCursor as decodeKey,
  encodeCursor as encodeKey,
  invalidCursor,
  timeObjectIdKey,
} from '../../lib/pagination.ts';
import { callerOf, type ServiceContext } from '../context.ts';
import { notificationErrors } from './errors.ts';
import { notificationsOf, visibleTo, type NotificationDocument } from './model.ts';
import { notificationView, type NotificationView } from './views.ts';

export interface Owner {
  tenantId: string;
  userId: string;
}

/** The inbox's owner: the caller of `ctx` (401 without one). */
function ownerOf(ctx: ServiceContext): Owner {
  const { tenantId, userId } = callerOf(ctx);
  return { tenantId, userId };
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
  ctx: ServiceContext,
  q: InboxQuery,
): Promise<{ data: NotificationView[]; nextCursor: string | null }> {
  const filter: Document = visibleTo(ownerOf(ctx));
  if (q.unread !== undefined) filter.read = !q.unread;
  if (q.type) filter.type = q.type;
  if (q.cursor) {
    const key = decodeCursor(q.cursor);
    filter.$or = [{ createdAt: { $lt: key.at } }, { createdAt: key.at, _id: { $lt: key.id } }];
  }
  const docs = await notificationsOf(ctx.stores.mongo()).find(filter, {
    sort: { createdAt: -1, _id: -1 },
    limit: q.limit + 1,
  });
  const page = docs.slice(0, q.limit);
  return {
    data: page.map(notificationView),
    nextCursor: docs.length > q.limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}

/** Counted from the documents (no counter to drift). */
export async function unreadCount(ctx: ServiceContext): Promise<number> {
  const [row] = await notificationsOf(ctx.stores.mongo()).aggregate<{ n: number }>([
    { $match: { ...visibleTo(ownerOf(ctx)), read: false } },
    { $count: 'n' },
  ]);
  return row?.n ?? 0;
}

/** Idempotent: reading a read notification keeps its first readAt. */
export async function markRead(ctx: ServiceContext, id: string): Promise<NotificationView> {
  const filter = { ...visibleTo(ownerOf(ctx)), _id: new ObjectId(id) };
  const notifications = notificationsOf(ctx.stores.mongo());
  await notifications.updateOne({ ...filter, read: false }, { $set: { read: true, readAt: new Date() } });
  const doc = await notifications.findOne(filter);
  if (!doc) throw notificationErrors.notFound();
  return notificationView(doc);
}

export async function markAllRead(ctx: ServiceContext): Promise<number> {
  const { modifiedCount } = await notificationsOf(ctx.stores.mongo()).updateMany(
    { ...visibleTo(ownerOf(ctx)), read: false },
    { $set: { read: true, readAt: new Date() } },
  );
  return modifiedCount;
}

export async function deleteNotification(ctx: ServiceContext, id: string): Promise<void> {
  const filter = { ...visibleTo(ownerOf(ctx)), _id: new ObjectId(id) };
  const { deletedCount } = await notificationsOf(ctx.stores.mongo()).deleteOne(filter);
  if (deletedCount === 0) throw notificationErrors.notFound();
}

/**
 * TTL fallback for servers without TTL indexes (cron): removes expired notifications of every
 * tenant (housekeeping has no tenant: it takes the stores of a context, not its tenant).
 */
export async function purgeExpiredNotifications(
  ctx: Pick<ServiceContext, 'stores'>,
  now = new Date(),
): Promise<number> {
  const { deletedCount } = await notificationsOf(ctx.stores.mongo()).deleteMany({ expiresAt: { $lt: now } });
  return deletedCount;
}

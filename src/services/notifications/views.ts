import type { NotificationDocument } from './model.ts';

/** What a user sees of one of their notifications (list, read, live feed). */
export function notificationView(doc: NotificationDocument) {
  return {
    id: doc._id.toHexString(),
    type: doc.type,
    title: doc.title,
    message: doc.message,
    data: doc.data ?? {},
    actionUrl: doc.actionUrl ?? null,
    actionText: doc.actionText ?? null,
    priority: doc.priority,
    read: doc.read === true,
    readAt: doc.readAt instanceof Date ? doc.readAt.toISOString() : null,
    createdAt: doc.createdAt.toISOString(),
    expiresAt: doc.expiresAt.toISOString(),
  };
}
export type NotificationView = ReturnType<typeof notificationView>;

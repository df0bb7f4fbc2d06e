import { z } from 'zod';

export const NOTIFICATION_CHANNELS = ['EMAIL', 'SMS', 'PUSH', 'IN_APP'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** A request to notify one user; `eventId` makes redelivery harmless. */
export const NotificationMessageSchema = z.object({
  eventId: z.string().min(1).max(100),
  tenantId: z.uuid(),
  userId: z.string().min(1).max(100),
  type: z.string().min(1).max(50),
  title: z.string().min(1).max(200),
  message: z.string().min(1).max(2000),
  channels: z.array(z.enum(NOTIFICATION_CHANNELS)).min(1).max(4),
  data: z.record(z.string(), z.unknown()).default({}),
  actionUrl: z.string().max(500).optional(),
  actionText: z.string().max(100).optional(),
  priority: z.enum(['LOW', 'NORMAL', 'HIGH']).default('NORMAL'),
  /** Days until the notification expires (TTL). */
  ttlDays: z.number().int().min(1).max(365).default(30),
});
export type NotificationMessage = z.input<typeof NotificationMessageSchema>;
export type ParsedNotificationMessage = z.output<typeof NotificationMessageSchema>;

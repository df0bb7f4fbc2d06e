import { z } from 'zod';

export const NOTIFICATION_CHANNELS = ['EMAIL', 'SMS', 'PUSH', 'IN_APP'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export const NOTIFICATION_PRIORITIES = ['LOW', 'NORMAL', 'HIGH'] as const;
export type NotificationPriority = (typeof NOTIFICATION_PRIORITIES)[number];

/** Values a template may interpolate: scalars only (objects would render as "[object Object]"). */
const TemplateVariables = z.record(
  z.string().max(64),
  z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]),
);

/**
 * A request to notify one user; `eventId` makes redelivery harmless.
 *
 * Compatibility contract (producers in other services rely on it): `eventId, tenantId, userId,
 * type, channels, data, priority` keep their meaning. `title`/`message` are the producer's own
 * text, used when no template (tenant or built-in) exists for the type; `variables` (and the
 * scalar fields of `data`) fill a template's `{{name}}` placeholders. `channels` names the
 * channels the producer wants; the user's preferences still decide (see services/notifications/plan.ts);
 * omitted, every channel is considered.
 */
export const NotificationMessageSchema = z.object({
  eventId: z.string().min(1).max(100),
  tenantId: z.uuid(),
  userId: z.string().min(1).max(100),
  type: z
    .string()
    .min(1)
    .max(50)
    .regex(/^[A-Z][A-Z0-9_]*$/, 'UPPER_SNAKE_CASE'),
  title: z.string().min(1).max(200).optional(),
  message: z.string().min(1).max(2000).optional(),
  channels: z.array(z.enum(NOTIFICATION_CHANNELS)).min(1).max(4).optional(),
  data: z.record(z.string(), z.unknown()).default({}),
  variables: TemplateVariables.optional(),
  actionUrl: z.string().max(500).optional(),
  actionText: z.string().max(100).optional(),
  priority: z.enum(NOTIFICATION_PRIORITIES).default('NORMAL'),
  /** Days until the notification expires (TTL). */
  ttlDays: z.number().int().min(1).max(365).default(30),
});
export type NotificationMessage = z.input<typeof NotificationMessageSchema>;
export type ParsedNotificationMessage = z.output<typeof NotificationMessageSchema>;

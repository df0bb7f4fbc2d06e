import { z } from '@hono/zod-openapi';

import { pageOf, pageQuery } from '../../lib/pagination.ts';
import { NOTIFICATION_CHANNELS, NOTIFICATION_PRIORITIES } from '../../services/notifications/index.ts';

export { ObjectIdParam } from '../reviews/reviews.schemas.ts';

const NotificationType = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,49}$/, 'an UPPER_SNAKE_CASE notification type')
  .openapi({ example: 'ORDER_SHIPPED' });

export const NotificationSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    title: z.string(),
    message: z.string(),
    data: z.record(z.string(), z.unknown()),
    actionUrl: z.string().nullable(),
    actionText: z.string().nullable(),
    priority: z.enum(NOTIFICATION_PRIORITIES),
    read: z.boolean(),
    readAt: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi('Notification');

const booleanFlag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .openapi({ type: 'string', enum: ['true', 'false'] });

export const InboxQuery = z.object({
  unread: booleanFlag.optional().openapi({ description: 'true: only unread; false: only read' }),
  type: NotificationType.optional(),
  ...pageQuery(),
});

export const InboxPage = pageOf(NotificationSchema, 'NotificationPage');
export const UnreadCount = z.object({ unread: z.number().int() }).openapi('NotificationUnreadCount');
export const ReadAllResult = z.object({ marked: z.number().int() }).openapi('NotificationReadAllResult');

export const StreamTicket = z
  .object({ ticket: z.string(), expiresIn: z.number().int(), url: z.string() })
  .openapi('NotificationStreamTicket', {
    description:
      'Single-purpose token for `GET /notifications/stream?ticket=` (browsers cannot set headers on WebSockets)',
  });
export const StreamQuery = z.object({ ticket: z.string().min(1).max(2000).optional() });

// Push subscriptions (the browser's PushSubscription.toJSON())
const base64url = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url')
    .refine((s) => Math.floor((s.length * 3) / 4) === bytes, `must encode ${bytes} bytes`)
    .openapi({ example: 'A'.repeat(Math.ceil((bytes * 4) / 3)) });

export const PushSubscriptionBody = z
  .object({
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048),
    keys: z.object({ p256dh: base64url(65), auth: base64url(16) }).strict(),
    expirationTime: z.number().nullable().optional(),
    userAgent: z.string().max(300).optional(),
  })
  .strict()
  .openapi('PushSubscriptionRequest');

export const PushSubscriptionSchema = z
  .object({ id: z.string(), endpoint: z.string(), userAgent: z.string().nullable(), createdAt: z.string() })
  .openapi('PushSubscription');
export const PushSubscriptionList = z
  .object({
    data: z.array(PushSubscriptionSchema),
    vapidPublicKey: z.string().nullable().openapi({ description: 'applicationServerKey for PushManager.subscribe' }),
  })
  .openapi('PushSubscriptionList');

// Templates (staff)
const Channel = z.enum(NOTIFICATION_CHANNELS);
const Locale = z
  .string()
  .regex(/^(default|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$/, 'a BCP 47 language tag (en, pt-BR) or "default"')
  .max(35);
export const TemplateKeyParams = z.object({
  type: NotificationType.openapi({ param: { name: 'type', in: 'path' } }),
  channel: Channel.openapi({ param: { name: 'channel', in: 'path' } }),
  locale: Locale.openapi({ param: { name: 'locale', in: 'path' }, example: 'en' }),
});
export const TemplateListQuery = z.object({
  type: NotificationType.optional(),
  channel: Channel.optional(),
  locale: Locale.optional(),
});

export const TemplateBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    body: z.string().trim().min(1).max(5000),
    html: z.string().min(1).max(50_000).nullable().optional(),
  })
  .strict()
  .openapi('NotificationTemplateRequest', {
    description: 'title = e-mail subject / push and in-app title; `{{name}}` placeholders',
  });

export const TemplateSchema = z
  .object({
    type: z.string(),
    channel: Channel,
    locale: z.string(),
    title: z.string(),
    body: z.string(),
    html: z.string().nullable(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .openapi('NotificationTemplate');
export const TemplateList = z.object({ data: z.array(TemplateSchema) }).openapi('NotificationTemplateList');

export const PreviewBody = z
  .object({
    type: NotificationType,
    channel: Channel,
    locale: z.string().max(35).default('en').openapi({ description: "the recipient's language" }),
    template: TemplateBody.optional().openapi({
      description: 'an unsaved template to try; default: the one the fallback picks',
    }),
    variables: z
      .record(z.string().max(64), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
      .optional(),
  })
  .strict()
  .openapi('NotificationTemplatePreviewRequest');

export const PreviewSchema = z
  .object({
    source: z.enum(['tenant', 'built-in', 'message', 'request']),
    locale: z.string(),
    title: z.string(),
    text: z.string(),
    html: z.string().nullable(),
  })
  .openapi('NotificationTemplatePreview');

import { createRouter } from '../../lib/create-router.ts';
import { problems } from '../../lib/problem.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import { assertAccountInGoodStanding } from '../../services/auth/index.ts';
import * as notifications from '../../services/notifications/index.ts';
import * as routes from './notifications.routes.ts';

const streamPath = (url: string) => new URL(url).pathname.replace(/\/ticket\/?$/, '');

/** The caller's notifications, push subscriptions and live feed; staff template management. */
export const notificationsRoutes = createRouter()
  .openapi(routes.listNotifications, async (c) => {
    return c.json(await notifications.listNotifications(ctxOf(c), c.req.valid('query')), 200);
  })
  .openapi(routes.unreadCount, async (c) => {
    return c.json({ unread: await notifications.unreadCount(ctxOf(c)) }, 200);
  })
  .openapi(routes.markAllRead, async (c) => {
    return c.json({ marked: await notifications.markAllRead(ctxOf(c)) }, 200);
  })
  .openapi(routes.markRead, async (c) => {
    return c.json(await notifications.markRead(ctxOf(c), c.req.valid('param').id), 200);
  })
  .openapi(routes.deleteNotification, async (c) => {
    await notifications.deleteNotification(ctxOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(routes.streamTicket, async (c) => {
    const grant = notifications.bearerGrant(ctxOf(c), c.req.header('authorization'));
    await assertAccountInGoodStanding(ctxOf(c), grant);
    const { ticket, expiresIn } = await notifications.issueStreamTicket(ctxOf(c), grant);
    return c.json({ ticket, expiresIn, url: `${streamPath(c.req.url)}?ticket=${encodeURIComponent(ticket)}` }, 201);
  })
  .openapi(routes.stream, async (c) => {
    const { ticket } = c.req.valid('query');
    const grant = ticket
      ? await notifications.redeemStreamTicket(ctxOf(c), ticket)
      : notifications.bearerGrant(ctxOf(c), c.req.header('authorization'));
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw notifications.notificationErrors.upgradeRequired();
    }
    await assertAccountInGoodStanding(ctxOf(c), grant);
    const headers: Record<string, string> = {
      upgrade: 'websocket',
      'x-feed-expires-at': String(grant.expiresAt),
      'x-feed-issued-at': String(grant.issuedAt),
    };
    if (grant.ticketId) headers['x-feed-ticket-id'] = grant.ticketId;
    const res = await notifications
      .feedOf(c.env, grant.tenantId, grant.userId)
      .fetch('https://feed/connect', { headers });
    if (res.status !== 101) throw problems.unauthorized(await res.text());
    return res as never;
  })
  .openapi(routes.registerPushSubscription, async (c) => {
    const body = c.req.valid('json');
    const { subscription, created } = await notifications.registerSubscription(ctxOf(c), {
      endpoint: body.endpoint,
      keys: body.keys,
      userAgent: body.userAgent ?? c.req.header('user-agent')?.slice(0, 300) ?? null,
    });
    return c.json(subscription, created ? 201 : 200);
  })
  .openapi(routes.listPushSubscriptions, async (c) => {
    const data = await notifications.listSubscriptions(ctxOf(c));
    return c.json({ data, vapidPublicKey: c.env.VAPID_PUBLIC_KEY ?? null }, 200);
  })
  .openapi(routes.deletePushSubscription, async (c) => {
    await notifications.deleteSubscription(ctxOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(routes.listTemplates, async (c) => {
    return c.json({ data: await notifications.listTemplates(ctxOf(c), c.req.valid('query')) }, 200);
  })
  .openapi(routes.getTemplate, async (c) => {
    return c.json(await notifications.getTemplate(ctxOf(c), c.req.valid('param')), 200);
  })
  .openapi(routes.putTemplate, async (c) => {
    const input = { key: c.req.valid('param'), template: c.req.valid('json') };
    const { template, created } = await notifications.putTemplate(ctxOf(c), input);
    return c.json(template, created ? 201 : 200);
  })
  .openapi(routes.deleteTemplate, async (c) => {
    await notifications.deleteTemplate(ctxOf(c), c.req.valid('param'));
    return c.body(null, 204);
  })
  .openapi(routes.previewTemplate, async (c) => {
    return c.json(await notifications.previewTemplate(ctxOf(c), c.req.valid('json')), 200);
  });

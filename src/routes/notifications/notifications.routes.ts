import { createRoute, z } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { jsonBody, jsonResponse, problemResponses } from '../schemas.ts';
import {
  InboxPage,
  InboxQuery,
  NotificationSchema,
  ObjectIdParam,
  PreviewBody,
  PreviewSchema,
  PushSubscriptionBody,
  PushSubscriptionList,
  PushSubscriptionSchema,
  ReadAllResult,
  StreamQuery,
  StreamTicket,
  TemplateBody,
  TemplateKeyParams,
  TemplateList,
  TemplateListQuery,
  TemplateSchema,
  UnreadCount,
} from './notifications.schemas.ts';

const tags = ['Notifications'];
/**
 * Own notifications only: the principal is the owner, another user's id is 404. They are
 * account data: reading needs `read:profile`, changing `write:profile` (every role holds
 * both; an API key only with that scope).
 */
const authed = { tags, ...access.permission('read:profile') };
const authedWrite = { tags, ...access.permission('write:profile') };
/** Staff who manage a tenant's notification templates. */
const TEMPLATE_ROLES = ['ADMIN', 'MANAGER'] as const;
const staff = { tags: ['Notification templates'], ...access.userToken({ roles: [...TEMPLATE_ROLES] }) };

export const listNotifications = createRoute({
  method: 'get',
  path: '/notifications',
  ...authed,
  summary: 'Your notifications, newest first (keyset cursor; filters unread and type; expired ones never appear)',
  request: { query: InboxQuery },
  responses: { 200: jsonResponse(InboxPage, 'One page'), ...problemResponses(400, 401, 403) },
});

export const unreadCount = createRoute({
  method: 'get',
  path: '/notifications/unread-count',
  ...authed,
  summary: 'How many of your notifications are unread',
  responses: { 200: jsonResponse(UnreadCount, 'The count'), ...problemResponses(401, 403) },
});

export const markRead = createRoute({
  method: 'post',
  path: '/notifications/{id}/read',
  ...authedWrite,
  summary: 'Mark one of your notifications read (idempotent)',
  request: { params: ObjectIdParam },
  responses: { 200: jsonResponse(NotificationSchema, 'The notification'), ...problemResponses(400, 401, 403, 404) },
});

export const markAllRead = createRoute({
  method: 'post',
  path: '/notifications/read-all',
  ...authedWrite,
  summary: 'Mark all your notifications read',
  responses: { 200: jsonResponse(ReadAllResult, 'How many changed'), ...problemResponses(401, 403) },
});

export const deleteNotification = createRoute({
  method: 'delete',
  path: '/notifications/{id}',
  ...authedWrite,
  summary: 'Delete one of your notifications',
  request: { params: ObjectIdParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404) },
});

export const streamTicket = createRoute({
  method: 'post',
  path: '/notifications/stream/ticket',
  tags,
  ...access.userToken(),
  summary:
    'A 60-second single-use ticket to open the live feed from a browser (`?ticket=`); refused (403/423) for an account no longer in good standing',
  responses: { 201: jsonResponse(StreamTicket, 'The ticket'), ...problemResponses(401, 403, 423) },
});

export const stream = createRoute({
  method: 'get',
  path: '/notifications/stream',
  tags,
  ...access.userTokenInHandler('a user token, or a ticket from POST /notifications/stream/ticket'),
  summary:
    'Live feed (WebSocket): new in-app notifications as `{type:"notification", notification}`; closes (4001) when the token expires, (4003) when the account is locked or suspended; refused (403/423) for an account no longer in good standing',
  request: { query: StreamQuery },
  responses: {
    101: { description: 'Switching protocols: the WebSocket' },
    ...problemResponses(400, 401, 403, 423),
    426: {
      description: 'Not a WebSocket upgrade request',
      content: { 'application/problem+json': { schema: z.object({}).passthrough() } },
    },
  },
});

// Push subscriptions: the caller's own
export const registerPushSubscription = createRoute({
  method: 'post',
  path: '/users/me/push-subscriptions',
  ...authedWrite,
  summary: "Register this browser's Web Push subscription (PushSubscription.toJSON()); again = update",
  request: { body: jsonBody(PushSubscriptionBody) },
  responses: {
    201: jsonResponse(PushSubscriptionSchema, 'Registered'),
    200: jsonResponse(PushSubscriptionSchema, 'Already registered: keys updated'),
    ...problemResponses(400, 401, 403, 409, 415),
  },
});

export const listPushSubscriptions = createRoute({
  method: 'get',
  path: '/users/me/push-subscriptions',
  ...authed,
  summary: 'Your push subscriptions, and the VAPID applicationServerKey to subscribe with',
  responses: { 200: jsonResponse(PushSubscriptionList, 'Subscriptions'), ...problemResponses(401, 403) },
});

export const deletePushSubscription = createRoute({
  method: 'delete',
  path: '/users/me/push-subscriptions/{id}',
  ...authedWrite,
  summary: 'Remove one of your push subscriptions',
  request: { params: ObjectIdParam },
  responses: { 204: { description: 'Removed' }, ...problemResponses(400, 401, 403, 404) },
});

// Templates (staff of the tenant)
export const listTemplates = createRoute({
  method: 'get',
  path: '/admin/notification-templates',
  ...staff,
  summary: "The tenant's notification templates (ADMIN or MANAGER)",
  request: { query: TemplateListQuery },
  responses: { 200: jsonResponse(TemplateList, 'Templates'), ...problemResponses(400, 401, 403) },
});

export const getTemplate = createRoute({
  method: 'get',
  path: '/admin/notification-templates/{type}/{channel}/{locale}',
  ...staff,
  summary: 'One template',
  request: { params: TemplateKeyParams },
  responses: { 200: jsonResponse(TemplateSchema, 'The template'), ...problemResponses(400, 401, 403, 404) },
});

export const putTemplate = createRoute({
  method: 'put',
  path: '/admin/notification-templates/{type}/{channel}/{locale}',
  ...staff,
  summary: 'Create or replace a template (locale `default` = the tenant fallback for every language)',
  request: { params: TemplateKeyParams, body: jsonBody(TemplateBody) },
  responses: {
    201: jsonResponse(TemplateSchema, 'Created'),
    200: jsonResponse(TemplateSchema, 'Replaced'),
    ...problemResponses(400, 401, 403, 415),
  },
});

export const deleteTemplate = createRoute({
  method: 'delete',
  path: '/admin/notification-templates/{type}/{channel}/{locale}',
  ...staff,
  summary: 'Delete a template (the fallback takes over)',
  request: { params: TemplateKeyParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404) },
});

export const previewTemplate = createRoute({
  method: 'post',
  path: '/admin/notification-templates/preview',
  ...staff,
  summary: 'Render a template (the one the fallback picks, or an unsaved one) with sample or given variables',
  request: { body: jsonBody(PreviewBody) },
  responses: {
    200: jsonResponse(PreviewSchema, 'What the channel would send'),
    ...problemResponses(400, 401, 403, 404, 415),
  },
});

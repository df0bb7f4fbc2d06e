/** The notification service's public surface. */
export { createChannelSenders } from './channels/senders.ts';
export { type ChannelSender, type OutgoingNotification } from './channels/sender.ts';
export { deliverNotification, UndeliverableMessage, type DeliveryResult } from './deliver.ts';
export { notificationErrors } from './errors.ts';
export * from './inbox.ts';
export * from './model.ts';
export * from './push-subscriptions.ts';
export { pushEndpointPolicy, refusedPushEndpoint, type PushEndpointPolicy } from './push-endpoint.ts';
export * from './templates.ts';
export { type NotificationView } from './views.ts';
export { notify, type NotificationQueue } from './producers.ts';
export { previewTemplate } from './preview.ts';
export { bearerGrant, issueStreamTicket, redeemStreamTicket, type StreamGrant } from './stream.ts';
export { closeUserFeed, feedOf } from './feed.ts';

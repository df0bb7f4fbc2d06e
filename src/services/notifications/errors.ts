/** Problem types of the notification service (one status each). */
import { Problem, problems } from '../../lib/problem.ts';

export const notificationErrors = {
  notFound: () => problems.notFound('Notification'),
  templateNotFound: () => problems.notFound('Notification template'),
  subscriptionNotFound: () => problems.notFound('Push subscription'),
  /** A template placeholder names no variable the type provides, or the text is over the channel's limit. */
  invalidTemplate: (field: string, message: string) =>
    problems.validation([{ field, message }], 'The template is invalid.'),
  /** The feed stream answers WebSocket upgrades only. */
  upgradeRequired: () => new Problem(426, 'upgrade-required', 'Upgrade required', 'Open this URL as a WebSocket.'),
  pushNotConfigured: () =>
    new Problem(503, 'push-not-configured', 'Push not configured', 'Web Push (VAPID keys) is not configured.'),
};

/**
 * Which channels a notification goes to: the producer's list (all four when omitted), then
 * the user's preferences. A channel turned off is SKIPPED, never sent. Security events always
 * go to EMAIL and IN_APP, whatever the list and the preferences say.
 */
import type { NotificationRecipient } from '../users/index.ts';
import { isSecurityType, NOTIFICATION_CHANNELS, type NotificationChannel } from './model.ts';

export type ChannelPlan = Partial<Record<NotificationChannel, { send: true } | { send: false; reason: string }>>;

export function planChannels(
  type: string,
  requested: readonly NotificationChannel[] | undefined,
  recipient: NotificationRecipient | null,
): ChannelPlan {
  const security = isSecurityType(type);
  const wanted = new Set<NotificationChannel>(requested ?? NOTIFICATION_CHANNELS);
  if (security) wanted.add('EMAIL').add('IN_APP');
  const plan: ChannelPlan = {};
  for (const channel of NOTIFICATION_CHANNELS) {
    if (!wanted.has(channel)) continue;
    plan[channel] = decide(channel, security, recipient);
  }
  return plan;
}

function decide(channel: NotificationChannel, security: boolean, r: NotificationRecipient | null) {
  const skip = (reason: string) => ({ send: false as const, reason });
  if (channel === 'IN_APP') return { send: true as const };
  // No live profile in the tenant: no address, no preferences, nothing but the inbox.
  if (!r) return skip('no-profile');
  switch (channel) {
    case 'EMAIL':
      if (!r.email) return skip('no-address');
      return security || r.emailNotifications ? { send: true as const } : skip('preference-off');
    case 'SMS':
      if (!r.smsNotifications) return skip('preference-off');
      return r.phone ? { send: true as const } : skip('no-phone');
    case 'PUSH':
      return r.pushNotifications ? { send: true as const } : skip('preference-off');
  }
}

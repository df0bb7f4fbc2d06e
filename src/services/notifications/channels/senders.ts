/**
 * Picks each channel's implementation from the Worker's bindings. A provider that is not
 * configured makes its channel SKIPPED (`not-configured`), never a silent success.
 */
import type { DataApiClient } from '../../../db/mongo/client.ts';
import type { Env } from '../../../env.ts';
import { feedOf } from '../feed.ts';
import type { NotificationChannel } from '../model.ts';
import { pushEndpointPolicy } from '../push-endpoint.ts';
import { emailSender } from './email.ts';
import { inAppSender } from './in-app.ts';
import { webPushSender, type SubscriptionSource } from './push.ts';
import { notConfigured, type ChannelSender } from './sender.ts';
import { twilioSmsSender } from './sms.ts';

export function createChannelSenders(
  env: Env,
  mongo: DataApiClient,
  pushSubscriptions?: SubscriptionSource,
): Record<NotificationChannel, ChannelSender> {
  return {
    EMAIL:
      env.EMAIL && env.EMAIL_FROM
        ? emailSender({ binding: env.EMAIL, from: env.EMAIL_FROM, fromName: env.EMAIL_FROM_NAME })
        : notConfigured,
    SMS:
      env.SMS_API_BASE_URL && env.SMS_ACCOUNT_SID && env.SMS_AUTH_TOKEN && env.SMS_FROM
        ? twilioSmsSender({
            baseUrl: env.SMS_API_BASE_URL,
            accountSid: env.SMS_ACCOUNT_SID,
            authToken: env.SMS_AUTH_TOKEN,
            from: env.SMS_FROM,
          })
        : notConfigured,
    PUSH:
      env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY
        ? webPushSender(
            mongo,
            {
              publicKey: env.VAPID_PUBLIC_KEY,
              privateKey: env.VAPID_PRIVATE_KEY,
              subject: env.VAPID_SUBJECT ?? 'mailto:notifications@example.com',
            },
            pushEndpointPolicy(env),
            pushSubscriptions,
          )
        : notConfigured,
    IN_APP: inAppSender(
      env.NOTIFICATION_FEED
        ? { publish: (tenantId, userId, message) => feedOf(env, tenantId, userId).publish(message) }
        : null,
    ),
  };
}

/**
 * PUSH: every push subscription of the user (push-subscriptions.ts) gets the notification
 * encrypted for it (RFC 8291) with VAPID (RFC 8292). A subscription the push service reports
 * gone (404/410) is removed. SENT when at least one subscription took it; FAILED (retried)
 * when none did and one failed for another reason; SKIPPED when the user has no subscription.
 * Each endpoint is checked again before the POST (push-endpoint.ts): one the deployment does
 * not allow (stored before the rules, or allowed by a setting since removed) is removed unsent.
 * Redirects are not followed: a push service answers, it does not send the Worker elsewhere.
 */
import type { DataApiClient } from '../../../db/mongo/client.ts';
import { utf8 } from '../../../lib/bytes.ts';
import { refusedPushEndpoint, type PushEndpointPolicy } from '../push-endpoint.ts';
import { MAX_SUBSCRIPTIONS_PER_USER, subscriptionsOf, type PushSubscriptionDocument } from '../push-subscriptions.ts';
import { ChannelSkipped, type ChannelSender } from './sender.ts';
import { encryptPayload, vapidAuthorization, type Vapid } from './web-push.ts';

/** Where the sender finds a user's subscriptions; the queue consumer loads a whole batch's at once. */
export type SubscriptionSource = (tenantId: string, userId: string) => Promise<PushSubscriptionDocument[]>;

const subscriptionsByUser =
  (mongo: DataApiClient): SubscriptionSource =>
  (tenantId, userId) =>
    subscriptionsOf(mongo).find({ tenantId, userId }, { limit: MAX_SUBSCRIPTIONS_PER_USER });

export function webPushSender(
  mongo: DataApiClient,
  vapid: Vapid,
  policy: PushEndpointPolicy,
  source: SubscriptionSource = subscriptionsByUser(mongo),
  ttlSeconds = 86_400,
): ChannelSender {
  return {
    async send(n) {
      const content = n.content.PUSH;
      if (!content) throw new ChannelSkipped('no-content');
      const all = await source(n.tenantId, n.userId);
      if (all.length === 0) throw new ChannelSkipped('no-subscriptions');
      const refused = all.filter((sub) => refusedPushEndpoint(sub.endpoint, policy) !== null);
      const subs = all.filter((sub) => !refused.includes(sub));
      if (refused.length > 0)
        await subscriptionsOf(mongo).deleteMany({ tenantId: n.tenantId, _id: { $in: refused.map((s) => s._id) } });
      if (subs.length === 0) throw new ChannelSkipped('endpoints-refused');
      const payload = utf8(
        JSON.stringify({
          id: n.notificationId,
          type: n.type,
          title: content.title,
          body: content.body,
          url: n.view.actionUrl,
          createdAt: n.view.createdAt,
        }),
      );
      const ids: string[] = [];
      const errors: string[] = [];
      const gone: typeof subs = [];
      await Promise.all(
        subs.map(async (sub) => {
          try {
            const res = await fetch(sub.endpoint, {
              method: 'POST',
              headers: {
                authorization: await vapidAuthorization(sub.endpoint, vapid),
                'content-encoding': 'aes128gcm',
                'content-type': 'application/octet-stream',
                ttl: String(ttlSeconds),
                urgency: n.priority === 'HIGH' ? 'high' : n.priority === 'LOW' ? 'low' : 'normal',
                topic: n.notificationId.slice(-32),
              },
              body: await encryptPayload(payload, sub.keys),
              redirect: 'manual',
              signal: AbortSignal.timeout(10_000),
            });
            await res.body?.cancel();
            if (res.status === 404 || res.status === 410) gone.push(sub);
            else if (res.ok) ids.push(res.headers.get('location') ?? `${sub._id.toHexString()}:${res.status}`);
            else errors.push(`${res.status}`);
          } catch (err) {
            errors.push(err instanceof Error ? err.message : String(err));
          }
        }),
      );
      if (gone.length > 0)
        await subscriptionsOf(mongo).deleteMany({ tenantId: n.tenantId, _id: { $in: gone.map((s) => s._id) } });
      if (ids.length > 0) return { providerMessageId: ids.join(' ') };
      if (errors.length > 0) throw new Error(`push service failed: ${errors.join(', ')}`);
      throw new ChannelSkipped('subscriptions-expired');
    },
  };
}

/**
 * The caller's Web Push subscriptions (`push_subscriptions`, unique per tenant + endpoint,
 * changeset 010). Registering an endpoint again (same browser) updates its keys and owner.
 * The endpoint is a URL the Worker will POST to: https on a public host only (push-endpoint.ts),
 * unless a development or test deployment allows its local push service.
 */
import { ObjectId } from 'bson';

import type { DataApiClient, DataApiCollection } from '../../db/mongo/client.ts';
import { problems } from '../../lib/problem.ts';
import { callerOf, type ServiceContext } from '../context.ts';
import type { PushKeys } from './channels/web-push.ts';
import { notificationErrors } from './errors.ts';
import { pushEndpointPolicy, refusedPushEndpoint } from './push-endpoint.ts';

export const MAX_SUBSCRIPTIONS_PER_USER = 20;

export interface PushSubscriptionDocument {
  _id: ObjectId;
  tenantId: string;
  userId: string;
  endpoint: string;
  keys: PushKeys;
  userAgent: string | null;
  createdAt: Date;
}

export const subscriptionsOf = (mongo: DataApiClient): DataApiCollection<PushSubscriptionDocument> =>
  mongo.collection<PushSubscriptionDocument>('push_subscriptions');

function subscriptionView(doc: PushSubscriptionDocument) {
  return {
    id: doc._id.toHexString(),
    endpoint: doc.endpoint,
    userAgent: doc.userAgent ?? null,
    createdAt: doc.createdAt.toISOString(),
  };
}
export type SubscriptionView = ReturnType<typeof subscriptionView>;

/** The push subscriptions of some users of the context's tenant, in one read (the consumer's batch). */
export function subscriptionsOfUsers(
  ctx: ServiceContext,
  userIds: readonly string[],
): Promise<PushSubscriptionDocument[]> {
  return subscriptionsOf(ctx.stores.mongo()).find(
    { tenantId: ctx.tenantId, userId: { $in: [...userIds] } },
    { limit: MAX_SUBSCRIPTIONS_PER_USER * userIds.length },
  );
}

/**
 * Registers (or refreshes) a push subscription of the caller. The endpoint must pass the
 * deployment's push endpoint policy (push-endpoint.ts), else 400 on `body.endpoint`.
 */
export async function registerSubscription(
  ctx: ServiceContext,
  input: { endpoint: string; keys: PushKeys; userAgent?: string | null },
): Promise<{ subscription: SubscriptionView; created: boolean }> {
  const owner = callerOf(ctx);
  const refused = refusedPushEndpoint(input.endpoint, pushEndpointPolicy(ctx.env));
  if (refused) throw problems.validation([{ field: 'body.endpoint', message: refused }]);
  const subs = subscriptionsOf(ctx.stores.mongo());
  const count = await subs.find(
    { tenantId: owner.tenantId, userId: owner.userId },
    { projection: { _id: 1 }, limit: MAX_SUBSCRIPTIONS_PER_USER + 1 },
  );
  const filter = { tenantId: owner.tenantId, endpoint: input.endpoint };
  if (count.length >= MAX_SUBSCRIPTIONS_PER_USER && !(await subs.findOne({ ...filter, userId: owner.userId }))) {
    throw problems.conflict(`At most ${MAX_SUBSCRIPTIONS_PER_USER} push subscriptions per user.`);
  }
  const res = await subs.updateOne(
    filter,
    {
      $set: { userId: owner.userId, keys: input.keys, userAgent: input.userAgent ?? null },
      $setOnInsert: { createdAt: new Date() },
    },
    { upsert: true },
  );
  const doc = await subs.findOne(filter);
  if (!doc) throw new Error('push subscription vanished after upsert');
  return { subscription: subscriptionView(doc), created: res.upsertedId !== undefined };
}

export async function listSubscriptions(ctx: ServiceContext): Promise<SubscriptionView[]> {
  const owner = callerOf(ctx);
  const docs = await subscriptionsOf(ctx.stores.mongo()).find(
    { tenantId: owner.tenantId, userId: owner.userId },
    { sort: { createdAt: -1 }, limit: MAX_SUBSCRIPTIONS_PER_USER },
  );
  return docs.map(subscriptionView);
}

export async function deleteSubscription(ctx: ServiceContext, id: string): Promise<void> {
  const owner = callerOf(ctx);
  const { deletedCount } = await subscriptionsOf(ctx.stores.mongo()).deleteOne({
    tenantId: owner.tenantId,
    userId: owner.userId,
    _id: new ObjectId(id),
  });
  if (deletedCount === 0) throw notificationErrors.subscriptionNotFound();
}

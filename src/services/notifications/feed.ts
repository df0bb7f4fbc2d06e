import type { Env } from '../../env.ts';
import { errorFields } from '../../lib/logger.ts';
import type { ServiceContext } from '../context.ts';

/** The feed object (NotificationFeed Durable Object) of one user. */
export function feedOf(env: Pick<Env, 'NOTIFICATION_FEED'>, tenantId: string, userId: string) {
  return env.NOTIFICATION_FEED.get(env.NOTIFICATION_FEED.idFromName(`${tenantId}:${userId}`));
}

/**
 * Closes every live-feed socket of a user (locked, suspended): access tokens stay valid until
 * they expire, the feed must not. Best effort: the account change stands if this fails.
 */
export async function closeUserFeed(
  ctx: ServiceContext,
  { tenantId, userId, reason }: { tenantId: string; userId: string; reason: string },
): Promise<void> {
  try {
    await feedOf(ctx.env, tenantId, userId).disconnectAll(reason);
  } catch (err) {
    ctx.logger.error('live feed not closed', { tenantId, userId, ...errorFields(err) });
  }
}

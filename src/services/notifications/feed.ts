import type { Env } from '../../env.ts';
import { createLogger, errorFields } from '../../lib/logger.ts';

/** The feed object (NotificationFeed Durable Object) of one user. */
export function feedOf(env: Pick<Env, 'NOTIFICATION_FEED'>, tenantId: string, userId: string) {
  return env.NOTIFICATION_FEED.get(env.NOTIFICATION_FEED.idFromName(`${tenantId}:${userId}`));
}

/**
 * Closes every live-feed socket of a user (locked, suspended): access tokens stay valid until
 * they expire, the feed must not. Best effort: the account change stands if this fails.
 */
export async function closeUserFeed(env: Env, tenantId: string, userId: string, reason: string): Promise<void> {
  try {
    await feedOf(env, tenantId, userId).disconnectAll(reason);
  } catch (err) {
    createLogger(env.LOG_LEVEL).error('live feed not closed', { tenantId, userId, ...errorFields(err) });
  }
}

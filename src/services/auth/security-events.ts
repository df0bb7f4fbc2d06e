/**
 * Security notifications to the account owner (always e-mailed and shown in-app, whatever
 * the preferences: see services/notifications/plan.ts). Each event id is derived from the
 * change it announces (the TOTP step that was consumed, the API key id, the lock time, the
 * device fingerprint), so a re-sent event is stored and delivered once.
 */
import type { ServiceContext } from '../context.ts';
import { notify, type SECURITY_TYPES } from '../notifications/index.ts';

export type SecurityEventType = (typeof SECURITY_TYPES)[number];

export interface SecurityEvent {
  tenantId: string;
  userId: string;
  type: SecurityEventType;
  /** Unique per occurrence and stable for it: the notification's eventId. */
  key: string;
  data?: Record<string, string>;
}

export function notifySecurityEvent(ctx: ServiceContext, event: SecurityEvent): Promise<void> {
  return notify(
    { env: ctx.env, logger: ctx.logger.child({ securityEvent: event.type }) },
    {
      eventId: `security:${event.type.toLowerCase()}:${event.key}`.slice(0, 100),
      tenantId: event.tenantId,
      userId: event.userId,
      type: event.type,
      channels: ['EMAIL', 'IN_APP'],
      priority: 'HIGH',
      data: event.data ?? {},
      ttlDays: 90,
    },
  );
}

/**
 * Sign-in was just paused after MAX_FAILED_LOGINS failures in a row (the first pause of a
 * series, services/auth/lockout.ts): tell the owner once (the pause's time names the event).
 * Their sessions and live feed stay open: failures by someone else prove nothing about them.
 */
export async function announceLockout(
  ctx: ServiceContext,
  paused: { tenantId: string; userId: string; at: Date },
): Promise<void> {
  const { tenantId, userId, at } = paused;
  await notifySecurityEvent(ctx, { tenantId, userId, type: 'ACCOUNT_LOCKED', key: `${userId}:${at.getTime()}` });
}

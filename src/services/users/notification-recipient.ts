/**
 * What the notification service may know about a user: addresses and the notification
 * preferences (user_profiles + user_preferences), in one query for a whole queue batch of a
 * tenant. Null when the user has no live profile in the tenant.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';

import { userPreferences, userProfiles } from '../../db/pg/schema/index.ts';
import { inTenantRead } from '../../db/pg/tenant-tx.ts';
import { isUuid } from '../../lib/ids.ts';
import type { ServiceContext } from '../context.ts';

export interface NotificationRecipient {
  email: string | null;
  phone: string | null;
  language: string;
  emailNotifications: boolean;
  smsNotifications: boolean;
  pushNotifications: boolean;
}

/** Several users of the context's tenant in one query (a queue batch): userId -> recipient; absent = no live profile. */
export async function getNotificationRecipients(
  ctx: ServiceContext,
  input: { userIds: readonly string[] },
): Promise<Map<string, NotificationRecipient>> {
  const { userIds } = input;
  const ids = [...new Set(userIds.filter(isUuid))];
  const out = new Map<string, NotificationRecipient>();
  if (ids.length === 0) return out;
  const rows = await inTenantRead(ctx.stores.pg('users'), ctx.tenantId, (tx) =>
    tx
      .select({
        userId: userProfiles.userId,
        email: userProfiles.email,
        phone: userProfiles.phone,
        language: userPreferences.language,
        emailNotifications: userPreferences.emailNotifications,
        smsNotifications: userPreferences.smsNotifications,
        pushNotifications: userPreferences.pushNotifications,
      })
      .from(userProfiles)
      .leftJoin(userPreferences, eq(userPreferences.userProfileId, userProfiles.id))
      .where(and(inArray(userProfiles.userId, ids), isNull(userProfiles.deletedAt))),
  );
  for (const row of rows) {
    // A profile without its preferences row gets the seed's defaults.
    out.set(row.userId, {
      email: row.email ?? null,
      phone: row.phone ?? null,
      language: row.language ?? 'en',
      emailNotifications: row.emailNotifications ?? true,
      smsNotifications: row.smsNotifications ?? false,
      pushNotifications: row.pushNotifications ?? true,
    });
  }
  return out;
}

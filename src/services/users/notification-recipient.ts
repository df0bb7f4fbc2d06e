/**
 * What the notification service may know about a user: addresses and the notification
 * preferences (user_profiles + user_preferences), in one query. Null when the user has no
 * live profile in the tenant.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { userPreferences, userProfiles } from '../../db/pg/schema/index.ts';
import type { Stores } from '../../db/stores.ts';

export interface NotificationRecipient {
  email: string | null;
  phone: string | null;
  language: string;
  emailNotifications: boolean;
  smsNotifications: boolean;
  pushNotifications: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function getNotificationRecipient(stores: Stores, tenantId: string, userId: string): Promise<NotificationRecipient | null> {
  if (!UUID.test(userId)) return null;
  const [row] = await inTenantTx(stores.pg('users').db, tenantId, (tx) =>
    tx
      .select({
        email: userProfiles.email,
        phone: userProfiles.phone,
        language: userPreferences.language,
        emailNotifications: userPreferences.emailNotifications,
        smsNotifications: userPreferences.smsNotifications,
        pushNotifications: userPreferences.pushNotifications,
      })
      .from(userProfiles)
      .leftJoin(userPreferences, eq(userPreferences.userProfileId, userProfiles.id))
      .where(and(eq(userProfiles.userId, userId), isNull(userProfiles.deletedAt)))
      .limit(1),
  );
  if (!row) return null;
  // A profile without its preferences row gets the seed's defaults.
  return {
    email: row.email ?? null,
    phone: row.phone ?? null,
    language: row.language ?? 'en',
    emailNotifications: row.emailNotifications ?? true,
    smsNotifications: row.smsNotifications ?? false,
    pushNotifications: row.pushNotifications ?? true,
  };
}

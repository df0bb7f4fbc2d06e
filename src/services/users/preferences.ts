/**
 * The signed-in user's notification and display preferences (/users/me/preferences).
 * The row is created with the seed's defaults together with the profile; a missing
 * one is repaired on first use.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { userPreferences, userProfiles, type UserPreferences } from '../../db/pg/schema/index.ts';
import type { Stores } from '../../db/stores.ts';
import { NO_PROFILE, withProfile, type Owner } from './profiles.ts';

/** Every preference; PUT replaces them all. */
export interface PreferencesInput {
  emailNotifications: boolean;
  smsNotifications: boolean;
  pushNotifications: boolean;
  newsletterSubscribed: boolean;
  marketingEmails: boolean;
  /** BCP 47 tag in canonical case, e.g. `en`, `en-US`, `pt-BR`. */
  language: string;
  /** ISO 4217 code, upper case. */
  currency: string;
  /** IANA time zone name, e.g. `UTC`, `Europe/Lisbon`. */
  timezone: string;
}

export function preferencesView(p: UserPreferences) {
  return {
    emailNotifications: p.emailNotifications,
    smsNotifications: p.smsNotifications,
    pushNotifications: p.pushNotifications,
    newsletterSubscribed: p.newsletterSubscribed,
    marketingEmails: p.marketingEmails,
    language: p.language,
    currency: p.currency,
    timezone: p.timezone,
    updatedAt: p.updatedAt.toISOString(),
  };
}
export type PreferencesView = ReturnType<typeof preferencesView>;

/** The owner's live profile id, as a subquery (no extra round trip). */
const profileIdOf = (userId: string) =>
  sql`(select ${userProfiles.id} from ${userProfiles} where ${and(eq(userProfiles.userId, userId), isNull(userProfiles.deletedAt))})`;

export async function getPreferences(stores: Stores, owner: Owner): Promise<PreferencesView> {
  const row = await withProfile(stores, owner, async (tx) => {
    const [found] = await tx.select().from(userPreferences).where(eq(userPreferences.userProfileId, profileIdOf(owner.userId))).limit(1);
    return found ?? NO_PROFILE;
  });
  return preferencesView(row);
}

/** Replaces every preference in one UPDATE ... RETURNING. */
export async function replacePreferences(stores: Stores, owner: Owner, input: PreferencesInput): Promise<PreferencesView> {
  const row = await withProfile(stores, owner, async (tx) => {
    const [updated] = await tx
      .update(userPreferences)
      .set({ ...input, updatedAt: sql`now()` })
      .where(eq(userPreferences.userProfileId, profileIdOf(owner.userId)))
      .returning();
    return updated ?? NO_PROFILE;
  });
  return preferencesView(row);
}

/**
 * The signed-in user's notification and display preferences (/users/me/preferences).
 * The row is created with the seed's defaults together with the profile; a missing
 * one is repaired on first use.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';

import { userPreferences, userProfiles } from '../../db/pg/schema/index.ts';
import type { ServiceContext } from '../context.ts';
import type { PreferencesInput } from './model.ts';
import { NO_PROFILE, ownerOf, withProfile } from './profiles.ts';
import { preferencesView, type PreferencesView } from './views.ts';

/** The owner's live profile id, as a subquery (no extra round trip). */
const profileIdOf = (userId: string) =>
  sql`(select ${userProfiles.id} from ${userProfiles} where ${and(eq(userProfiles.userId, userId), isNull(userProfiles.deletedAt))})`;

export async function getPreferences(ctx: ServiceContext): Promise<PreferencesView> {
  const owner = ownerOf(ctx);
  const row = await withProfile(
    ctx,
    owner,
    async (tx) => {
      const [found] = await tx
        .select()
        .from(userPreferences)
        .where(eq(userPreferences.userProfileId, profileIdOf(owner.userId)))
        .limit(1);
      return found ?? NO_PROFILE;
    },
    { readOnly: true },
  );
  return preferencesView(row);
}

/** Replaces every preference in one UPDATE ... RETURNING. */
export async function replacePreferences(ctx: ServiceContext, input: PreferencesInput): Promise<PreferencesView> {
  const owner = ownerOf(ctx);
  const row = await withProfile(ctx, owner, async (tx) => {
    const [updated] = await tx
      .update(userPreferences)
      .set({ ...input, updatedAt: sql`now()` })
      .where(eq(userPreferences.userProfileId, profileIdOf(owner.userId)))
      .returning();
    return updated ?? NO_PROFILE;
  });
  return preferencesView(row);
}

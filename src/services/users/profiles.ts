import { and, eq, isNull, sql } from 'drizzle-orm';

import type { Database, Transaction } from '../../db/pg/client.ts';
import { userPreferences, userProfiles, type UserProfile } from '../../db/pg/schema/index.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { Stores } from '../../db/stores.ts';
import { readProfileSeed, syncAuthUserNames, syncAuthUserNamesTx, type NameChange } from './auth-sync.ts';
import { userErrors } from './errors.ts';
import type { Owner, ProfilePatch, ProfileSeed } from './model.ts';
import { profileView, type ProfileView } from './views.ts';

/**
 * Creates the user's profile and default preferences if missing, and keeps email
 * and names in step with the auth user. Idempotent: registration calls it before
 * answering, and reads call it again as a repair path.
 */
async function upsertProfileTx(tx: Transaction, seed: ProfileSeed): Promise<UserProfile> {
  const [profile] = await tx
    .insert(userProfiles)
    .values({
      tenantId: seed.tenantId,
      userId: seed.userId,
      email: seed.email,
      firstName: seed.firstName,
      lastName: seed.lastName,
    })
    .onConflictDoUpdate({
      target: userProfiles.userId,
      set: { email: seed.email, firstName: seed.firstName, lastName: seed.lastName, updatedAt: sql`now()` },
    })
    .returning();
  await tx
    .insert(userPreferences)
    .values({ tenantId: seed.tenantId, userProfileId: profile!.id })
    .onConflictDoNothing({ target: userPreferences.userProfileId });
  return profile!;
}

export function upsertProfile(db: Database, seed: ProfileSeed): Promise<UserProfile> {
  return inTenantTx(db, seed.tenantId, (tx) => upsertProfileTx(tx, seed));
}

export async function findProfile(tx: Transaction, userId: string): Promise<UserProfile | null> {
  const [profile] = await tx
    .select()
    .from(userProfiles)
    .where(and(eq(userProfiles.userId, userId), isNull(userProfiles.deletedAt)))
    .limit(1);
  return profile ?? null;
}

/** Removes a profile (compensation when registration cannot finish). */
export async function deleteProfile(db: Database, tenantId: string, userId: string): Promise<void> {
  await inTenantTx(db, tenantId, (tx) => tx.delete(userProfiles).where(eq(userProfiles.userId, userId)));
}

// ---------------------------------------------------------------------------
// The signed-in user's own profile (GET|PATCH /users/me/profile)
// ---------------------------------------------------------------------------

/** Returned by a unit of work that found no profile row; `withProfile` repairs and retries. */
export const NO_PROFILE: unique symbol = Symbol('no-profile');

/**
 * Rebuilds a missing profile (and default preferences) from the auth user.
 * Registration normally creates both; this is the repair path. 404 when the auth
 * user is gone or the profile was deleted.
 */
async function repairProfile(stores: Stores, owner: Owner): Promise<UserProfile> {
  const seed = await readProfileSeed(stores.pg('auth').db, owner.tenantId, owner.userId);
  if (!seed) throw userErrors.userNotFound();
  const profile = await upsertProfile(stores.pg('users').db, seed);
  if (profile.deletedAt) throw userErrors.profileNotFound();
  return profile;
}

/**
 * Runs `work` in one tenant transaction on the users database. When it reports the
 * profile missing (returns NO_PROFILE, having written nothing), repairs the profile
 * once and runs it again.
 */
export async function withProfile<T>(
  stores: Stores,
  owner: Owner,
  work: (tx: Transaction) => Promise<T | typeof NO_PROFILE>,
): Promise<T> {
  const db = stores.pg('users').db;
  const first = await inTenantTx(db, owner.tenantId, work);
  if (first !== NO_PROFILE) return first;
  await repairProfile(stores, owner);
  const second = await inTenantTx(db, owner.tenantId, work);
  if (second === NO_PROFILE) throw userErrors.profileNotFound();
  return second;
}

/** The id of the owner's live profile, row-locked so that writes to their addresses serialize. */
export async function lockProfileId(tx: Transaction, userId: string): Promise<string | null> {
  const [row] = await tx
    .select({ id: userProfiles.id })
    .from(userProfiles)
    .where(and(eq(userProfiles.userId, userId), isNull(userProfiles.deletedAt)))
    .for('update');
  return row?.id ?? null;
}

/** The owner's profile; a missing one is rebuilt from the auth user. */
export async function getMyProfile(stores: Stores, owner: Owner): Promise<ProfileView> {
  const found = await inTenantTx(stores.pg('users').db, owner.tenantId, (tx) => findProfile(tx, owner.userId));
  return profileView(found ?? (await repairProfile(stores, owner)));
}

/**
 * Applies a partial update in one UPDATE ... RETURNING. Name changes are copied to the auth
 * user. One unit of work, one connection: when the auth and users services share a database
 * (one pool), the copy runs on the profile's own transaction, so both change or neither does.
 * When they are separate databases, the copy runs after the profile committed, in its own
 * transaction (never a second connection held while the first is open: on a server that
 * serves one connection at a time that waited until the request timed out); a failed copy
 * is an error the client retries, and the same PATCH copies the names again.
 */
export async function updateMyProfile(stores: Stores, owner: Owner, patch: ProfilePatch): Promise<ProfileView> {
  const names: NameChange = {};
  if (patch.firstName !== undefined) names.firstName = patch.firstName;
  if (patch.lastName !== undefined) names.lastName = patch.lastName;
  const renames = Object.keys(names).length > 0;
  const sharedDatabase = stores.pg('auth') === stores.pg('users');

  const updated = await withProfile(stores, owner, async (tx) => {
    const [row] = await tx
      .update(userProfiles)
      .set({ ...patch, updatedAt: sql`now()` })
      .where(and(eq(userProfiles.userId, owner.userId), isNull(userProfiles.deletedAt)))
      .returning();
    if (!row) return NO_PROFILE;
    if (renames && sharedDatabase && !(await syncAuthUserNamesTx(tx, owner.userId, names))) {
      throw userErrors.userNotFound();
    }
    return row;
  });
  if (
    renames &&
    !sharedDatabase &&
    !(await syncAuthUserNames(stores.pg('auth').db, owner.tenantId, owner.userId, names))
  ) {
    throw userErrors.userNotFound();
  }
  return profileView(updated);
}

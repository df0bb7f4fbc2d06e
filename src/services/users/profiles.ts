import { and, eq, isNull, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { userPreferences, userProfiles, type UserProfile } from '../../db/pg/schema/index.ts';
import { inTenantBatch, inTenantRead, inTenantTx } from '../../db/pg/tenant-tx.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
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

/** The profile of a new (or repaired) account, in `seed.tenantId` (an invitee's, before any context has a tenant). */
export function upsertProfile(ctx: ServiceContext, seed: ProfileSeed): Promise<UserProfile> {
  return inTenantTx(ctx.stores.pg('users').db, seed.tenantId, (tx) => upsertProfileTx(tx, seed));
}

/**
 * A user's live profile on the caller's transaction. Still exported with a `tx` for the
 * reviews service's author snapshot (which reads it on its own unit of work).
 */
export async function findProfile(tx: Transaction, userId: string): Promise<UserProfile | null> {
  const [profile] = await tx
    .select()
    .from(userProfiles)
    .where(and(eq(userProfiles.userId, userId), isNull(userProfiles.deletedAt)))
    .limit(1);
  return profile ?? null;
}

/** Removes a profile (compensation when registration cannot finish): one statement. */
export async function deleteProfile(ctx: ServiceContext, of: { tenantId: string; userId: string }): Promise<void> {
  await inTenantBatch(ctx.stores.pg('users'), of.tenantId, (db) => [
    db.delete(userProfiles).where(eq(userProfiles.userId, of.userId)),
  ]);
}

/** Whose data a request works on: always the caller, never an id from the URL. */
export function ownerOf(ctx: ServiceContext): Owner {
  // Not auth's callerOf: auth calls this service (profiles of new accounts), not the other way.
  if (!ctx.principal) throw problems.unauthorized();
  const { userId, tenantId } = ctx.principal;
  return { userId, tenantId };
}

/** Returned by a unit of work that found no profile row; `withProfile` repairs and retries. */
export const NO_PROFILE: unique symbol = Symbol('no-profile');

/**
 * Rebuilds a missing profile (and default preferences) from the auth user.
 * Registration normally creates both; this is the repair path. 404 when the auth
 * user is gone or the profile was deleted.
 */
async function repairProfile(ctx: ServiceContext, owner: Owner): Promise<UserProfile> {
  const seed = await readProfileSeed(ctx, owner);
  if (!seed) throw userErrors.userNotFound();
  const profile = await upsertProfile(ctx, seed);
  if (profile.deletedAt) throw userErrors.profileNotFound();
  return profile;
}

/**
 * Runs `work` in one tenant transaction on the users database. When it reports the
 * profile missing (returns NO_PROFILE, having written nothing), repairs the profile
 * once and runs it again.
 */
export async function withProfile<T>(
  ctx: ServiceContext,
  owner: Owner,
  work: (tx: Transaction) => Promise<T | typeof NO_PROFILE>,
  opts: { readOnly?: boolean } = {},
): Promise<T> {
  // A read-only unit of work takes the HTTP path where one answers (one round trip per statement).
  return repairingProfile(ctx, owner, () =>
    opts.readOnly
      ? inTenantRead(ctx.stores.pg('users'), owner.tenantId, work)
      : inTenantTx(ctx.stores.pg('users').db, owner.tenantId, work),
  );
}

/** Runs `attempt` (a whole unit of work); when it reports the profile missing, repairs it once and runs it again. */
export async function repairingProfile<T>(
  ctx: ServiceContext,
  owner: Owner,
  attempt: () => Promise<T | typeof NO_PROFILE>,
): Promise<T> {
  const first = await attempt();
  if (first !== NO_PROFILE) return first;
  await repairProfile(ctx, owner);
  const second = await attempt();
  if (second === NO_PROFILE) throw userErrors.profileNotFound();
  return second;
}

/** The caller's profile; a missing one is rebuilt from the auth user. */
export async function getMyProfile(ctx: ServiceContext): Promise<ProfileView> {
  const owner = ownerOf(ctx);
  const found = await inTenantRead(ctx.stores.pg('users'), owner.tenantId, (tx) => findProfile(tx, owner.userId));
  return profileView(found ?? (await repairProfile(ctx, owner)));
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
export async function updateMyProfile(ctx: ServiceContext, patch: ProfilePatch): Promise<ProfileView> {
  const owner = ownerOf(ctx);
  const { stores } = ctx;
  const names: NameChange = {};
  if (patch.firstName !== undefined) names.firstName = patch.firstName;
  if (patch.lastName !== undefined) names.lastName = patch.lastName;
  const renames = Object.keys(names).length > 0;
  const sharedDatabase = stores.pg('auth') === stores.pg('users');

  // Without a rename the change is one UPDATE ... RETURNING: one non-interactive transaction
  // (one round trip on the HTTP path). A rename also writes the auth user, interactively.
  const updated = renames
    ? await renameAndUpdate()
    : await repairingProfile(ctx, owner, async () => {
        const [[row]] = await inTenantBatch(stores.pg('users'), owner.tenantId, (db) => [
          db
            .update(userProfiles)
            .set({ ...patch, updatedAt: sql`now()` })
            .where(and(eq(userProfiles.userId, owner.userId), isNull(userProfiles.deletedAt)))
            .returning(),
        ]);
        return row ?? NO_PROFILE;
      });
  function renameAndUpdate() {
    return withProfile(ctx, owner, async (tx) => {
      const [row] = await tx
        .update(userProfiles)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(and(eq(userProfiles.userId, owner.userId), isNull(userProfiles.deletedAt)))
        .returning();
      if (!row) return NO_PROFILE;
      if (sharedDatabase && !(await syncAuthUserNamesTx(tx, owner.userId, names))) {
        throw userErrors.userNotFound();
      }
      return row;
    });
  }
  if (renames && !sharedDatabase && !(await syncAuthUserNames(ctx, { ...owner, names }))) {
    throw userErrors.userNotFound();
  }
  return profileView(updated);
}

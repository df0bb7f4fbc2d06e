/**
 * The signed-in user's addresses (/users/me/addresses).
 *
 * Rules:
 * - an address belongs to the caller's profile; any other id (another user's, another
 *   tenant's, a deleted one) is "not found", never "forbidden";
 * - per (profile, type) there is exactly one default as soon as there is one address of
 *   that type: the first one becomes the default, a new default clears the previous one,
 *   deleting (or re-typing) the default promotes the newest remaining address of the type;
 * - every write locks the profile row first (SELECT ... FOR UPDATE), so concurrent writes
 *   of one user serialize and the unique partial index uq_addresses_one_default_per_type
 *   is never the thing that decides a race;
 * - at most MAX_ADDRESSES_PER_USER addresses per user.
 */
import { and, asc, count, desc, eq, isNull, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { addresses, userProfiles, type Address } from '../../db/pg/schema/index.ts';
import type { Stores } from '../../db/stores.ts';
import { userErrors } from './errors.ts';
import { MAX_ADDRESSES_PER_USER, type AddressInput, type AddressPatch, type Owner } from './model.ts';
import { lockProfileId, NO_PROFILE, withProfile } from './profiles.ts';
import { addressView, type AddressView } from './views.ts';

const ownAddress = (profileId: string, id: string) => and(eq(addresses.id, id), eq(addresses.userProfileId, profileId));

/** Clears the default of (profile, type). Must run before another row is made default. */
async function clearDefault(tx: Transaction, profileId: string, type: Address['type']): Promise<void> {
  await tx
    .update(addresses)
    .set({ isDefault: false, updatedAt: sql`now()` })
    .where(and(eq(addresses.userProfileId, profileId), eq(addresses.type, type), eq(addresses.isDefault, true)));
}

/** Makes the newest address of (profile, type) the default, if there is any. */
async function promoteNewest(tx: Transaction, profileId: string, type: Address['type']): Promise<void> {
  await tx.execute(sql`
    update ${addresses} set is_default = true, updated_at = now()
    where id = (
      select id from ${addresses}
      where user_profile_id = ${profileId} and type = ${type}
      order by created_at desc, id desc limit 1)`);
}

async function hasDefault(tx: Transaction, profileId: string, type: Address['type']): Promise<boolean> {
  const [row] = await tx
    .select({ id: addresses.id })
    .from(addresses)
    .where(and(eq(addresses.userProfileId, profileId), eq(addresses.type, type), eq(addresses.isDefault, true)))
    .limit(1);
  return row !== undefined;
}

/** The owner's addresses, defaults first, then newest first. One query, no lock. */
export async function listAddresses(stores: Stores, owner: Owner): Promise<AddressView[]> {
  const rows = await withProfile(
    stores,
    owner,
    async (tx) => {
      const found = await tx
        .select({ address: addresses, profileId: userProfiles.id })
        .from(userProfiles)
        .leftJoin(addresses, eq(addresses.userProfileId, userProfiles.id))
        .where(and(eq(userProfiles.userId, owner.userId), isNull(userProfiles.deletedAt)))
        .orderBy(desc(addresses.isDefault), desc(addresses.createdAt), asc(addresses.id));
      if (found.length === 0) return NO_PROFILE;
      return found.flatMap((r) => (r.address ? [r.address] : []));
    },
    { readOnly: true },
  );
  return rows.map(addressView);
}

/** One of the owner's addresses; 404 for anyone else's. */
export async function getAddress(stores: Stores, owner: Owner, id: string): Promise<AddressView> {
  const [row] = await withProfile(
    stores,
    owner,
    (tx) =>
      tx
        .select({ address: addresses })
        .from(addresses)
        .innerJoin(userProfiles, eq(userProfiles.id, addresses.userProfileId))
        .where(and(eq(addresses.id, id), eq(userProfiles.userId, owner.userId), isNull(userProfiles.deletedAt)))
        .limit(1),
    { readOnly: true },
  );
  if (!row) throw userErrors.addressNotFound();
  return addressView(row.address);
}

/** Adds an address; the first of its type, or one asked to be, becomes the default. */
export async function createAddress(stores: Stores, owner: Owner, input: AddressInput): Promise<AddressView> {
  const created = await withProfile(stores, owner, async (tx) => {
    const profileId = await lockProfileId(tx, owner.userId);
    if (!profileId) return NO_PROFILE;
    // A separate statement after the lock on purpose: under READ COMMITTED it takes a
    // fresh snapshot, so it sees what a concurrent request committed while we waited.
    // (Folded into the locking SELECT, the counts would come from the old snapshot.)
    const [stats] = await tx
      .select({
        total: count(),
        defaultsOfType:
          sql<number>`count(*) filter (where ${addresses.type} = ${input.type} and ${addresses.isDefault})`.mapWith(
            Number,
          ),
      })
      .from(addresses)
      .where(eq(addresses.userProfileId, profileId));
    if ((stats?.total ?? 0) >= MAX_ADDRESSES_PER_USER) throw userErrors.addressLimit(MAX_ADDRESSES_PER_USER);
    const firstOfType = (stats?.defaultsOfType ?? 0) === 0;
    const makeDefault = firstOfType || input.isDefault === true;
    if (makeDefault && !firstOfType) await clearDefault(tx, profileId, input.type);
    const [row] = await tx
      .insert(addresses)
      .values({
        tenantId: owner.tenantId,
        userProfileId: profileId,
        type: input.type,
        street: input.street,
        apartment: input.apartment ?? null,
        city: input.city,
        state: input.state,
        zipCode: input.zipCode,
        country: input.country,
        isDefault: makeDefault,
      })
      .returning();
    return row!;
  });
  return addressView(created);
}

/**
 * Changes fields of an address. Changing its type moves it out of the old type's
 * default slot (the newest remaining address there takes over) and makes it the
 * new type's default only if that type has none.
 */
export async function updateAddress(
  stores: Stores,
  owner: Owner,
  id: string,
  patch: AddressPatch,
): Promise<AddressView> {
  const updated = await withProfile(stores, owner, async (tx) => {
    const profileId = await lockProfileId(tx, owner.userId);
    if (!profileId) return NO_PROFILE;
    const [current] = await tx.select().from(addresses).where(ownAddress(profileId, id)).limit(1);
    if (!current) throw userErrors.addressNotFound();

    const retyped = patch.type !== undefined && patch.type !== current.type;
    const isDefault = retyped ? !(await hasDefault(tx, profileId, patch.type!)) : current.isDefault;
    const [row] = await tx
      .update(addresses)
      .set({ ...patch, isDefault, updatedAt: sql`now()` })
      .where(ownAddress(profileId, id))
      .returning();
    if (retyped && current.isDefault) await promoteNewest(tx, profileId, current.type);
    return row!;
  });
  return addressView(updated);
}

/** Deletes an address; if it was the default of its type, the newest remaining one takes over. */
export async function deleteAddress(stores: Stores, owner: Owner, id: string): Promise<void> {
  await withProfile(stores, owner, async (tx) => {
    const profileId = await lockProfileId(tx, owner.userId);
    if (!profileId) return NO_PROFILE;
    const [removed] = await tx
      .delete(addresses)
      .where(ownAddress(profileId, id))
      .returning({ type: addresses.type, isDefault: addresses.isDefault });
    if (!removed) throw userErrors.addressNotFound();
    if (removed.isDefault) await promoteNewest(tx, profileId, removed.type);
    return true;
  });
}

/** Makes an address the default of its type, clearing the previous default in the same transaction. */
export async function setDefaultAddress(stores: Stores, owner: Owner, id: string): Promise<AddressView> {
  const updated = await withProfile(stores, owner, async (tx) => {
    const profileId = await lockProfileId(tx, owner.userId);
    if (!profileId) return NO_PROFILE;
    const [current] = await tx.select().from(addresses).where(ownAddress(profileId, id)).limit(1);
    if (!current) throw userErrors.addressNotFound();
    if (current.isDefault) return current;
    await clearDefault(tx, profileId, current.type);
    const [row] = await tx
      .update(addresses)
      .set({ isDefault: true, updatedAt: sql`now()` })
      .where(ownAddress(profileId, id))
      .returning();
    return row!;
  });
  return addressView(updated);
}

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
import { and, asc, desc, eq, isNull, ne, sql, type SQL } from 'drizzle-orm';

import type { HttpDatabase } from '../../db/pg/http.ts';
import { addresses, userProfiles } from '../../db/pg/schema/index.ts';
import { inTenantBatch } from '../../db/pg/tenant-tx.ts';
import type { ServiceContext } from '../context.ts';
import { userErrors } from './errors.ts';
import { MAX_ADDRESSES_PER_USER, type AddressInput, type AddressPatch, type Owner } from './model.ts';
import { NO_PROFILE, ownerOf, repairingProfile, withProfile } from './profiles.ts';
import { addressView, type AddressView } from './views.ts';

/*
 * Each write is ONE non-interactive transaction (`inTenantBatch`: one round trip on the HTTP
 * path), its statements in order: first the profile row lock, then statements that find the
 * profile by subquery and carry their conditions in SQL. Under READ COMMITTED each statement
 * takes a fresh snapshot, so after the lock they see what a concurrent write of the same user
 * committed while this one waited. The lock's answer tells a missing profile (repaired, then
 * the write runs again) from a missing address.
 */

/** The owner's live profile id, as a subquery. */
const profileIdOf = (userId: string) =>
  sql`(select ${userProfiles.id} from ${userProfiles} where ${and(eq(userProfiles.userId, userId), isNull(userProfiles.deletedAt))})`;

/** Statement 1 of every write: the owner's live profile, row-locked so that writes of one user serialize. */
const lockProfile = (db: HttpDatabase, userId: string) =>
  db
    .select({ id: userProfiles.id })
    .from(userProfiles)
    .where(and(eq(userProfiles.userId, userId), isNull(userProfiles.deletedAt)))
    .for('update');

const ownAddress = (userId: string, id: string) =>
  and(eq(addresses.id, id), eq(addresses.userProfileId, profileIdOf(userId)));

/** Columns of the UPDATE's own row inside its subqueries (drizzle leaves them unqualified). */
const OUTER = { type: sql.raw('"addresses"."type"'), profile: sql.raw('"addresses"."user_profile_id"') };

/** The newest address of every type of the profile that has addresses but no default becomes its default. */
const promoteNewestWithoutDefault = (db: HttpDatabase, userId: string) =>
  db
    .update(addresses)
    .set({ isDefault: true, updatedAt: sql`now()` })
    .where(
      sql`${addresses.id} in (
        select distinct on (a.type) a.id from users.addresses a
        where a.user_profile_id = ${profileIdOf(userId)}
          and not exists (select 1 from users.addresses d
            where d.user_profile_id = a.user_profile_id and d.type = a.type and d.is_default)
        order by a.type, a.created_at desc, a.id desc)`,
    );

/** One write: the lock, then `statements`; NO_PROFILE (nothing written) when the profile is missing. */
async function write<const S extends readonly unknown[]>(
  ctx: ServiceContext,
  owner: Owner,
  statements: (db: HttpDatabase) => S,
) {
  return repairingProfile(ctx, owner, async () => {
    const [locked, ...rest] = await inTenantBatch(
      ctx.stores.pg('users'),
      owner.tenantId,
      (db) => [lockProfile(db, owner.userId), ...(statements(db) as unknown as [])] as const,
    );
    return locked.length === 0 ? NO_PROFILE : (rest as unknown as { [K in keyof S]: Awaited<S[K]> });
  });
}

/** The owner's addresses, defaults first, then newest first. One query, no lock. */
export async function listAddresses(ctx: ServiceContext): Promise<AddressView[]> {
  const owner = ownerOf(ctx);
  const rows = await withProfile(
    ctx,
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

/**
 * One of the caller's addresses; 404 for anyone else's. Another service reading an address for
 * the user it acts for (an order's shipping address) names them in `userId`.
 */
export async function getAddress(ctx: ServiceContext, input: { id: string; userId?: string }): Promise<AddressView> {
  const owner = input.userId ? { userId: input.userId, tenantId: ctx.tenantId } : ownerOf(ctx);
  const [row] = await withProfile(
    ctx,
    owner,
    (tx) =>
      tx
        .select({ address: addresses })
        .from(addresses)
        .innerJoin(userProfiles, eq(userProfiles.id, addresses.userProfileId))
        .where(and(eq(addresses.id, input.id), eq(userProfiles.userId, owner.userId), isNull(userProfiles.deletedAt)))
        .limit(1),
    { readOnly: true },
  );
  if (!row) throw userErrors.addressNotFound();
  return addressView(row.address);
}

/**
 * Adds an address; the first of its type, or one asked to be, becomes the default (the previous
 * default of the type cleared first). Both statements hold the limit in their WHERE, so at the
 * limit nothing is written and the empty INSERT says why.
 */
export async function createAddress(ctx: ServiceContext, input: AddressInput): Promise<AddressView> {
  const owner = ownerOf(ctx);
  const profile = profileIdOf(owner.userId);
  const underLimit = sql`(select count(*) from users.addresses c where c.user_profile_id = ${profile}) < ${MAX_ADDRESSES_PER_USER}`;
  const wantsDefault = input.isDefault === true;
  const [, inserted] = await write(ctx, owner, (db) => [
    db
      .update(addresses)
      .set({ isDefault: false, updatedAt: sql`now()` })
      .where(
        and(
          sql`${wantsDefault}`,
          eq(addresses.userProfileId, profile),
          eq(addresses.type, input.type),
          eq(addresses.isDefault, true),
          underLimit,
        ),
      ),
    db
      .insert(addresses)
      .select((qb) =>
        qb
          .select({
            id: sql`gen_random_uuid()`.as('id'),
            userProfileId: userProfiles.id,
            type: value(input.type, 'type'),
            street: value(input.street, 'street'),
            apartment: value(input.apartment ?? null, 'apartment'),
            city: value(input.city, 'city'),
            state: value(input.state, 'state'),
            zipCode: value(input.zipCode, 'zip_code'),
            country: value(input.country, 'country'),
            isDefault: sql<boolean>`(${wantsDefault} or not exists (select 1 from users.addresses d
              where d.user_profile_id = "user_profiles"."id" and d.type = ${input.type} and d.is_default))`.as(
              'is_default',
            ),
            createdAt: sql`now()`.as('created_at'),
            updatedAt: sql`now()`.as('updated_at'),
            tenantId: userProfiles.tenantId,
          })
          .from(userProfiles)
          .where(and(eq(userProfiles.userId, owner.userId), isNull(userProfiles.deletedAt), underLimit)),
      )
      .returning(),
  ]);
  const [row] = inserted;
  if (!row) throw userErrors.addressLimit(MAX_ADDRESSES_PER_USER);
  return addressView(row);
}

/** A value of the INSERT ... SELECT's select list, named as its column. */
const value = (v: unknown, column: string) => sql`${v}`.as(column);

/**
 * Changes fields of an address. Changing its type moves it out of the old type's default slot
 * (the newest remaining address there takes over) and makes it the new type's default only if
 * that type has none.
 */
export async function updateAddress(
  ctx: ServiceContext,
  input: { id: string; patch: AddressPatch },
): Promise<AddressView> {
  const owner = ownerOf(ctx);
  const { id, patch } = input;
  const retype: { isDefault?: SQL<boolean> } =
    patch.type === undefined
      ? {}
      : {
          isDefault: sql<boolean>`case when ${OUTER.type} = ${patch.type} then "addresses"."is_default"
            else not exists (select 1 from users.addresses d
              where d.user_profile_id = ${OUTER.profile} and d.type = ${patch.type} and d.is_default) end`,
        };
  const [updated] = await write(ctx, owner, (db) => [
    db
      .update(addresses)
      .set({ ...patch, ...retype, updatedAt: sql`now()` })
      .where(ownAddress(owner.userId, id))
      .returning(),
    promoteNewestWithoutDefault(db, owner.userId),
  ]);
  const [row] = updated;
  if (!row) throw userErrors.addressNotFound();
  return addressView(row);
}

/** Deletes an address; if it was the default of its type, the newest remaining one takes over. */
export async function deleteAddress(ctx: ServiceContext, input: { id: string }): Promise<void> {
  const owner = ownerOf(ctx);
  const [removed] = await write(ctx, owner, (db) => [
    db.delete(addresses).where(ownAddress(owner.userId, input.id)).returning({ id: addresses.id }),
    promoteNewestWithoutDefault(db, owner.userId),
  ]);
  if (removed.length === 0) throw userErrors.addressNotFound();
}

/** Makes an address the default of its type, clearing the previous default in the same transaction. */
export async function setDefaultAddress(ctx: ServiceContext, input: { id: string }): Promise<AddressView> {
  const owner = ownerOf(ctx);
  const profile = profileIdOf(owner.userId);
  const [, updated] = await write(ctx, owner, (db) => [
    db
      .update(addresses)
      .set({ isDefault: false, updatedAt: sql`now()` })
      .where(
        and(
          eq(addresses.userProfileId, profile),
          eq(addresses.isDefault, true),
          ne(addresses.id, input.id),
          sql`${addresses.type} = (select a.type from users.addresses a where a.id = ${input.id} and a.user_profile_id = ${profile})`,
        ),
      ),
    db
      .update(addresses)
      .set({
        isDefault: true,
        // Already the default: unchanged, as before.
        updatedAt: sql`case when "addresses"."is_default" then "addresses"."updated_at" else now() end`,
      })
      .where(ownAddress(owner.userId, input.id))
      .returning(),
  ]);
  const [row] = updated;
  if (!row) throw userErrors.addressNotFound();
  return addressView(row);
}

/**
 * User service — Postgres schema `users`.
 *
 * Reproduces the seed (docs section 2) exactly. Additions are marked `ADDITION:`.
 * Service boundary: `user_profiles.user_id` refers to auth.users but has NO foreign
 * key (seed: "References Auth Service"), and `tenant_id` has no FK to auth.tenants.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

import { oneOf } from './one-of.ts';

/** Value sets of the seed's CHECK constraints: the constraint below and the API's zod enums are made of these. */
export const GENDERS = ['MALE', 'FEMALE', 'OTHER', 'PREFER_NOT_TO_SAY'] as const;
export const ADDRESS_TYPES = ['SHIPPING', 'BILLING', 'BOTH'] as const;

export const usersSchema = pgSchema('users');

// ---------------------------------------------------------------------------
// user_profiles (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const userProfiles = usersSchema.table(
  'user_profiles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** auth.users.id — no FK (service boundary). */
    userId: uuid('user_id').notNull().unique(),
    // Personal information
    email: varchar('email', { length: 255 }).notNull(),
    firstName: varchar('first_name', { length: 100 }),
    lastName: varchar('last_name', { length: 100 }),
    phone: varchar('phone', { length: 20 }),
    dateOfBirth: date('date_of_birth'),
    gender: varchar('gender', { length: 20, enum: GENDERS }),
    // Profile metadata
    avatarUrl: varchar('avatar_url', { length: 500 }),
    bio: text('bio'),
    // Timestamps
    createdAt: timestamp('created_at').notNull().defaultNow(),
    updatedAt: timestamp('updated_at').notNull().defaultNow(),
    deletedAt: timestamp('deleted_at'),
    // ADDITION: tenant column for RLS (no FK: auth.tenants is another service).
    tenantId: uuid('tenant_id').notNull(),
  },
  (t) => [
    check('chk_gender', oneOf(t.gender, GENDERS)),
    index('idx_user_profiles_user_id').on(t.userId),
    index('idx_user_profiles_email').on(t.email),
    // ADDITION
    index('idx_user_profiles_tenant_id').on(t.tenantId),
  ],
);

// ---------------------------------------------------------------------------
// addresses (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const addresses = usersSchema.table(
  'addresses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userProfileId: uuid('user_profile_id')
      .notNull()
      .references(() => userProfiles.id, { onDelete: 'cascade' }),
    // Address type
    type: varchar('type', { length: 20, enum: ADDRESS_TYPES }).notNull(),
    // Address details
    street: varchar('street', { length: 255 }).notNull(),
    apartment: varchar('apartment', { length: 100 }),
    city: varchar('city', { length: 100 }).notNull(),
    state: varchar('state', { length: 100 }).notNull(),
    zipCode: varchar('zip_code', { length: 20 }).notNull(),
    country: varchar('country', { length: 100 }).notNull(),
    // Default address
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: timestamp('created_at').notNull().defaultNow(),
    updatedAt: timestamp('updated_at').notNull().defaultNow(),
    // ADDITION: tenant column for RLS.
    tenantId: uuid('tenant_id').notNull(),
  },
  (t) => [
    check('chk_type', oneOf(t.type, ADDRESS_TYPES)),
    index('idx_addresses_user_profile_id').on(t.userProfileId),
    // ADDITIONS
    index('idx_addresses_tenant_id').on(t.tenantId),
    // At most one default address per (profile, type).
    uniqueIndex('uq_addresses_one_default_per_type')
      .on(t.userProfileId, t.type)
      .where(sql`${t.isDefault}`),
  ],
);

// ---------------------------------------------------------------------------
// user_preferences (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const userPreferences = usersSchema.table(
  'user_preferences',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userProfileId: uuid('user_profile_id')
      .notNull()
      .unique()
      .references(() => userProfiles.id, { onDelete: 'cascade' }),
    // Notification preferences
    emailNotifications: boolean('email_notifications').notNull().default(true),
    smsNotifications: boolean('sms_notifications').notNull().default(false),
    pushNotifications: boolean('push_notifications').notNull().default(true),
    // Newsletter
    newsletterSubscribed: boolean('newsletter_subscribed').notNull().default(false),
    marketingEmails: boolean('marketing_emails').notNull().default(false),
    // Display preferences
    language: varchar('language', { length: 10 }).notNull().default('en'),
    currency: varchar('currency', { length: 3 }).notNull().default('USD'),
    timezone: varchar('timezone', { length: 50 }).notNull().default('UTC'),
    createdAt: timestamp('created_at').notNull().defaultNow(),
    updatedAt: timestamp('updated_at').notNull().defaultNow(),
    // ADDITION: tenant column for RLS.
    tenantId: uuid('tenant_id').notNull(),
  },
  (t) => [
    // ADDITION
    index('idx_user_preferences_tenant_id').on(t.tenantId),
  ],
);

// ---------------------------------------------------------------------------
// Inferred row types
// ---------------------------------------------------------------------------
export type UserProfile = typeof userProfiles.$inferSelect;
export type NewUserProfile = typeof userProfiles.$inferInsert;
export type Address = typeof addresses.$inferSelect;
export type NewAddress = typeof addresses.$inferInsert;
export type UserPreferences = typeof userPreferences.$inferSelect;
export type NewUserPreferences = typeof userPreferences.$inferInsert;

/**
 * Auth service — Postgres schema `auth`.
 *
 * Reproduces the seed (docs section 1) exactly. Additions beyond the seed are
 * marked `ADDITION:`; they exist for multi-tenancy (RLS needs `tenant_id` on every
 * tenant-owned row), case-insensitive uniqueness, hashed API-key lookup and
 * refresh-token rotation. Row-level security itself lives in the hand-written
 * migration `drizzle/*_rls.sql` (drizzle cannot express FORCE RLS).
 *
 * Timestamps are `timestamp` WITHOUT time zone, as in the seed: sessions must run
 * with TimeZone=UTC (Neon's default).
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

import { oneOf } from './one-of.ts';

/** Value sets of the seed's CHECK constraints: the constraint below and the API's zod enums are made of these. */
export const TENANT_STATUSES = ['ACTIVE', 'SUSPENDED', 'DELETED'] as const;
export const TENANT_PLANS = ['FREE', 'BASIC', 'PRO', 'ENTERPRISE'] as const;
export const AUTH_PROVIDERS = ['LOCAL', 'GOOGLE', 'GITHUB', 'FACEBOOK'] as const;
export const USER_STATUSES = ['ACTIVE', 'INACTIVE', 'SUSPENDED', 'DELETED'] as const;
export const ROLE_NAMES = ['ADMIN', 'USER', 'MANAGER', 'SUPPORT'] as const;
export const PERMISSION_ACTIONS = ['CREATE', 'READ', 'UPDATE', 'DELETE'] as const;

export const authSchema = pgSchema('auth');

// ---------------------------------------------------------------------------
// tenants (global: not tenant-owned, no RLS)
// ---------------------------------------------------------------------------
export const tenants = authSchema.table(
  'tenants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: varchar('name', { length: 100 }).notNull().unique(),
    domain: varchar('domain', { length: 255 }).unique(),
    status: varchar('status', { length: 20, enum: TENANT_STATUSES }).notNull().default('ACTIVE'),
    // Subscription info
    plan: varchar('plan', { length: 50, enum: TENANT_PLANS }).notNull().default('FREE'),
    maxUsers: integer('max_users').notNull().default(10),
    createdAt: timestamp('created_at').notNull().defaultNow(),
    updatedAt: timestamp('updated_at').notNull().defaultNow(),
  },
  (t) => [check('chk_status', oneOf(t.status, TENANT_STATUSES)), check('chk_plan', oneOf(t.plan, TENANT_PLANS))],
);

// ---------------------------------------------------------------------------
// users (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const users = authSchema.table(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: varchar('email', { length: 255 }).notNull().unique(),
    username: varchar('username', { length: 100 }).notNull().unique(),
    passwordHash: varchar('password_hash', { length: 255 }).notNull(),
    firstName: varchar('first_name', { length: 100 }),
    lastName: varchar('last_name', { length: 100 }),
    // Authentication provider
    authProvider: varchar('auth_provider', { length: 50, enum: AUTH_PROVIDERS }).notNull().default('LOCAL'),
    providerId: varchar('provider_id', { length: 255 }),
    // Status and flags
    status: varchar('status', { length: 20, enum: USER_STATUSES }).notNull().default('ACTIVE'),
    emailVerified: boolean('email_verified').notNull().default(false),
    accountLocked: boolean('account_locked').notNull().default(false),
    failedLoginAttempts: integer('failed_login_attempts').notNull().default(0),
    // ADDITION: temporary lockout after MAX_FAILED_LOGINS failures in a row (growing delays);
    // `account_locked` is the permanent lock, an administrator's action only.
    lockedUntil: timestamp('locked_until'),
    lastLoginAt: timestamp('last_login_at'),
    // Two-Factor Authentication (secret stored encrypted, AES-GCM)
    tfaEnabled: boolean('tfa_enabled').notNull().default(false),
    tfaSecret: varchar('tfa_secret', { length: 255 }),
    // ADDITION: TOTP time step of the last accepted code, so a code is accepted once.
    tfaLastUsedStep: integer('tfa_last_used_step'),
    // Multi-tenancy (seed: REFERENCES tenants(id), no ON DELETE action)
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    // Timestamps
    createdAt: timestamp('created_at').notNull().defaultNow(),
    updatedAt: timestamp('updated_at').notNull().defaultNow(),
    deletedAt: timestamp('deleted_at'),
  },
  (t) => [
    check('chk_auth_provider', oneOf(t.authProvider, AUTH_PROVIDERS)),
    check('chk_status', oneOf(t.status, USER_STATUSES)),
    index('idx_users_email').on(t.email),
    index('idx_users_username').on(t.username),
    index('idx_users_tenant_id').on(t.tenantId),
    index('idx_users_provider_id').on(t.authProvider, t.providerId),
    // ADDITION: case-insensitive uniqueness (the app looks users up by lower(email)).
    uniqueIndex('uq_users_email_lower').on(sql`lower(${t.email})`),
    // ADDITION: case-insensitive uniqueness of usernames.
    uniqueIndex('uq_users_username_lower').on(sql`lower(${t.username})`),
  ],
);

// ---------------------------------------------------------------------------
// roles, permissions, role_permissions (global RBAC catalogue, no RLS)
// ---------------------------------------------------------------------------
export const roles = authSchema.table(
  'roles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: varchar('name', { length: 50, enum: ROLE_NAMES }).notNull().unique(),
    description: varchar('description', { length: 255 }),
    createdAt: timestamp('created_at').notNull().defaultNow(),
  },
  (t) => [check('chk_role_name', oneOf(t.name, ROLE_NAMES))],
);

export const permissions = authSchema.table(
  'permissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: varchar('name', { length: 100 }).notNull().unique(),
    resource: varchar('resource', { length: 50 }).notNull(),
    action: varchar('action', { length: 50, enum: PERMISSION_ACTIONS }).notNull(),
    description: varchar('description', { length: 255 }),
    createdAt: timestamp('created_at').notNull().defaultNow(),
  },
  (t) => [check('chk_action', oneOf(t.action, PERMISSION_ACTIONS))],
);

export const rolePermissions = authSchema.table(
  'role_permissions',
  {
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    permissionId: uuid('permission_id')
      .notNull()
      .references(() => permissions.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.permissionId] })],
);

// ---------------------------------------------------------------------------
// user_roles (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const userRoles = authSchema.table(
  'user_roles',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    assignedAt: timestamp('assigned_at').notNull().defaultNow(),
    // ADDITION: tenant column for RLS.
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.roleId] }),
    index('idx_user_roles_user_id').on(t.userId),
    index('idx_user_roles_role_id').on(t.roleId),
    // ADDITION
    index('idx_user_roles_tenant_id').on(t.tenantId),
  ],
);

// ---------------------------------------------------------------------------
// api_keys (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const apiKeys = authSchema.table(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Stored as a hash of the key, never the key itself. */
    keyValue: varchar('key_value', { length: 255 }).notNull().unique(),
    name: varchar('name', { length: 100 }).notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Scopes (array of strings)
    scopes: text('scopes')
      .array()
      .notNull()
      .default(sql`'{}'`),
    // Metadata
    revoked: boolean('revoked').notNull().default(false),
    lastUsedAt: timestamp('last_used_at'),
    expiresAt: timestamp('expires_at').notNull(),
    createdAt: timestamp('created_at').notNull().defaultNow(),
    updatedAt: timestamp('updated_at').notNull().defaultNow(),
    // ADDITION: tenant column for RLS.
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    // ADDITION: non-secret public prefix of the key, to find the row before
    // verifying the hash.
    keyPrefix: varchar('key_prefix', { length: 16 }),
  },
  (t) => [
    index('idx_api_keys_key_value').on(t.keyValue),
    index('idx_api_keys_user_id').on(t.userId),
    // ADDITIONS
    index('idx_api_keys_tenant_id').on(t.tenantId),
    index('idx_api_keys_key_prefix').on(t.keyPrefix),
  ],
);

// ---------------------------------------------------------------------------
// refresh_tokens (tenant-owned, RLS)
// ---------------------------------------------------------------------------
export const refreshTokens = authSchema.table(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Stored as a hash of the token, never the token itself. */
    token: varchar('token', { length: 500 }).notNull().unique(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at').notNull(),
    revoked: boolean('revoked').notNull().default(false),
    createdAt: timestamp('created_at').notNull().defaultNow(),
    // ADDITION: tenant column for RLS.
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    // ADDITION (rotation): all tokens descending from one login share a family;
    // reuse of a rotated token revokes the whole family.
    familyId: uuid('family_id').notNull(),
    // ADDITION (rotation): id of the token that replaced this one.
    replacedBy: uuid('replaced_by'),
    // ADDITION (rotation): when it was revoked.
    revokedAt: timestamp('revoked_at'),
  },
  (t) => [
    check('chk_expiry', sql`${t.expiresAt} > ${t.createdAt}`),
    index('idx_refresh_tokens_token').on(t.token),
    index('idx_refresh_tokens_user_id').on(t.userId),
    // ADDITIONS
    index('idx_refresh_tokens_tenant_id').on(t.tenantId),
    index('idx_refresh_tokens_family_id').on(t.familyId),
  ],
);

// ---------------------------------------------------------------------------
// admin_audit_log (ADDITION, tenant-owned, RLS): what an administrator of another
// tenant (a platform admin) did in this tenant. Written in the same transaction as
// the action, so an action is never without its record and vice versa; its tenant
// sees it under RLS.
// ---------------------------------------------------------------------------
export const adminAuditLog = authSchema.table(
  'admin_audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The tenant acted on. */
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** No FK: the actor is a user of another tenant (invisible to this tenant's RLS). */
    actorUserId: uuid('actor_user_id').notNull(),
    actorTenantId: uuid('actor_tenant_id').notNull(),
    action: varchar('action', { length: 50 }).notNull(),
    targetUserId: uuid('target_user_id'),
    requestId: varchar('request_id', { length: 64 }),
    createdAt: timestamp('created_at').notNull().defaultNow(),
  },
  (t) => [index('idx_admin_audit_log_tenant_created').on(t.tenantId, t.createdAt)],
);

// ---------------------------------------------------------------------------
// Inferred row types
// ---------------------------------------------------------------------------
export type Tenant = typeof tenants.$inferSelect;
export type NewTenant = typeof tenants.$inferInsert;
export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Role = typeof roles.$inferSelect;
export type NewRole = typeof roles.$inferInsert;
export type Permission = typeof permissions.$inferSelect;
export type NewPermission = typeof permissions.$inferInsert;
export type UserRole = typeof userRoles.$inferSelect;
export type NewUserRole = typeof userRoles.$inferInsert;
export type RolePermission = typeof rolePermissions.$inferSelect;
export type NewRolePermission = typeof rolePermissions.$inferInsert;
export type ApiKey = typeof apiKeys.$inferSelect;
export type NewApiKey = typeof apiKeys.$inferInsert;
export type RefreshToken = typeof refreshTokens.$inferSelect;
export type AdminAuditEntry = typeof adminAuditLog.$inferSelect;
export type NewRefreshToken = typeof refreshTokens.$inferInsert;

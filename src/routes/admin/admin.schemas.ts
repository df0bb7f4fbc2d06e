import { z } from '@hono/zod-openapi';

import {
  adminAuditLog,
  PERMISSION_ACTIONS,
  permissions,
  ROLE_NAMES,
  roles,
  TENANT_PLANS,
  TENANT_STATUSES,
  tenants,
  USER_STATUSES,
  users,
} from '../../db/pg/schema/index.ts';
import { keyedPageQuery, nameKey, pageOf, timeIdKey } from '../../lib/pagination.ts';
import { Email, Username, UserSchema } from '../auth/auth.schemas.ts';
import { createSelectSchema, isoTimestamp, lengthOf, textFor } from '../table-schemas.ts';

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------
const timeIdPage = keyedPageQuery(timeIdKey);

/** Lower-case DNS hostname with at least two labels and an alphabetic TLD. */
const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be a hostname like shop.example.com',
  )
  .openapi({ example: 'shop.example.com' });

const TenantName = textFor(tenants.name);
const MaxUsers = z.number().int().min(1).max(100_000);

// ---------------------------------------------------------------------------
// Tenants
// ---------------------------------------------------------------------------
/** The auth.tenants row. */
const TenantSchema = createSelectSchema(tenants, { createdAt: isoTimestamp, updatedAt: isoTimestamp }).openapi(
  'Tenant',
);

export const TenantDetailSchema = TenantSchema.extend({
  seatsUsed: z.number().int().openapi({ description: 'Users that count against maxUsers (not deleted)' }),
}).openapi('TenantDetail');

export const TenantPage = pageOf(TenantSchema, 'TenantPage');

export const InvitationSchema = z
  .object({
    user: UserSchema,
    invitationToken: z.string().openapi({
      description: 'Shown once: the invitee accepts it with their own password (POST /auth/invitations/accept)',
    }),
    expiresAt: z.string(),
  })
  .openapi('Invitation');

export const TenantCreatedSchema = TenantDetailSchema.extend({
  firstAdmin: InvitationSchema,
}).openapi('TenantCreated');

/** A user of a named tenant (platform admins; audited). */
export const TenantUserParams = z.object({
  tenantId: z.uuid().openapi({ param: { name: 'tenantId', in: 'path' } }),
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const TenantIdParam = z.object({ tenantId: z.uuid().openapi({ param: { name: 'tenantId', in: 'path' } }) });

/** The auth.admin_audit_log row. */
const AuditEntrySchema = createSelectSchema(adminAuditLog, { createdAt: isoTimestamp }).openapi('AdminAuditEntry');

export const AuditPage = pageOf(AuditEntrySchema, 'AdminAuditPage');

export const AuditListQuery = z.object(timeIdPage).strict();

export const TenantListQuery = z
  .object({
    ...timeIdPage,
    status: z
      .enum(TENANT_STATUSES)
      .optional()
      .openapi({ param: { name: 'status', in: 'query' }, description: 'Only this status (default: all but DELETED)' }),
  })
  .strict();

const FirstAdminBody = z
  .object({
    email: Email,
    username: Username,
    firstName: textFor(users.firstName).optional(),
    lastName: textFor(users.lastName).optional(),
  })
  .strict()
  .openapi('FirstAdmin', {
    description: "The tenant's first ADMIN, invited: they choose their own password (POST /auth/invitations/accept).",
  });

export const InviteBody = FirstAdminBody.extend({
  roles: z
    .array(z.enum(ROLE_NAMES))
    .min(1)
    .max(ROLE_NAMES.length)
    .default(['USER'])
    .openapi({ description: 'Default USER' }),
})
  .strict()
  .openapi('InviteRequest');

export const TenantCreateBody = z
  .object({
    name: TenantName,
    admin: FirstAdminBody,
    domain: Domain.nullable().optional(),
    status: z.enum(TENANT_STATUSES).exclude(['DELETED']).optional().openapi({ description: 'Default ACTIVE' }),
    plan: z.enum(TENANT_PLANS).optional().openapi({ description: 'Default FREE' }),
    maxUsers: MaxUsers.optional().openapi({ description: 'Default 10' }),
  })
  .strict()
  .openapi('TenantCreateRequest');

export const TenantPatchBody = z
  .object({
    name: TenantName.optional(),
    domain: Domain.nullable().optional(),
    status: z.enum(TENANT_STATUSES).optional(),
    plan: z.enum(TENANT_PLANS).optional(),
    maxUsers: MaxUsers.optional(),
  })
  .strict()
  .refine((o) => Object.values(o).some((v) => v !== undefined), { message: 'at least one field is required' })
  .openapi('TenantPatchRequest', {
    description: "A tenant's own ADMIN may send only name and domain; plan, maxUsers and status need a platform admin.",
  });

// ---------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------
export const UserPage = pageOf(UserSchema, 'UserPage');

export const UserListQuery = z
  .object({
    ...timeIdPage,
    q: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .openapi({
        param: { name: 'q', in: 'query' },
        description: 'Case-insensitive substring of email, username, first, last or full name',
      }),
    status: z
      .enum(USER_STATUSES)
      .optional()
      .openapi({
        param: { name: 'status', in: 'query' },
        description: 'Only this status (deleted users appear only with DELETED)',
      }),
    role: z
      .enum(ROLE_NAMES)
      .optional()
      .openapi({ param: { name: 'role', in: 'query' }, description: 'Only users holding this role' }),
  })
  .strict();

export const UserRolesBody = z
  .object({
    roles: z
      .array(z.enum(ROLE_NAMES))
      .min(1)
      .max(ROLE_NAMES.length * 2),
  })
  .strict()
  .openapi('UserRolesRequest');

// ---------------------------------------------------------------------------
// Roles and permissions
// ---------------------------------------------------------------------------
export const RoleNameParam = z.object({
  name: z.enum(ROLE_NAMES).openapi({ param: { name: 'name', in: 'path' } }),
});

/** The auth.roles row with the names of its permissions. */
export const RoleSchema = createSelectSchema(roles, { createdAt: isoTimestamp })
  .extend({ permissions: z.array(z.string()) })
  .openapi('Role');

export const RoleList = z.object({ data: z.array(RoleSchema), nextCursor: z.null() }).openapi('RoleList');

export const RolePermissionsBody = z
  .object({ permissions: z.array(z.string().min(1).max(100)).max(500) })
  .strict()
  .openapi('RolePermissionsRequest');

/** The auth.permissions row. */
export const PermissionSchema = createSelectSchema(permissions, { createdAt: isoTimestamp }).openapi('Permission');

export const PermissionPage = pageOf(PermissionSchema, 'PermissionPage');

export const PermissionListQuery = z.object(keyedPageQuery(nameKey)).strict();

export const PermissionCreateBody = z
  .object({
    name: z
      .string()
      .trim()
      .max(lengthOf(permissions.name))
      .regex(/^[a-z][a-z0-9_-]*:[a-z][a-z0-9_.-]*$/, 'must look like verb:resource, e.g. read:reports')
      .openapi({ example: 'read:reports' }),
    resource: z
      .string()
      .trim()
      .toUpperCase()
      .min(1)
      .max(lengthOf(permissions.resource))
      .regex(/^[A-Z][A-Z0-9_]*$/, 'letters, digits and underscore, starting with a letter')
      .openapi({ example: 'REPORT' }),
    action: z.enum(PERMISSION_ACTIONS),
    description: z.string().trim().max(lengthOf(permissions.description)).nullable().optional(),
  })
  .strict()
  .openapi('PermissionCreateRequest');

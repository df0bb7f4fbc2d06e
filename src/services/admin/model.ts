/** The admin service's domain: tenant, user and permission statuses, inputs and queries. */
import type {
  PERMISSION_ACTIONS,
  ROLE_NAMES,
  TENANT_PLANS,
  TENANT_STATUSES,
  USER_STATUSES,
} from '../../db/pg/schema/index.ts';
import type { TimeIdCursor } from '../../lib/pagination.ts';
import type { Invitee } from '../auth/index.ts';

export type TenantStatus = (typeof TENANT_STATUSES)[number];

export type TenantPlan = (typeof TENANT_PLANS)[number];

export interface TenantCreate {
  name: string;
  admin: Invitee;
  domain?: string | null | undefined;
  status?: TenantStatus | undefined;
  plan?: TenantPlan | undefined;
  maxUsers?: number | undefined;
}

export type TenantPatch = Partial<{
  name: string;
  domain: string | null;
  status: TenantStatus;
  plan: TenantPlan;
  maxUsers: number;
}>;

/** The fields a tenant's own ADMIN may change. */
export const TENANT_ADMIN_FIELDS = ['name', 'domain'] as const;

export type UserStatus = (typeof USER_STATUSES)[number];

export type RoleName = (typeof ROLE_NAMES)[number];

export type UserAction = 'lock' | 'unlock' | 'suspend' | 'activate' | 'delete';

export interface UserListQuery {
  limit: number;
  cursor?: TimeIdCursor | undefined;
  q?: string | undefined;
  status?: UserStatus | undefined;
  role?: RoleName | undefined;
}

export type PermissionAction = (typeof PERMISSION_ACTIONS)[number];

export interface PermissionCreate {
  name: string;
  resource: string;
  action: PermissionAction;
  description?: string | null | undefined;
}

/** Tenants, roles, permissions and audit entries as the API shows them (ISO timestamps). */
import type { AdminAuditEntry, Permission, Tenant } from '../../db/pg/schema/index.ts';
import type { PermissionAction, RoleName, TenantPlan, TenantStatus } from './model.ts';

export interface TenantView {
  id: string;
  name: string;
  domain: string | null;
  status: TenantStatus;
  plan: TenantPlan;
  maxUsers: number;
  createdAt: string;
  updatedAt: string;
}

export interface TenantDetail extends TenantView {
  /** Users counting against maxUsers (not deleted). */
  seatsUsed: number;
}

export function tenantView(t: Tenant): TenantView {
  return {
    id: t.id,
    name: t.name,
    domain: t.domain,
    status: t.status,
    plan: t.plan,
    maxUsers: t.maxUsers,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

export interface RoleView {
  id: string;
  name: RoleName;
  description: string | null;
  createdAt: string;
  permissions: string[];
}

export interface PermissionView {
  id: string;
  name: string;
  resource: string;
  action: PermissionAction;
  description: string | null;
  createdAt: string;
}

export function permissionView(p: Permission): PermissionView {
  return {
    id: p.id,
    name: p.name,
    resource: p.resource,
    action: p.action,
    description: p.description,
    createdAt: p.createdAt.toISOString(),
  };
}

export interface AuditView {
  id: string;
  tenantId: string;
  actorUserId: string;
  actorTenantId: string;
  action: string;
  targetUserId: string | null;
  requestId: string | null;
  createdAt: string;
}

export const auditView = (e: AdminAuditEntry): AuditView => ({
  id: e.id,
  tenantId: e.tenantId,
  actorUserId: e.actorUserId,
  actorTenantId: e.actorTenantId,
  action: e.action,
  targetUserId: e.targetUserId,
  requestId: e.requestId,
  createdAt: e.createdAt.toISOString(),
});

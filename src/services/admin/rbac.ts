import { and, asc, eq, gt, inArray, notInArray, sql } from 'drizzle-orm';

import { permissions, rolePermissions, roles } from '../../db/pg/schema/index.ts';
import { toPage, type Page } from '../../lib/pagination.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { adminRead, platformAdminTx, uniqueViolation } from './access.ts';
import { adminErrors } from './errors.ts';
import type { PermissionCreate, RoleName } from './model.ts';
import { permissionView, type PermissionView, type RoleView } from './views.ts';

/**
 * The RBAC catalogue (roles, permissions, role_permissions) is GLOBAL, as in the
 * seed: one set shared by every tenant. Any ADMIN may read it; only a platform
 * admin may change it, since a change applies to all tenants. Changes reach a
 * user's access token at their next login or refresh.
 */

// Correlated on the outer auth.roles row, named explicitly: drizzle leaves columns of
// a single-table query unqualified, and a bare "id" would bind to auth.permissions.
const permissionsOfRole = sql<string[]>`array(
  select p.name from auth.role_permissions rp join auth.permissions p on p.id = rp.permission_id
  where rp.role_id = "roles"."id" order by p.name)`;

/** The four roles of the seed's CHECK, each with its permission names. */
export async function listRoles(ctx: ServiceContext): Promise<RoleView[]> {
  return adminRead(
    ctx,
    (db) => [db.select({ role: roles, permissions: permissionsOfRole }).from(roles).orderBy(asc(roles.name))],
    ([rows]) =>
      rows.map(({ role, permissions: perms }) => ({
        id: role.id,
        name: role.name,
        description: role.description,
        createdAt: role.createdAt.toISOString(),
        permissions: perms,
      })),
  );
}

/**
 * Replaces a role's permissions (platform admins). Every name must exist: 400
 * naming each unknown one (`body.permissions.<index>`), nothing written.
 */
export async function setRolePermissions(
  ctx: ServiceContext,
  input: { name: RoleName; permissions: string[] },
): Promise<RoleView> {
  const { name: roleName, permissions: names } = input;
  const wanted = [...new Set(names)];
  return platformAdminTx(ctx, async (tx) => {
    // The row lock serialises concurrent replacements of one role's set.
    const [role] = await tx.select().from(roles).where(eq(roles.name, roleName)).for('update');
    if (!role) throw adminErrors.roleNotFound();
    const found = wanted.length
      ? await tx
          .select({ id: permissions.id, name: permissions.name })
          .from(permissions)
          .where(inArray(permissions.name, wanted))
      : [];
    const known = new Set(found.map((p) => p.name));
    const unknown = names.map((name, i) => ({ name, i })).filter(({ name }) => !known.has(name));
    if (unknown.length > 0) {
      throw problems.validation(
        unknown.map(({ name, i }) => ({ field: `body.permissions.${i}`, message: `unknown permission: ${name}` })),
        `Unknown permission(s): ${[...new Set(unknown.map((u) => u.name))].join(', ')}.`,
      );
    }
    const ids = found.map((p) => p.id);
    await tx
      .delete(rolePermissions)
      .where(
        ids.length
          ? and(eq(rolePermissions.roleId, role.id), notInArray(rolePermissions.permissionId, ids))
          : eq(rolePermissions.roleId, role.id),
      );
    if (ids.length) {
      await tx
        .insert(rolePermissions)
        .values(ids.map((permissionId) => ({ roleId: role.id, permissionId })))
        .onConflictDoNothing();
    }
    return {
      id: role.id,
      name: role.name,
      description: role.description,
      createdAt: role.createdAt.toISOString(),
      permissions: [...known].sort(),
    };
  });
}

export async function listPermissions(
  ctx: ServiceContext,
  q: { limit: number; cursor?: { name: string } | undefined },
): Promise<Page<PermissionView>> {
  return adminRead(
    ctx,
    (db) => [
      db
        .select()
        .from(permissions)
        .where(q.cursor ? gt(permissions.name, q.cursor.name) : undefined)
        .orderBy(asc(permissions.name))
        .limit(q.limit + 1),
    ],
    ([rows]) => toPage(rows, q.limit, (p) => [p.name], permissionView),
  );
}

export async function createPermission(ctx: ServiceContext, input: PermissionCreate): Promise<PermissionView> {
  try {
    return await platformAdminTx(ctx, async (tx) => {
      const [row] = await tx
        .insert(permissions)
        .values({
          name: input.name,
          resource: input.resource,
          action: input.action,
          description: input.description ?? null,
        })
        .onConflictDoNothing({ target: permissions.name })
        .returning();
      if (!row) throw problems.conflictField('body.name', 'A permission with this name already exists.');
      return permissionView(row);
    });
  } catch (err) {
    if (uniqueViolation(err) !== undefined)
      throw problems.conflictField('body.name', 'A permission with this name already exists.');
    throw err;
  }
}

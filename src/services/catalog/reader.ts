/** Who reads the catalog: the context's tenant, and whether the caller is catalog staff. */
import type { ServiceContext } from '../context.ts';
import type { Reader } from './list-plan.ts';

/** The permission that makes a caller catalog staff: sees drafts, may filter by status. */
export const STAFF_PERMISSION = 'write:products';

/** Whether the caller of `ctx` is catalog staff (holds write:products). */
export function isCatalogStaff(ctx: Pick<ServiceContext, 'principal'>): boolean {
  return ctx.principal?.permissions.includes(STAFF_PERMISSION) ?? false;
}

/** The reader of a catalog read: the context's tenant, and whether the caller is staff. */
export function readerOf(ctx: ServiceContext): Reader {
  return { tenantId: ctx.tenantId, staff: isCatalogStaff(ctx) };
}

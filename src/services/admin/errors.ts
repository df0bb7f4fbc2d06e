/** Problem types of the admin service (tenants, users, roles, audit), each with one status. */
import { Problem, problems } from '../../lib/problem.ts';

export const adminErrors = {
  tenantNotFound: () => problems.notFound('Tenant'),
  userNotFound: () => problems.notFound('User'),
  roleNotFound: () => problems.notFound('Role'),
  platformOnly: () => problems.forbidden('Only a platform administrator may do this.'),
  /** A tenant administrator patched fields only a platform administrator may change. */
  platformFieldsOnly: (refused: string[]) =>
    problems.forbidden(
      `Only a platform administrator may change: ${refused.join(', ')}.`,
      refused.map((k) => ({ field: `body.${k}`, message: 'only a platform administrator may change this' })),
    ),
  platformTenantProtected: () => problems.conflict('The platform tenant cannot be suspended or deleted.'),
  lastAdmin: () =>
    new Problem(409, 'last-admin', 'Last administrator', 'The tenant must keep at least one active ADMIN.'),
  selfAction: (action: string) =>
    new Problem(409, 'self-action', 'Not on yourself', `An administrator cannot ${action} their own account.`),
  seatsInUse: (used: number) =>
    new Problem(409, 'seats-in-use', 'Seats in use', `The tenant has ${used} users; maxUsers cannot go below that.`, {
      errors: [{ field: 'body.maxUsers', message: `must be at least the ${used} users in use` }],
      extensions: { seatsUsed: used },
    }),
};

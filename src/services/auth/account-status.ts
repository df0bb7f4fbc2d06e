/**
 * Whether the account behind a still-valid access token may go on using it for long-lived
 * access (the live feed and its tickets). Access tokens are stateless until they expire; a
 * socket can outlive a lock by the token's whole lifetime, so opening one (and minting a
 * ticket for one) re-reads the account: deleted, locked by an administrator, not ACTIVE, or
 * in a tenant that is not ACTIVE means no. A pause after failed sign-ins (lockout.ts) does
 * not: it guards secrets, not sessions.
 */
import { inTenantRead } from '../../db/pg/tenant-tx.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { authErrors } from './errors.ts';
import { loadIdentityById } from './identity.ts';

/** `account`: the user of the token (or of the ticket the token was exchanged for). One read. */
export async function assertAccountInGoodStanding(
  ctx: ServiceContext,
  account: { tenantId: string; userId: string },
): Promise<void> {
  const identity = await inTenantRead(ctx.stores.pg('auth'), account.tenantId, (tx) =>
    loadIdentityById(tx, account.userId),
  );
  if (!identity) throw problems.unauthorized('The account no longer exists.');
  if (identity.tenantStatus !== 'ACTIVE') throw authErrors.tenantInactive();
  if (identity.user.accountLocked) throw authErrors.accountLocked();
  if (identity.user.status !== 'ACTIVE') throw authErrors.accountInactive();
}

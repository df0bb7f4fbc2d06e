import { and, eq, isNull, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { tenants, users } from '../../db/pg/schema/index.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { Env } from '../../env.ts';
import { authConfig } from '../../lib/config.ts';
import { keyRing, signPurposeToken, verifyPurposeToken } from '../../lib/jwt.ts';
import { checkPasswordPolicy, hashPassword, UNUSABLE_PASSWORD } from '../../lib/passwords.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { upsertProfile } from '../users/index.ts';
import { createUserInSeat } from './accounts.ts';
import { loadIdentityById, loadIdentityByLogin } from './identity.ts';
import { INVITATION, INVITATION_TTL_SECONDS, type Invitation, type Invitee, type TokenPair } from './model.ts';
import { issueTokens } from './sessions.ts';
import { assertTenantActive } from './tenants.ts';
import { publicUser, type PublicUser } from './views.ts';

/**
 * Invitations: how a tenant gets its first ADMIN without anyone else choosing (or
 * ever knowing) their password.
 *
 * The invitee is created at once, in the caller's transaction, as a user that holds a
 * seat and its roles but cannot sign in: status INACTIVE, the unusable password `!`.
 * The invitation is a signed token (typ `invitation`, 7 days, sub = user id, tid =
 * tenant) shown once to whoever invited; the invitee sends it with a password of
 * their own to `POST /auth/invitations/accept`, which checks the password policy,
 * activates the account and signs them in. It works once: accepting is a conditional
 * UPDATE of a still-pending user, so a second use (even concurrent) finds nothing.
 * No table is needed; a token dies with its signing key (rotation) or its user.
 */

async function invitationFor(
  env: Env,
  userId: string,
  tenantId: string,
): Promise<{ invitationToken: string; expiresAt: string }> {
  const cfg = authConfig(env);
  const invitationToken = await signPurposeToken(
    await keyRing(env.JWT_SIGNING_KEYS),
    INVITATION,
    userId,
    { tid: tenantId },
    {
      issuer: cfg.issuer,
      audience: cfg.audience,
      ttlSeconds: INVITATION_TTL_SECONDS,
    },
  );
  return { invitationToken, expiresAt: new Date(Date.now() + INVITATION_TTL_SECONDS * 1000).toISOString() };
}

const isPending = (user: { status: string; passwordHash: string; deletedAt: Date | null }) =>
  user.status === 'INACTIVE' && user.passwordHash === UNUSABLE_PASSWORD && user.deletedAt === null;

/**
 * Who is invited where, with which roles, on whose unit of work: the caller's open transaction
 * (`tx`, RLS on `tenantId`), because the admin service records the invitation with it (the
 * tenant created with its first admin, the audit row) and either all of it commits or none.
 */
export interface InvitationInput {
  tx: Transaction;
  tenantId: string;
  invitee: Invitee;
  roles: readonly string[];
}

/**
 * Invites `invitee` into the tenant: a new pending user (201), or a fresh invitation for a
 * user of that email who is still pending (200: an expired invitation is replaced this way).
 * Another user with the email or username: 409 naming the field.
 */
export async function inviteOrReinvite(
  ctx: ServiceContext,
  input: InvitationInput,
): Promise<Invitation & { created: boolean }> {
  const existing = await loadIdentityByLogin(input.tx, input.invitee.email);
  if (existing) {
    if (!isPending(existing.user)) throw problems.conflictField('body.email', 'This email is already registered.');
    return {
      user: publicUser(existing),
      ...(await invitationFor(ctx.env, existing.user.id, input.tenantId)),
      created: false,
    };
  }
  return { ...(await inviteUser(ctx, input)), created: true };
}

/** Creates the pending user and its invitation. */
export async function inviteUser(ctx: ServiceContext, input: InvitationInput): Promise<Invitation> {
  const { tx, tenantId, invitee, roles: roleNames } = input;
  const env = ctx.env;
  const identity = await createUserInSeat(
    tx,
    tenantId,
    {
      email: invitee.email.toLowerCase(),
      username: invitee.username,
      passwordHash: UNUSABLE_PASSWORD,
      status: 'INACTIVE',
      firstName: invitee.firstName ?? null,
      lastName: invitee.lastName ?? null,
    },
    roleNames,
  );
  return { user: publicUser(identity), ...(await invitationFor(env, identity.user.id, tenantId)) };
}

const invitationInvalid = () => problems.unauthorized('The invitation is invalid, expired or already accepted.');

/** The invitee chooses their password: the account becomes ACTIVE and is signed in. */
export async function acceptInvitation(
  ctx: ServiceContext,
  input: { invitationToken: string; password: string },
): Promise<{ user: PublicUser; tokens: TokenPair }> {
  const { env } = ctx;
  const { invitationToken: token, password } = input;
  const cfg = authConfig(env);
  const claims = await verifyPurposeToken(await keyRing(env.JWT_SIGNING_KEYS), INVITATION, token, {
    issuer: cfg.issuer,
    audience: cfg.audience,
  });
  const tenantId = typeof claims.tid === 'string' ? claims.tid : '';
  if (!tenantId) throw invitationInvalid();

  const session = await inTenantTx(ctx.stores.pg('auth').db, tenantId, async (tx) => {
    const [tenant] = await tx.select({ status: tenants.status }).from(tenants).where(eq(tenants.id, tenantId)).limit(1);
    if (!tenant) throw invitationInvalid();
    assertTenantActive(tenant);
    const pending = await loadIdentityById(tx, claims.sub);
    if (!pending || !isPending(pending.user)) throw invitationInvalid();

    const policy = checkPasswordPolicy(password, { email: pending.user.email, username: pending.user.username });
    if (policy.length > 0) throw problems.validation(policy.map((message) => ({ field: 'body.password', message })));
    const accepted = await tx
      .update(users)
      .set({
        passwordHash: await hashPassword(password),
        status: 'ACTIVE',
        // Wrong passwords tried against the pending account must not lock out its owner.
        failedLoginAttempts: 0,
        lockedUntil: null,
        accountLocked: false,
        lastLoginAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(
        and(
          eq(users.id, claims.sub),
          eq(users.status, 'INACTIVE'),
          eq(users.passwordHash, UNUSABLE_PASSWORD),
          isNull(users.deletedAt),
        ),
      )
      .returning({ id: users.id });
    if (accepted.length === 0) throw invitationInvalid();
    const identity = (await loadIdentityById(tx, claims.sub))!;
    return { identity, tokens: await issueTokens(env, tx, identity) };
  });

  const { user } = session.identity;
  await upsertProfile(ctx, {
    tenantId,
    userId: user.id,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
  });
  return { user: publicUser(session.identity), tokens: session.tokens };
}

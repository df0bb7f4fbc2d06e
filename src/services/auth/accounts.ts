import { and, count, eq, isNull, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { tenants, users, type NewUser, type Tenant } from '../../db/pg/schema/index.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { Stores } from '../../db/stores.ts';
import type { Env } from '../../env.ts';
import { authConfig } from '../../lib/config.ts';
import { keyRing, signPurposeToken } from '../../lib/jwt.ts';
import { checkPasswordPolicy, hashPassword, verifyDummyPassword, verifyPassword } from '../../lib/passwords.ts';
import { problems } from '../../lib/problem.ts';
import { deleteProfile, upsertProfile } from '../users/index.ts';
import { authErrors } from './errors.ts';
import { loadIdentityById, loadIdentityByLogin } from './identity.ts';
import { clearedFailures, lockStateOf, recordFailure, type LockState } from './lockout.ts';
import { TFA_CHALLENGE, type Identity, type LoginResult, type RegisterInput, type TokenPair } from './model.ts';
import { announceLockout } from './security-events.ts';
import { issueTokens } from './sessions.ts';
import { assertTenantActive } from './tenants.ts';
import { publicUser, type PublicUser } from './views.ts';

const TFA_CHALLENGE_TTL_SECONDS = 300;

/** Which field a unique violation was about, from the constraint name. */
function duplicateField(err: unknown): 'email' | 'username' | undefined {
  const e = err as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const pg = e.code === '23505' ? e : e.cause?.code === '23505' ? e.cause : undefined;
  if (!pg) return undefined;
  return pg.constraint?.includes('username') ? 'username' : 'email';
}

/** The users service's profile of a new account: its email and names copied from the identity. */
export function createProfileOf(
  stores: Stores,
  tenantId: string,
  user: { id: string; email: string; firstName: string | null; lastName: string | null },
): ReturnType<typeof upsertProfile> {
  return upsertProfile(stores.pg('users').db, {
    tenantId,
    userId: user.id,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
  });
}

/**
 * The one way a user comes into being (registration, social sign-up, a tenant's
 * invited first ADMIN): locks the tenant row, so two sign-ups can never both take the
 * last seat, re-checks that the tenant is active, inserts the user with `roles`
 * (default USER) and returns their identity.
 */
export async function createUserInSeat(
  tx: Transaction,
  tenantId: string,
  values: Omit<NewUser, 'tenantId'>,
  roleNames: readonly string[] = ['USER'],
): Promise<Identity> {
  const [locked] = await tx
    .select({ maxUsers: tenants.maxUsers, status: tenants.status })
    .from(tenants)
    .where(eq(tenants.id, tenantId))
    .for('update');
  if (!locked) throw authErrors.tenantNotFound();
  assertTenantActive(locked);
  const [{ used } = { used: 0 }] = await tx.select({ used: count() }).from(users).where(isNull(users.deletedAt));
  if (used >= locked.maxUsers) throw authErrors.seatLimit(locked.maxUsers);
  const [user] = await tx
    .insert(users)
    .values({ ...values, tenantId })
    .returning({ id: users.id });
  await tx.execute(sql`
    insert into auth.user_roles (user_id, role_id, tenant_id)
    select ${user!.id}, id, ${tenantId} from auth.roles where name in (${sql.join(
      roleNames.map((r) => sql`${r}`),
      sql`, `,
    )})`);
  return (await loadIdentityById(tx, user!.id))!;
}

/**
 * Registers a LOCAL user with the USER role, then creates their profile before
 * answering. The tenant row is locked for the seat count, so two registrations can
 * never both take the last seat. If the profile cannot be created the user is
 * removed again (no half-registered account).
 */
export async function register(
  env: Env,
  stores: Stores,
  tenant: Tenant,
  input: RegisterInput,
): Promise<{ user: PublicUser; tokens: TokenPair }> {
  assertTenantActive(tenant);
  const policy = checkPasswordPolicy(input.password, { email: input.email, username: input.username });
  if (policy.length > 0) throw problems.validation(policy.map((message) => ({ field: 'body.password', message })));
  const passwordHash = await hashPassword(input.password);
  const email = input.email.toLowerCase();
  const db = stores.pg('auth').db;

  let created: { identity: Identity; tokens: TokenPair };
  try {
    created = await inTenantTx(db, tenant.id, async (tx) => {
      const identity = await createUserInSeat(tx, tenant.id, {
        email,
        username: input.username,
        passwordHash,
        firstName: input.firstName ?? null,
        lastName: input.lastName ?? null,
      });
      return { identity, tokens: await issueTokens(env, tx, identity) };
    });
  } catch (err) {
    const field = duplicateField(err);
    if (field) throw problems.conflictField(`body.${field}`, `This ${field} is already registered.`);
    throw err;
  }

  const { user } = created.identity;
  try {
    await createProfileOf(stores, tenant.id, user);
  } catch (err) {
    await deleteProfile(stores.pg('users').db, tenant.id, user.id).catch(() => {});
    await inTenantTx(db, tenant.id, (tx) => tx.delete(users).where(eq(users.id, user.id)));
    throw err;
  }
  return { user: publicUser(created.identity), tokens: created.tokens };
}

type PasswordOutcome =
  | { kind: 'ok'; identity: Identity }
  | { kind: 'bad-credentials' }
  | { kind: 'closed'; state: Exclude<LockState, { kind: 'open' }>; pausedNow?: { userId: string; at: Date } }
  | { kind: 'inactive' };

/**
 * Checks a login (email or username) and password. Unknown users cost the same
 * password work as known ones and get the same answer as a wrong password. A failure
 * counts towards a temporary pause with growing delays (lockout.ts); a paused or
 * administrator-locked account is refused before its password is looked at.
 */
async function checkPassword(
  env: Env,
  stores: Stores,
  tenant: Tenant,
  login: string,
  password: string,
): Promise<PasswordOutcome> {
  const maxFailed = authConfig(env).maxFailedLogins;
  return inTenantTx(stores.pg('auth').db, tenant.id, async (tx) => {
    const identity = await loadIdentityByLogin(tx, login);
    if (!identity) {
      await verifyDummyPassword(password);
      return { kind: 'bad-credentials' };
    }
    const { user } = identity;
    const state = lockStateOf(user);
    if (state.kind !== 'open') return { kind: 'closed', state };
    const verdict = await verifyPassword(password, user.passwordHash);
    if (!verdict.ok) {
      const failure = await recordFailure(tx, user.id, maxFailed);
      if (failure.kind === 'counted') return { kind: 'bad-credentials' };
      if (failure.kind === 'closed')
        return failure.state.kind === 'open' ? { kind: 'bad-credentials' } : { kind: 'closed', state: failure.state };
      return {
        kind: 'closed',
        state: { kind: 'paused', retryAfterSeconds: failure.retryAfterSeconds },
        ...(failure.first ? { pausedNow: { userId: user.id, at: failure.at } } : {}),
      };
    }
    if (user.status !== 'ACTIVE') return { kind: 'inactive' };
    if (verdict.needsRehash) {
      await tx
        .update(users)
        .set({ passwordHash: await hashPassword(password) })
        .where(eq(users.id, user.id));
    }
    return { kind: 'ok', identity };
  });
}

/** 423: locked by an administrator, or paused after failures (with Retry-After). */
export function closedAccountError(state: Exclude<LockState, { kind: 'open' }>) {
  return state.kind === 'locked' ? authErrors.accountLocked() : authErrors.accountPaused(state.retryAfterSeconds);
}

/** Marks a successful sign-in and issues a session, in one transaction. */
export async function completeLogin(env: Env, stores: Stores, identity: Identity): Promise<LoginResult> {
  const tokens = await inTenantTx(stores.pg('auth').db, identity.user.tenantId, async (tx) => {
    await tx
      .update(users)
      .set({ ...clearedFailures, lastLoginAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(users.id, identity.user.id)));
    return issueTokens(env, tx, identity);
  });
  return {
    kind: 'tokens',
    user: publicUser({ ...identity, user: { ...identity.user, failedLoginAttempts: 0, lastLoginAt: new Date() } }),
    tokens,
  };
}

export async function login(
  env: Env,
  stores: Stores,
  tenant: Tenant,
  login: string,
  password: string,
): Promise<LoginResult> {
  assertTenantActive(tenant);
  const outcome = await checkPassword(env, stores, tenant, login, password);
  switch (outcome.kind) {
    case 'bad-credentials':
      throw authErrors.invalidCredentials();
    case 'closed':
      // This failure began a series of pauses (once per series): tell the owner.
      if (outcome.pausedNow) await announceLockout(env, tenant.id, outcome.pausedNow.userId, outcome.pausedNow.at);
      throw closedAccountError(outcome.state);
    case 'inactive':
      throw authErrors.accountInactive();
  }
  return finishSignIn(env, stores, outcome.identity);
}

/** After a first factor (password or provider): a 2FA challenge when TOTP is on, else a session. */
export async function finishSignIn(env: Env, stores: Stores, identity: Identity): Promise<LoginResult> {
  if (identity.user.tfaEnabled) {
    const cfg = authConfig(env);
    const challengeToken = await signPurposeToken(
      await keyRing(env.JWT_SIGNING_KEYS),
      TFA_CHALLENGE,
      identity.user.id,
      { tid: identity.user.tenantId },
      {
        issuer: cfg.issuer,
        audience: cfg.audience,
        ttlSeconds: TFA_CHALLENGE_TTL_SECONDS,
      },
    );
    return { kind: 'tfa-required', challengeToken, expiresIn: TFA_CHALLENGE_TTL_SECONDS };
  }
  return completeLogin(env, stores, identity);
}

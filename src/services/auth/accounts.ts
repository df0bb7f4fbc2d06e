import { count, eq, isNull, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { tenants, users, type NewUser, type Tenant } from '../../db/pg/schema/index.ts';
import { inTenantBatch, inTenantRead, inTenantTx } from '../../db/pg/tenant-tx.ts';
import { authConfig } from '../../lib/config.ts';
import { keyRing, signPurposeToken } from '../../lib/jwt.ts';
import { checkPasswordPolicy, hashPassword, verifyDummyPassword, verifyPassword } from '../../lib/passwords.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { deleteProfile, upsertProfile } from '../users/index.ts';
import { authErrors } from './errors.ts';
import { byLogin, identityStatement, loadIdentityById } from './identity.ts';
import { failureOutcome, failureStatements, lockStateOf, type LockState } from './lockout.ts';
import { TFA_CHALLENGE, type Identity, type LoginResult, type RegisterInput, type TokenPair } from './model.ts';
import { announceLockout } from './security-events.ts';
import { issueTokens, mintSession } from './sessions.ts';
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
  ctx: ServiceContext,
  user: { id: string; tenantId: string; email: string; firstName: string | null; lastName: string | null },
): ReturnType<typeof upsertProfile> {
  return upsertProfile(ctx, {
    tenantId: user.tenantId,
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
 * Registers a LOCAL user with the USER role in `tenant` (the request's, loaded by the route),
 * then creates their profile before answering. The tenant row is locked for the seat count, so
 * two registrations can never both take the last seat. If the profile cannot be created the user
 * is removed again (no half-registered account).
 */
export async function register(
  ctx: ServiceContext,
  input: RegisterInput & { tenant: Tenant },
): Promise<{ user: PublicUser; tokens: TokenPair }> {
  const { tenant } = input;
  assertTenantActive(tenant);
  const policy = checkPasswordPolicy(input.password, { email: input.email, username: input.username });
  if (policy.length > 0) throw problems.validation(policy.map((message) => ({ field: 'body.password', message })));
  const passwordHash = await hashPassword(input.password);
  const email = input.email.toLowerCase();
  const db = ctx.stores.pg('auth').db;

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
      return { identity, tokens: await issueTokens(ctx.env, tx, identity) };
    });
  } catch (err) {
    const field = duplicateField(err);
    if (field) throw problems.conflictField(`body.${field}`, `This ${field} is already registered.`);
    throw err;
  }

  const { user } = created.identity;
  try {
    await createProfileOf(ctx, user);
  } catch (err) {
    await deleteProfile(ctx, { tenantId: tenant.id, userId: user.id }).catch(() => {});
    await inTenantTx(db, tenant.id, (tx) => tx.delete(users).where(eq(users.id, user.id)));
    throw err;
  }
  return { user: publicUser(created.identity), tokens: created.tokens };
}

/** 423: locked by an administrator, or paused after failures (with Retry-After). */
export function closedAccountError(state: Exclude<LockState, { kind: 'open' }>) {
  return state.kind === 'locked' ? authErrors.accountLocked() : authErrors.accountPaused(state.retryAfterSeconds);
}

/**
 * Signs in with a login (email or username) and password, in the request's tenant, in at most
 * two round trips on the HTTP path (docs/performance.md, "Round trips"):
 *  1. one read: the tenant's status and the user with roles, permissions and lock state;
 *  2. one write, after the password is checked here: on success the session (the reset of
 *     failures, last_login_at, a rehash when due, the refresh token: one statement that inserts
 *     the token only if the account is still open, see `completeLogin`); on failure the count
 *     (lockout.ts: a conditional UPDATE, so concurrent failures each count once).
 * Unknown users cost the same password work as known ones and get the same answer as a wrong
 * password. A paused or administrator-locked account is refused before its password is looked at.
 */
export async function login(ctx: ServiceContext, input: { login: string; password: string }): Promise<LoginResult> {
  const tenantId = ctx.tenantId;
  const pg = ctx.stores.pg('auth');
  const [[tenant], [identity]] = await inTenantBatch(
    pg,
    tenantId,
    (db) => [
      db.select({ status: tenants.status }).from(tenants).where(eq(tenants.id, tenantId)).limit(1),
      identityStatement(db, byLogin(input.login)),
    ],
    { readOnly: true },
  );
  if (!tenant) throw problems.notFound('Tenant');
  assertTenantActive(tenant);
  if (!identity) {
    await verifyDummyPassword(input.password);
    throw authErrors.invalidCredentials();
  }
  const { user } = identity;
  const state = lockStateOf(user);
  if (state.kind !== 'open') throw closedAccountError(state);
  const verdict = await verifyPassword(input.password, user.passwordHash);
  if (!verdict.ok) {
    const maxFailed = authConfig(ctx.env).maxFailedLogins;
    const failure = failureOutcome(
      await inTenantBatch(pg, tenantId, (db) => {
        const [count, read] = failureStatements(db, user.id, maxFailed);
        return [count, read];
      }),
      maxFailed,
    );
    if (failure.kind === 'counted') throw authErrors.invalidCredentials();
    if (failure.kind === 'closed') {
      throw failure.state.kind === 'open' ? authErrors.invalidCredentials() : closedAccountError(failure.state);
    }
    // This failure began a series of pauses (once per series): tell the owner.
    if (failure.first) await announceLockout(ctx, { tenantId, userId: user.id, at: failure.at });
    throw closedAccountError({ kind: 'paused', retryAfterSeconds: failure.retryAfterSeconds });
  }
  if (user.status !== 'ACTIVE') throw authErrors.accountInactive();
  const rehash = verdict.needsRehash ? await hashPassword(input.password) : undefined;
  return finishSignIn(ctx, identity, { rehash });
}

/**
 * Marks a successful sign-in and issues a session in ONE statement: the UPDATE resets failures
 * (and stores a rehash) only while the account is open, ACTIVE and not deleted, and the refresh
 * token is inserted from its result, so a pause or lock committed since the password was checked
 * leaves no session behind. Then (that rare race) the account's state says why not.
 */
export async function completeLogin(
  ctx: ServiceContext,
  identity: Identity,
  opts: { rehash?: string | undefined } = {},
): Promise<Extract<LoginResult, { kind: 'tokens' }>> {
  const { id: userId, tenantId } = identity.user;
  const { tokens, row } = await mintSession(ctx.env, identity);
  const pg = ctx.stores.pg('auth');
  const [{ rows }] = await inTenantBatch(pg, tenantId, (db) => [
    db.execute<{ id: string }>(sql`
      with signed_in as (
        update auth.users
        set failed_login_attempts = 0, locked_until = null, last_login_at = now(), updated_at = now()${
          opts.rehash ? sql`, password_hash = ${opts.rehash}` : sql``
        }
        where id = ${userId} and deleted_at is null and status = 'ACTIVE' and not account_locked
          and (locked_until is null or locked_until <= now())
        returning id, tenant_id)
      insert into auth.refresh_tokens (id, token, user_id, tenant_id, family_id, expires_at)
      select ${row.id}::uuid, ${row.token}, id, tenant_id, ${row.familyId}::uuid, ${row.expiresAt.toISOString()}::timestamp
      from signed_in
      returning id`),
  ]);
  if (rows.length === 0) {
    const now = await inTenantRead(pg, tenantId, (tx) => loadIdentityById(tx, userId));
    if (!now || now.user.status !== 'ACTIVE') throw authErrors.accountInactive();
    const state = lockStateOf(now.user);
    throw state.kind === 'open' ? authErrors.invalidCredentials() : closedAccountError(state);
  }
  return {
    kind: 'tokens',
    user: publicUser({
      ...identity,
      user: { ...identity.user, failedLoginAttempts: 0, lockedUntil: null, lastLoginAt: new Date() },
    }),
    tokens,
  };
}

/** After a first factor (password or provider): a 2FA challenge when TOTP is on, else a session. */
export async function finishSignIn(
  ctx: ServiceContext,
  identity: Identity,
  opts: { rehash?: string | undefined } = {},
): Promise<LoginResult> {
  if (!identity.user.tfaEnabled) return completeLogin(ctx, identity, opts);
  if (opts.rehash) {
    await inTenantBatch(ctx.stores.pg('auth'), identity.user.tenantId, (db) => [
      db.update(users).set({ passwordHash: opts.rehash }).where(eq(users.id, identity.user.id)),
    ]);
  }
  const cfg = authConfig(ctx.env);
  const challengeToken = await signPurposeToken(
    await keyRing(ctx.env.JWT_SIGNING_KEYS),
    TFA_CHALLENGE,
    identity.user.id,
    { tid: identity.user.tenantId },
    { issuer: cfg.issuer, audience: cfg.audience, ttlSeconds: TFA_CHALLENGE_TTL_SECONDS },
  );
  return { kind: 'tfa-required', challengeToken, expiresIn: TFA_CHALLENGE_TTL_SECONDS };
}

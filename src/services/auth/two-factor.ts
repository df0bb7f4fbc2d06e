import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { users } from '../../db/pg/schema/index.ts';
import { inTenantBatch, inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { Env } from '../../env.ts';
import { authConfig } from '../../lib/config.ts';
import { keyRing, verifyPurposeToken } from '../../lib/jwt.ts';
import { problems } from '../../lib/problem.ts';
import { importSecretKeys, openSecret, sealSecret, type SecretKeyRing } from '../../lib/secret-box.ts';
import { generateTotpSecret, totpUri, verifyTotp } from '../../lib/totp.ts';
import type { ServiceContext } from '../context.ts';
import { closedAccountError, completeLogin } from './accounts.ts';
import { callerOf } from './caller.ts';
import { authErrors } from './errors.ts';
import { loadIdentityById } from './identity.ts';
import { lockStateOf, recordFailure, type LockState } from './lockout.ts';
import { TFA_CHALLENGE, type LoginResult, type Principal } from './model.ts';
import { announceLockout, notifySecurityEvent } from './security-events.ts';

/**
 * TOTP two-factor authentication (RFC 6238). The secret is stored sealed with
 * AES-GCM (key: TOTP_ENCRYPTION_KEY, bound to the user id), enabled only after a
 * valid code, and every accepted code's time step is recorded so a code works once.
 *
 * Every place that checks a code (enable, disable, the 2FA login step) counts a wrong
 * code as a failed login (lockout.ts `recordFailure`), committed even though the request
 * fails, so codes cannot be guessed anywhere without running into the growing pauses;
 * a paused or locked account gets 423 before any code is checked.
 */

let cachedKey: { source: string; key: Promise<SecretKeyRing> } | undefined;
function encryptionKey(env: Env): Promise<SecretKeyRing> {
  if (cachedKey?.source !== env.TOTP_ENCRYPTION_KEY) {
    cachedKey = { source: env.TOTP_ENCRYPTION_KEY, key: importSecretKeys(env.TOTP_ENCRYPTION_KEY) };
  }
  return cachedKey.key;
}

async function loadTfaState(tx: Transaction, userId: string) {
  const [row] = await tx
    .select({
      email: users.email,
      tfaEnabled: users.tfaEnabled,
      tfaSecret: users.tfaSecret,
      lastStep: users.tfaLastUsedStep,
      accountLocked: users.accountLocked,
      lockedUntil: users.lockedUntil,
    })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAt)))
    .limit(1);
  if (!row) throw authErrors.userNotFound();
  return row;
}

/**
 * Accepts `code` for the user at most once: the conditional UPDATE only moves the
 * last used step forward, so two concurrent submissions of one code cannot both pass.
 */
async function consumeCode(
  env: Env,
  tx: Transaction,
  userId: string,
  sealed: string,
  lastStep: number | null,
  code: string,
): Promise<number | null> {
  const secret = await openSecret(await encryptionKey(env), sealed, userId);
  const verdict = await verifyTotp(secret, code, { lastUsedStep: lastStep });
  if (!verdict.ok) return null;
  const updated = await tx
    .update(users)
    .set({ tfaLastUsedStep: verdict.step, updatedAt: sql`now()` })
    .where(and(eq(users.id, userId), or(isNull(users.tfaLastUsedStep), lt(users.tfaLastUsedStep, verdict.step))))
    .returning({ id: users.id });
  return updated.length === 1 ? verdict.step : null;
}

type CodeOutcome =
  | { kind: 'ok'; step: number }
  | { kind: 'bad-code' }
  | { kind: 'closed'; state: Exclude<LockState, { kind: 'open' }>; pausedAt?: Date };

/** A wrong code: counted like a wrong password, then 400, or 423 when sign-in is paused now. */
async function failedCode(env: Env, tx: Transaction, userId: string): Promise<Exclude<CodeOutcome, { kind: 'ok' }>> {
  const failure = await recordFailure(tx, userId, authConfig(env).maxFailedLogins);
  if (failure.kind === 'counted') return { kind: 'bad-code' };
  if (failure.kind === 'closed')
    return failure.state.kind === 'open' ? { kind: 'bad-code' } : { kind: 'closed', state: failure.state };
  return {
    kind: 'closed',
    state: { kind: 'paused', retryAfterSeconds: failure.retryAfterSeconds },
    ...(failure.first ? { pausedAt: failure.at } : {}),
  };
}

/** After the transaction committed the count: the answer for a failed check, or the consumed step. */
async function acceptedStep(ctx: ServiceContext, principal: Principal, outcome: CodeOutcome): Promise<number> {
  if (outcome.kind === 'ok') return outcome.step;
  if (outcome.kind === 'bad-code') throw authErrors.invalidTotpCode();
  if (outcome.pausedAt)
    await announceLockout(ctx, { tenantId: principal.tenantId, userId: principal.userId, at: outcome.pausedAt });
  throw closedAccountError(outcome.state);
}

/**
 * Draws a new secret for the caller (replacing one set up before and never enabled): one
 * statement that writes it only while 2FA is off, and a read of why not (one round trip on the
 * HTTP path).
 */
export async function setupTfa(ctx: ServiceContext): Promise<{ secret: string; otpauthUrl: string }> {
  const principal = callerOf(ctx);
  const secret = generateTotpSecret();
  const sealed = await sealSecret(await encryptionKey(ctx.env), secret, principal.userId);
  const live = and(eq(users.id, principal.userId), isNull(users.deletedAt));
  const [[updated], [state]] = await inTenantBatch(ctx.stores.pg('auth'), principal.tenantId, (db) => [
    db
      .update(users)
      .set({ tfaSecret: sealed, tfaLastUsedStep: null, updatedAt: sql`now()` })
      .where(and(live, eq(users.tfaEnabled, false)))
      .returning({ email: users.email }),
    db.select({ tfaEnabled: users.tfaEnabled }).from(users).where(live).limit(1),
  ]);
  if (!updated) {
    if (!state) throw authErrors.userNotFound();
    throw problems.conflict('Two-factor authentication is already enabled; disable it first.');
  }
  return {
    secret,
    otpauthUrl: totpUri({ secret, accountName: updated.email, issuer: authConfig(ctx.env).totpIssuer }),
  };
}

export async function enableTfa(ctx: ServiceContext, input: { code: string }): Promise<void> {
  const { env } = ctx;
  const { code } = input;
  const principal = callerOf(ctx);
  const outcome = await inTenantTx(ctx.stores.pg('auth').db, principal.tenantId, async (tx): Promise<CodeOutcome> => {
    const state = await loadTfaState(tx, principal.userId);
    const lock = lockStateOf(state);
    if (lock.kind !== 'open') return { kind: 'closed', state: lock };
    if (state.tfaEnabled) throw problems.conflict('Two-factor authentication is already enabled.');
    if (!state.tfaSecret) throw problems.conflict('Call /auth/2fa/setup first.');
    const used = await consumeCode(env, tx, principal.userId, state.tfaSecret, state.lastStep, code);
    if (used === null) return failedCode(env, tx, principal.userId);
    await tx.update(users).set({ tfaEnabled: true }).where(eq(users.id, principal.userId));
    return { kind: 'ok', step: used };
  });
  const step = await acceptedStep(ctx, principal, outcome);
  // The consumed TOTP step is unique per user: it names this change.
  await notifySecurityEvent(ctx, {
    tenantId: principal.tenantId,
    userId: principal.userId,
    type: 'TFA_ENABLED',
    key: `${principal.userId}:${step}`,
  });
}

export async function disableTfa(ctx: ServiceContext, input: { code: string }): Promise<void> {
  const { env } = ctx;
  const { code } = input;
  const principal = callerOf(ctx);
  const outcome = await inTenantTx(ctx.stores.pg('auth').db, principal.tenantId, async (tx): Promise<CodeOutcome> => {
    const state = await loadTfaState(tx, principal.userId);
    const lock = lockStateOf(state);
    if (lock.kind !== 'open') return { kind: 'closed', state: lock };
    if (!state.tfaEnabled || !state.tfaSecret) throw problems.conflict('Two-factor authentication is not enabled.');
    const used = await consumeCode(env, tx, principal.userId, state.tfaSecret, state.lastStep, code);
    if (used === null) return failedCode(env, tx, principal.userId);
    await tx
      .update(users)
      .set({ tfaEnabled: false, tfaSecret: null, tfaLastUsedStep: null })
      .where(eq(users.id, principal.userId));
    return { kind: 'ok', step: used };
  });
  const step = await acceptedStep(ctx, principal, outcome);
  await notifySecurityEvent(ctx, {
    tenantId: principal.tenantId,
    userId: principal.userId,
    type: 'TFA_DISABLED',
    key: `${principal.userId}:${step}`,
  });
}

/**
 * Second step of a 2FA login. A wrong code counts as a failed login (same lockout
 * as wrong passwords), so the challenge cannot be used to guess codes.
 */
export async function completeTfaLogin(
  ctx: ServiceContext,
  input: { challengeToken: string; code: string },
): Promise<Extract<LoginResult, { kind: 'tokens' }>> {
  const { env } = ctx;
  const { challengeToken, code } = input;
  const cfg = authConfig(env);
  const claims = await verifyPurposeToken(await keyRing(env.JWT_SIGNING_KEYS), TFA_CHALLENGE, challengeToken, {
    issuer: cfg.issuer,
    audience: cfg.audience,
  });
  const tenantId = typeof claims.tid === 'string' ? claims.tid : '';
  const outcome = await inTenantTx(ctx.stores.pg('auth').db, tenantId, async (tx) => {
    const identity = await loadIdentityById(tx, claims.sub);
    if (!identity || identity.user.status !== 'ACTIVE') return { kind: 'invalid' as const };
    const lock = lockStateOf(identity.user);
    if (lock.kind !== 'open') return { kind: 'closed' as const, state: lock };
    const { tfaEnabled, tfaSecret, tfaLastUsedStep } = identity.user;
    if (!tfaEnabled || !tfaSecret) return { kind: 'invalid' as const };
    if ((await consumeCode(env, tx, identity.user.id, tfaSecret, tfaLastUsedStep, code)) !== null)
      return { kind: 'ok' as const, identity };
    return failedCode(env, tx, identity.user.id);
  });
  switch (outcome.kind) {
    case 'invalid':
      throw problems.unauthorized('The challenge is no longer valid; sign in again.');
    case 'closed':
      if ('pausedAt' in outcome && outcome.pausedAt)
        await announceLockout(ctx, { tenantId, userId: claims.sub, at: outcome.pausedAt });
      throw closedAccountError(outcome.state);
    case 'bad-code':
      throw authErrors.wrongLoginCode();
  }
  return completeLogin(ctx, outcome.identity);
}

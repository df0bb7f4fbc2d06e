import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Env } from '../../env.ts';
import type { Stores } from '../../db/stores.ts';
import type { Transaction } from '../../db/pg/client.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { users } from '../../db/pg/schema/index.ts';
import { authConfig } from '../../lib/config.ts';
import { keyRing, verifyPurposeToken } from '../../lib/jwt.ts';
import { Problem, problems } from '../../lib/problem.ts';
import { importSecretKey, openSecret, sealSecret } from '../../lib/secret-box.ts';
import { generateTotpSecret, totpUri, verifyTotp } from '../../lib/totp.ts';
import { completeLogin, TFA_CHALLENGE, type LoginResult } from './accounts.ts';
import { loadIdentityById } from './identity.ts';
import type { Principal } from './principal.ts';
import { announceLockout, notifySecurityEvent } from './security-events.ts';
import { revokeAllSessions } from './sessions.ts';

/**
 * TOTP two-factor authentication (RFC 6238). The secret is stored sealed with
 * AES-GCM (key: TOTP_ENCRYPTION_KEY, bound to the user id), enabled only after a
 * valid code, and every accepted code's time step is recorded so a code works once.
 */
const invalidCode = () =>
  new Problem(400, 'invalid-totp-code', 'Invalid code', 'The authentication code is wrong or was already used.', {
    errors: [{ field: 'body.code', message: 'wrong or already used' }],
  });

let cachedKey: { source: string; key: Promise<CryptoKey> } | undefined;
function encryptionKey(env: Env): Promise<CryptoKey> {
  if (cachedKey?.source !== env.TOTP_ENCRYPTION_KEY) {
    cachedKey = { source: env.TOTP_ENCRYPTION_KEY, key: importSecretKey(env.TOTP_ENCRYPTION_KEY) };
  }
  return cachedKey.key;
}

async function loadTfaState(tx: Transaction, userId: string) {
  const [row] = await tx
    .select({ email: users.email, tfaEnabled: users.tfaEnabled, tfaSecret: users.tfaSecret, lastStep: users.tfaLastUsedStep })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAt)))
    .limit(1);
  if (!row) throw problems.notFound('User');
  return row;
}

/**
 * Accepts `code` for the user at most once: the conditional UPDATE only moves the
 * last used step forward, so two concurrent submissions of one code cannot both pass.
 */
async function consumeCode(env: Env, tx: Transaction, userId: string, sealed: string, lastStep: number | null, code: string): Promise<number | null> {
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

export async function setupTfa(env: Env, stores: Stores, principal: Principal): Promise<{ secret: string; otpauthUrl: string }> {
  const secret = generateTotpSecret();
  const sealed = await sealSecret(await encryptionKey(env), secret, principal.userId);
  const email = await inTenantTx(stores.pg('auth').db, principal.tenantId, async (tx) => {
    const state = await loadTfaState(tx, principal.userId);
    if (state.tfaEnabled) throw problems.conflict('Two-factor authentication is already enabled; disable it first.');
    await tx.update(users).set({ tfaSecret: sealed, tfaLastUsedStep: null, updatedAt: sql`now()` }).where(eq(users.id, principal.userId));
    return state.email;
  });
  return { secret, otpauthUrl: totpUri({ secret, accountName: email, issuer: authConfig(env).totpIssuer }) };
}

export async function enableTfa(env: Env, stores: Stores, principal: Principal, code: string): Promise<void> {
  const step = await inTenantTx(stores.pg('auth').db, principal.tenantId, async (tx) => {
    const state = await loadTfaState(tx, principal.userId);
    if (state.tfaEnabled) throw problems.conflict('Two-factor authentication is already enabled.');
    if (!state.tfaSecret) throw problems.conflict('Call /auth/2fa/setup first.');
    const used = await consumeCode(env, tx, principal.userId, state.tfaSecret, state.lastStep, code);
    if (used === null) throw invalidCode();
    await tx.update(users).set({ tfaEnabled: true }).where(eq(users.id, principal.userId));
    return used;
  });
  // The consumed TOTP step is unique per user: it names this change.
  await notifySecurityEvent(env, { tenantId: principal.tenantId, userId: principal.userId, type: 'TFA_ENABLED', key: `${principal.userId}:${step}` });
}

export async function disableTfa(env: Env, stores: Stores, principal: Principal, code: string): Promise<void> {
  const step = await inTenantTx(stores.pg('auth').db, principal.tenantId, async (tx) => {
    const state = await loadTfaState(tx, principal.userId);
    if (!state.tfaEnabled || !state.tfaSecret) throw problems.conflict('Two-factor authentication is not enabled.');
    const used = await consumeCode(env, tx, principal.userId, state.tfaSecret, state.lastStep, code);
    if (used === null) throw invalidCode();
    await tx.update(users).set({ tfaEnabled: false, tfaSecret: null, tfaLastUsedStep: null }).where(eq(users.id, principal.userId));
    return used;
  });
  await notifySecurityEvent(env, { tenantId: principal.tenantId, userId: principal.userId, type: 'TFA_DISABLED', key: `${principal.userId}:${step}` });
}

/**
 * Second step of a 2FA login. A wrong code counts as a failed login (same lockout
 * as wrong passwords), so the challenge cannot be used to guess codes.
 */
export async function completeTfaLogin(env: Env, stores: Stores, challengeToken: string, code: string): Promise<Extract<LoginResult, { kind: 'tokens' }>> {
  const cfg = authConfig(env);
  const claims = await verifyPurposeToken(await keyRing(env.JWT_SIGNING_KEYS), TFA_CHALLENGE, challengeToken, { issuer: cfg.issuer, audience: cfg.audience });
  const tenantId = typeof claims.tid === 'string' ? claims.tid : '';
  const outcome = await inTenantTx(stores.pg('auth').db, tenantId, async (tx) => {
    const identity = await loadIdentityById(tx, claims.sub);
    if (!identity || identity.user.status !== 'ACTIVE') return { kind: 'invalid' as const };
    if (identity.user.accountLocked) return { kind: 'locked' as const };
    const { tfaEnabled, tfaSecret, tfaLastUsedStep } = identity.user;
    if (!tfaEnabled || !tfaSecret) return { kind: 'invalid' as const };
    if ((await consumeCode(env, tx, identity.user.id, tfaSecret, tfaLastUsedStep, code)) !== null) return { kind: 'ok' as const, identity };
    const [after] = await tx
      .update(users)
      .set({
        failedLoginAttempts: sql`${users.failedLoginAttempts} + 1`,
        accountLocked: sql`${users.failedLoginAttempts} + 1 >= ${cfg.maxFailedLogins}`,
        updatedAt: sql`now()`,
      })
      .where(eq(users.id, identity.user.id))
      .returning({ locked: users.accountLocked, at: users.updatedAt });
    if (after?.locked) {
      await revokeAllSessions(tx, identity.user.id);
      return { kind: 'locked' as const, lockedNow: { userId: identity.user.id, at: after.at } };
    }
    return { kind: 'bad-code' as const };
  });
  switch (outcome.kind) {
    case 'invalid':
      throw problems.unauthorized('The challenge is no longer valid; sign in again.');
    case 'locked':
      if ('lockedNow' in outcome && outcome.lockedNow) await announceLockout(env, tenantId, outcome.lockedNow.userId, outcome.lockedNow.at);
      throw problems.locked('The account is locked after too many failed logins. Contact support.');
    case 'bad-code':
      throw new Problem(401, 'invalid-totp-code', 'Invalid code', 'The authentication code is wrong or was already used.');
  }
  return (await completeLogin(env, stores, outcome.identity)) as Extract<LoginResult, { kind: 'tokens' }>;
}

import { and, eq, gt, sql } from 'drizzle-orm';

import type { Database, Transaction } from '../../db/pg/client.ts';
import { refreshTokens } from '../../db/pg/schema/index.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { Env } from '../../env.ts';
import { randomToken, sha256Hex } from '../../lib/bytes.ts';
import { authConfig } from '../../lib/config.ts';
import { keyRing, signAccessToken } from '../../lib/jwt.ts';
import { problems } from '../../lib/problem.ts';
import { loadIdentityById } from './identity.ts';
import type { Identity, TokenPair } from './model.ts';

/**
 * Sessions: a short-lived access JWT plus an opaque refresh token.
 *
 * Refresh tokens look like `rt_<tenantId>_<43 random chars>`: the tenant part lets the
 * server set the RLS tenant before looking the token up; only a SHA-256 hash is
 * stored. Every refresh rotates the token; all tokens descending from one login
 * share a `family_id`, and presenting an already-rotated token (a stolen copy being
 * replayed, or the legitimate one after theft) revokes the whole family.
 */

const REFRESH_TOKEN = /^rt_([0-9a-f-]{36})_([A-Za-z0-9_-]{43})$/;

function tenantOfRefreshToken(token: string): string | null {
  return REFRESH_TOKEN.exec(token)?.[1] ?? null;
}

async function signAccess(env: Env, identity: Identity): Promise<{ accessToken: string; expiresIn: number }> {
  const cfg = authConfig(env);
  const ring = await keyRing(env.JWT_SIGNING_KEYS);
  const accessToken = await signAccessToken(
    ring,
    { sub: identity.user.id, tid: identity.user.tenantId, roles: identity.roles, perms: identity.permissions },
    { issuer: cfg.issuer, audience: cfg.audience, ttlSeconds: cfg.accessTtlSeconds },
  );
  return { accessToken, expiresIn: cfg.accessTtlSeconds };
}

/** Inserts a refresh token (new family unless given) and signs an access token. */
export async function issueTokens(
  env: Env,
  tx: Transaction,
  identity: Identity,
  familyId?: string,
  id?: string,
): Promise<TokenPair> {
  const cfg = authConfig(env);
  const refreshToken = `rt_${identity.user.tenantId}_${randomToken(32)}`;
  const expiresAt = new Date(Date.now() + cfg.refreshTtlDays * 86_400_000);
  const [access] = await Promise.all([
    signAccess(env, identity),
    sha256Hex(refreshToken).then((hash) =>
      tx.insert(refreshTokens).values({
        id: id ?? crypto.randomUUID(),
        token: hash,
        userId: identity.user.id,
        tenantId: identity.user.tenantId,
        familyId: familyId ?? crypto.randomUUID(),
        expiresAt,
      }),
    ),
  ]);
  return { ...access, tokenType: 'Bearer', refreshToken, refreshTokenExpiresAt: expiresAt.toISOString() };
}

type RotateOutcome = { kind: 'ok'; tokens: TokenPair; identity: Identity } | { kind: 'reused' } | { kind: 'invalid' };

/**
 * Exchanges a refresh token for a new pair. The conditional UPDATE is the guard:
 * of two concurrent refreshes with one token exactly one wins; the other is
 * treated as reuse.
 */
export async function rotateRefreshToken(env: Env, db: Database, token: string): Promise<TokenPair> {
  const tenantId = tenantOfRefreshToken(token);
  if (!tenantId) throw problems.unauthorized('The refresh token is invalid.');
  const hash = await sha256Hex(token);
  const newId = crypto.randomUUID();

  const outcome = await inTenantTx<RotateOutcome>(db, tenantId, async (tx) => {
    const [rotated] = await tx
      .update(refreshTokens)
      .set({ revoked: true, revokedAt: sql`now()`, replacedBy: newId })
      .where(
        and(eq(refreshTokens.token, hash), eq(refreshTokens.revoked, false), gt(refreshTokens.expiresAt, sql`now()`)),
      )
      .returning({ userId: refreshTokens.userId, familyId: refreshTokens.familyId });
    if (!rotated) {
      const [known] = await tx
        .select({ familyId: refreshTokens.familyId, revoked: refreshTokens.revoked })
        .from(refreshTokens)
        .where(eq(refreshTokens.token, hash))
        .limit(1);
      if (known?.revoked) {
        await revokeFamily(tx, known.familyId);
        return { kind: 'reused' };
      }
      return { kind: 'invalid' };
    }
    const identity = await loadIdentityById(tx, rotated.userId);
    if (
      !identity ||
      identity.user.status !== 'ACTIVE' ||
      identity.user.accountLocked ||
      identity.tenantStatus !== 'ACTIVE'
    ) {
      await revokeFamily(tx, rotated.familyId);
      return { kind: 'invalid' };
    }
    return { kind: 'ok', identity, tokens: await issueTokens(env, tx, identity, rotated.familyId, newId) };
  });

  if (outcome.kind === 'reused')
    throw problems.unauthorized('The refresh token was already used; the session has been revoked.');
  if (outcome.kind === 'invalid') throw problems.unauthorized('The refresh token is invalid or expired.');
  return outcome.tokens;
}

async function revokeFamily(tx: Transaction, familyId: string): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revoked: true, revokedAt: sql`coalesce(${refreshTokens.revokedAt}, now())` })
    .where(and(eq(refreshTokens.familyId, familyId), eq(refreshTokens.revoked, false)));
}

/** Logout: revokes the session (token family) the refresh token belongs to. Idempotent. */
export async function revokeSession(db: Database, token: string, userId?: string): Promise<void> {
  const tenantId = tenantOfRefreshToken(token);
  if (!tenantId) return;
  const hash = await sha256Hex(token);
  await inTenantTx(db, tenantId, async (tx) => {
    const [row] = await tx
      .select({ familyId: refreshTokens.familyId, userId: refreshTokens.userId })
      .from(refreshTokens)
      .where(eq(refreshTokens.token, hash))
      .limit(1);
    if (row && (!userId || row.userId === userId)) await revokeFamily(tx, row.familyId);
  });
}

/** Revokes every session of a user (lock, suspend, delete, password change). */
export async function revokeAllSessions(tx: Transaction, userId: string): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revoked: true, revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.userId, userId), eq(refreshTokens.revoked, false)));
}

import { and, eq, gt, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import { refreshTokens } from '../../db/pg/schema/index.ts';
import { inTenantBatch, inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { Env } from '../../env.ts';
import { randomToken, sha256Hex } from '../../lib/bytes.ts';
import { authConfig } from '../../lib/config.ts';
import { keyRing, signAccessToken } from '../../lib/jwt.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
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

/** A new session's tokens, and the refresh token's row to insert (only its hash is stored). */
export interface MintedSession {
  tokens: TokenPair;
  row: { id: string; token: string; userId: string; tenantId: string; familyId: string; expiresAt: Date };
}

/** Signs an access token and draws a refresh token (new family unless given); writes nothing. */
export async function mintSession(
  env: Env,
  identity: Identity,
  familyId?: string,
  id?: string,
): Promise<MintedSession> {
  const cfg = authConfig(env);
  const refreshToken = `rt_${identity.user.tenantId}_${randomToken(32)}`;
  const expiresAt = new Date(Date.now() + cfg.refreshTtlDays * 86_400_000);
  const [access, hash] = await Promise.all([signAccess(env, identity), sha256Hex(refreshToken)]);
  return {
    tokens: { ...access, tokenType: 'Bearer', refreshToken, refreshTokenExpiresAt: expiresAt.toISOString() },
    row: {
      id: id ?? crypto.randomUUID(),
      token: hash,
      userId: identity.user.id,
      tenantId: identity.user.tenantId,
      familyId: familyId ?? crypto.randomUUID(),
      expiresAt,
    },
  };
}

/** Inserts a refresh token (new family unless given) and signs an access token, on the caller's transaction. */
export async function issueTokens(
  env: Env,
  tx: Transaction,
  identity: Identity,
  familyId?: string,
  id?: string,
): Promise<TokenPair> {
  const minted = await mintSession(env, identity, familyId, id);
  await tx.insert(refreshTokens).values(minted.row);
  return minted.tokens;
}

type RotateOutcome = { kind: 'ok'; tokens: TokenPair; identity: Identity } | { kind: 'reused' } | { kind: 'invalid' };

/**
 * Exchanges a refresh token for a new pair. The conditional UPDATE is the guard:
 * of two concurrent refreshes with one token exactly one wins; the other is
 * treated as reuse.
 */
export async function rotateRefreshToken(ctx: ServiceContext, input: { refreshToken: string }): Promise<TokenPair> {
  const token = input.refreshToken;
  const tenantId = tenantOfRefreshToken(token);
  if (!tenantId) throw problems.unauthorized('The refresh token is invalid.');
  const hash = await sha256Hex(token);
  const newId = crypto.randomUUID();

  const outcome = await inTenantTx<RotateOutcome>(ctx.stores.pg('auth').db, tenantId, async (tx) => {
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
    return { kind: 'ok', identity, tokens: await issueTokens(ctx.env, tx, identity, rotated.familyId, newId) };
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

/**
 * Logout: revokes the session (token family) the refresh token belongs to; with a signed-in
 * caller, only one of theirs. Idempotent. One statement (one round trip on the HTTP path).
 */
export async function revokeSession(ctx: ServiceContext, input: { refreshToken: string }): Promise<void> {
  const token = input.refreshToken;
  const userId = ctx.principal?.userId;
  const tenantId = tenantOfRefreshToken(token);
  if (!tenantId) return;
  const hash = await sha256Hex(token);
  await inTenantBatch(ctx.stores.pg('auth'), tenantId, (db) => [
    db
      .update(refreshTokens)
      .set({ revoked: true, revokedAt: sql`coalesce(${refreshTokens.revokedAt}, now())` })
      .where(
        and(
          eq(refreshTokens.revoked, false),
          sql`${refreshTokens.familyId} = (select family_id from auth.refresh_tokens where token = ${hash}${
            userId ? sql` and user_id = ${userId}` : sql``
          } limit 1)`,
        ),
      ),
  ]);
}

/**
 * Who may open the live feed, and until when. A socket lives as long as the access token it
 * was opened with: the `Authorization: Bearer` token itself, or a ticket (browsers cannot set
 * headers on a WebSocket) minted from one by `POST /notifications/stream/ticket`: a signed,
 * 60-second, single-use (its jti is spent in the user's feed object) token that carries the
 * access token's expiry. API keys have no expiry and cannot open the feed.
 *
 * Minting a ticket and opening the feed also re-read the account (auth's
 * `assertAccountInGoodStanding`: a locked, suspended or deleted user is refused though their
 * token is still valid), and the feed object refuses tokens issued before it last closed the
 * user's sockets (a lock racing the connect).
 */
import { decodeJwt } from 'jose';

import { authConfig } from '../../lib/config.ts';
import { keyRing, signPurposeToken, verifyPurposeToken } from '../../lib/jwt.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';

const STREAM_TICKET = 'stream-ticket';
const STREAM_TICKET_TTL_SECONDS = 60;

export interface StreamGrant {
  tenantId: string;
  userId: string;
  /** Epoch ms: the socket closes then. */
  expiresAt: number;
  /** Epoch s: when the access token was issued (the feed refuses tokens older than its last revocation). */
  issuedAt: number;
  /** A ticket's id, spent on first use. */
  ticketId?: string;
}

/** The expiry of the bearer token that authenticated this request (its Authorization header). */
export function bearerGrant(ctx: Pick<ServiceContext, 'principal'>, authorization: string | undefined): StreamGrant {
  const principal = ctx.principal;
  if (!principal) throw problems.unauthorized('The feed needs an access token (Authorization header or ?ticket=).');
  if (principal.method !== 'token' || !authorization)
    throw problems.unauthorized('The feed needs an access token; API keys cannot open it.');
  const { exp, iat } = decodeJwt(authorization.split(' ', 2)[1] ?? ''); // verified by the auth middleware already
  if (typeof exp !== 'number' || typeof iat !== 'number') throw problems.unauthorized('The token is invalid.');
  return { tenantId: principal.tenantId, userId: principal.userId, expiresAt: exp * 1000, issuedAt: iat };
}

export async function issueStreamTicket(
  ctx: Pick<ServiceContext, 'env'>,
  grant: StreamGrant,
): Promise<{ ticket: string; expiresIn: number }> {
  const { env } = ctx;
  const cfg = authConfig(env);
  const ttl = Math.max(1, Math.min(STREAM_TICKET_TTL_SECONDS, Math.floor((grant.expiresAt - Date.now()) / 1000)));
  const ticket = await signPurposeToken(
    await keyRing(env.JWT_SIGNING_KEYS),
    STREAM_TICKET,
    grant.userId,
    { tid: grant.tenantId, tokenExp: grant.expiresAt, tokenIat: grant.issuedAt },
    { ...cfg, ttlSeconds: ttl },
  );
  return { ticket, expiresIn: ttl };
}

export async function redeemStreamTicket(ctx: Pick<ServiceContext, 'env'>, ticket: string): Promise<StreamGrant> {
  const { env } = ctx;
  const cfg = authConfig(env);
  const payload = await verifyPurposeToken(await keyRing(env.JWT_SIGNING_KEYS), STREAM_TICKET, ticket, cfg);
  const { tid, tokenExp, tokenIat, jti } = payload as typeof payload & {
    tid?: unknown;
    tokenExp?: unknown;
    tokenIat?: unknown;
  };
  if (
    typeof tid !== 'string' ||
    typeof tokenExp !== 'number' ||
    typeof tokenIat !== 'number' ||
    typeof jti !== 'string'
  )
    throw problems.unauthorized('The ticket is invalid.');
  return { tenantId: tid, userId: payload.sub, expiresAt: tokenExp, issuedAt: tokenIat, ticketId: jti };
}

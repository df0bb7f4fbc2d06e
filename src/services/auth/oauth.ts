import { and, eq, sql } from 'drizzle-orm';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

import { users, type Tenant } from '../../db/pg/schema/index.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import type { Env } from '../../env.ts';
import { randomToken } from '../../lib/bytes.ts';
import { UNUSABLE_PASSWORD } from '../../lib/passwords.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { createProfileOf, createUserInSeat, finishSignIn } from './accounts.ts';
import { authErrors } from './errors.ts';
import { loadIdentity, loadIdentityById } from './identity.ts';
import { OAUTH_PROVIDERS, type Identity, type LoginResult, type OAuthProviderName } from './model.ts';
import { assertTenantActive } from './tenants.ts';

/**
 * Social sign-in with the provider's OpenID Connect ID token. The token is verified
 * against the provider's JWKS (fetched and cached by jose), with issuer and audience
 * from OAUTH_PROVIDERS. Then, in order:
 *  1. a user already linked to (provider, sub) signs in;
 *  2. else a user with the same email, when the provider says the email is verified
 *     and the user has no other provider linked, is linked and signs in;
 *  3. else a new user is created (USER role, unusable password, email verified).
 */

interface ProviderConfig {
  issuer: string;
  jwksUrl: string;
  audience: string;
}

const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function providerConfig(env: Env, provider: OAuthProviderName): ProviderConfig {
  let all: Partial<Record<string, ProviderConfig>> = {};
  try {
    all = env.OAUTH_PROVIDERS ? (JSON.parse(env.OAUTH_PROVIDERS) as typeof all) : {};
  } catch {
    all = {};
  }
  const cfg = all[provider];
  if (!cfg?.issuer || !cfg.jwksUrl || !cfg.audience) {
    throw authErrors.providerNotConfigured(provider);
  }
  return cfg;
}

async function verifyIdToken(cfg: ProviderConfig, idToken: string): Promise<JWTPayload & { sub: string }> {
  let jwks = jwksCache.get(cfg.jwksUrl);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(cfg.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    jwksCache.set(cfg.jwksUrl, jwks);
  }
  try {
    const { payload } = await jwtVerify(idToken, jwks, {
      issuer: cfg.issuer,
      audience: cfg.audience,
      algorithms: ['RS256', 'ES256'],
    });
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new Error('no sub');
    return payload as JWTPayload & { sub: string };
  } catch {
    throw problems.unauthorized('The ID token is invalid.');
  }
}

const str = (v: unknown, max: number) => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);

export async function signInWithProvider(
  ctx: ServiceContext,
  input: { tenant: Tenant; provider: OAuthProviderName; idToken: string },
): Promise<LoginResult> {
  const { tenant, provider, idToken } = input;
  assertTenantActive(tenant);
  const claims = await verifyIdToken(providerConfig(ctx.env, provider), idToken);
  const authProvider = OAUTH_PROVIDERS[provider];
  const email = str(claims.email, 255)?.toLowerCase() ?? null;
  const emailVerified = claims.email_verified === true;
  const db = ctx.stores.pg('auth').db;

  const outcome = await inTenantTx(db, tenant.id, async (tx): Promise<{ identity: Identity; created: boolean }> => {
    const linked = await loadIdentity(tx, and(eq(users.authProvider, authProvider), eq(users.providerId, claims.sub))!);
    if (linked) return { identity: linked, created: false };

    if (email) {
      const sameEmail = await loadIdentity(tx, eq(sql`lower(${users.email})`, email));
      if (sameEmail) {
        if (!emailVerified || sameEmail.user.providerId) {
          throw problems.conflict('An account with this email exists; sign in with it first to link this provider.');
        }
        await tx
          .update(users)
          .set({ authProvider, providerId: claims.sub, emailVerified: true, updatedAt: sql`now()` })
          .where(eq(users.id, sameEmail.user.id));
        return { identity: (await loadIdentityById(tx, sameEmail.user.id))!, created: false };
      }
    }
    if (!email || !emailVerified)
      throw problems.validation([{ field: 'body.idToken', message: 'the provider did not assert a verified email' }]);

    const username = `${
      email
        .split('@')[0]!
        .replace(/[^A-Za-z0-9._-]/g, '')
        .slice(0, 80) || 'user'
    }-${randomToken(6)
      .replace(/[^A-Za-z0-9]/g, 'x')
      .slice(0, 8)}`;
    const identity = await createUserInSeat(tx, tenant.id, {
      email,
      username,
      passwordHash: UNUSABLE_PASSWORD,
      firstName: str(claims.given_name, 100),
      lastName: str(claims.family_name, 100),
      authProvider,
      providerId: claims.sub,
      emailVerified: true,
    });
    return { identity, created: true };
  });

  const { user } = outcome.identity;
  if (user.accountLocked) throw authErrors.accountLocked();
  if (user.status !== 'ACTIVE') throw authErrors.accountInactive();
  if (outcome.created) {
    await createProfileOf(ctx, user);
  }
  return finishSignIn(ctx, outcome.identity);
}

import type { Context } from 'hono';

import { inTenantRead } from '../../db/pg/tenant-tx.ts';
import { authConfig } from '../../lib/config.ts';
import { createRouter } from '../../lib/create-router.ts';
import { keyRing } from '../../lib/jwt.ts';
import { problems } from '../../lib/problem.ts';
import type { AppEnv } from '../../lib/types.ts';
import { principalOf } from '../../middleware/auth.ts';
import { noStore } from '../../middleware/no-store.ts';
import { tenantOfRequest } from '../../middleware/tenant.ts';
import {
  acceptInvitation,
  completeTfaLogin,
  createApiKey,
  disableTfa,
  enableTfa,
  listApiKeys,
  loadIdentityById,
  login,
  publicUser,
  recordSignIn,
  register,
  revokeApiKey,
  revokeSession,
  rotateRefreshToken,
  setupTfa,
  signInClient,
  signInWithProvider,
} from '../../services/auth/index.ts';
import { mergeOnSignIn } from '../../services/carts/index.ts';
import * as routes from './auth.routes.ts';

export const jwksRoutes = createRouter().openapi(routes.jwks, async (c) => {
  const ring = await keyRing(c.env.JWT_SIGNING_KEYS);
  c.header('cache-control', `public, max-age=${Math.min(authConfig(c.env).accessTtlSeconds, 300)}`);
  return c.json(ring.jwks, 200);
});

const router = createRouter();
// Every /auth answer may carry a token or a secret (errors too, for uniformity).
router.use('/auth/*', noStore);

/** A password or social sign-in's answer: the 2FA challenge, or the session once the device is recorded (new-sign-in alerts). */
async function signInAnswer(
  c: Context<AppEnv>,
  result: Awaited<ReturnType<typeof login>>, // signInWithProvider answers the same union
) {
  if (result.kind === 'tfa-required') {
    return { tfaRequired: true as const, challengeToken: result.challengeToken, expiresIn: result.expiresIn };
  }
  await recordSignIn(
    c.env,
    c.get('stores'),
    result.user,
    signInClient((n) => c.req.header(n)),
  );
  return { user: result.user, tokens: result.tokens };
}

export const authRoutes = router
  .route('/', jwksRoutes)
  .openapi(routes.register, async (c) => {
    const stores = c.get('stores');
    const tenant = await tenantOfRequest(c);
    const session = await register(c.env, stores, tenant, c.req.valid('json'));
    return c.json(session, 201);
  })
  .openapi(routes.login, async (c) => {
    const stores = c.get('stores');
    const tenant = await tenantOfRequest(c);
    const { login: name, password } = c.req.valid('json');
    const result = await login(c.env, stores, tenant, name, password);
    const { 'x-cart-id': cartId, 'x-cart-token': cartToken } = c.req.valid('header');
    if (result.kind !== 'tfa-required' && cartId && cartToken) {
      const scope = { env: c.env, tenantId: tenant.id, logger: c.get('logger') };
      const cart = await mergeOnSignIn(scope, { userId: result.user.id, cartId, token: cartToken });
      if (cart) c.header('x-cart-id', cart.id);
    }
    return c.json(await signInAnswer(c, result), 200);
  })
  .openapi(routes.loginTfa, async (c) => {
    const { challengeToken, code } = c.req.valid('json');
    const result = await completeTfaLogin(c.env, c.get('stores'), challengeToken, code);
    await recordSignIn(
      c.env,
      c.get('stores'),
      result.user,
      signInClient((n) => c.req.header(n)),
    );
    return c.json({ user: result.user, tokens: result.tokens }, 200);
  })
  .openapi(routes.acceptInvitation, async (c) => {
    const { invitationToken, password } = c.req.valid('json');
    return c.json(await acceptInvitation(c.env, c.get('stores'), invitationToken, password), 200);
  })
  .openapi(routes.refresh, async (c) => {
    const tokens = await rotateRefreshToken(c.env, c.get('stores').pg('auth').db, c.req.valid('json').refreshToken);
    return c.json(tokens, 200);
  })
  .openapi(routes.logout, async (c) => {
    await revokeSession(c.get('stores').pg('auth').db, c.req.valid('json').refreshToken, c.get('principal')?.userId);
    return c.body(null, 204);
  })
  .openapi(routes.me, async (c) => {
    const principal = principalOf(c);
    const identity = await inTenantRead(c.get('stores').pg('auth'), principal.tenantId, (tx) =>
      loadIdentityById(tx, principal.userId),
    );
    if (!identity) throw problems.notFound('User');
    return c.json(publicUser(identity), 200);
  })
  .openapi(routes.createApiKey, async (c) => {
    const created = await createApiKey(c.get('stores').pg('auth').db, principalOf(c), c.req.valid('json'), c.env);
    return c.json(created, 201);
  })
  .openapi(routes.listApiKeys, async (c) => {
    const data = await listApiKeys(c.get('stores').pg('auth').db, principalOf(c));
    return c.json({ data }, 200);
  })
  .openapi(routes.revokeApiKey, async (c) => {
    await revokeApiKey(c.get('stores').pg('auth').db, principalOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(routes.tfaSetup, async (c) => {
    return c.json(await setupTfa(c.env, c.get('stores'), principalOf(c)), 200);
  })
  .openapi(routes.tfaEnable, async (c) => {
    await enableTfa(c.env, c.get('stores'), principalOf(c), c.req.valid('json').code);
    return c.body(null, 204);
  })
  .openapi(routes.tfaDisable, async (c) => {
    await disableTfa(c.env, c.get('stores'), principalOf(c), c.req.valid('json').code);
    return c.body(null, 204);
  })
  .openapi(routes.oauth, async (c) => {
    const stores = c.get('stores');
    const tenant = await tenantOfRequest(c);
    const result = await signInWithProvider(
      c.env,
      stores,
      tenant,
      c.req.valid('param').provider,
      c.req.valid('json').idToken,
    );
    return c.json(await signInAnswer(c, result), 200);
  });

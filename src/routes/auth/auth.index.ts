import type { Context } from 'hono';

import { authConfig } from '../../lib/config.ts';
import { createRouter } from '../../lib/create-router.ts';
import { keyRing } from '../../lib/jwt.ts';
import { problems } from '../../lib/problem.ts';
import type { AppEnv } from '../../lib/types.ts';
import { afterResponse } from '../../middleware/after-response.ts';
import { noStore } from '../../middleware/no-store.ts';
import { ctxOf, tenantOfRequest } from '../../middleware/tenant.ts';
import {
  acceptInvitation,
  completeTfaLogin,
  createApiKey,
  currentUser,
  disableTfa,
  enableTfa,
  listApiKeys,
  login,
  recordSignIn,
  register,
  revokeApiKey,
  revokeSession,
  rotateRefreshToken,
  setupTfa,
  signInClient,
  signInWithProvider,
  type LoginResult,
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

/** A signed-in user's device, recorded after the answer (new-sign-in alerts; services/auth/devices.ts). */
function recordDevice(c: Context<AppEnv>, user: { id: string; tenantId: string }) {
  const client = signInClient((n) => c.req.header(n));
  return afterResponse(c, user.tenantId, (ctx) => recordSignIn(ctx, { user, client }));
}

/** A password or social sign-in's answer: the 2FA challenge, or the session (its device recorded after the answer). */
async function signInAnswer(c: Context<AppEnv>, result: LoginResult) {
  if (result.kind === 'tfa-required') {
    return { tfaRequired: true as const, challengeToken: result.challengeToken, expiresIn: result.expiresIn };
  }
  await recordDevice(c, result.user);
  return { user: result.user, tokens: result.tokens };
}

export const authRoutes = router
  .route('/', jwksRoutes)
  .openapi(routes.register, async (c) => {
    const tenant = await tenantOfRequest(c);
    return c.json(await register(ctxOf(c), { ...c.req.valid('json'), tenant }), 201);
  })
  .openapi(routes.login, async (c) => {
    const ctx = ctxOf(c);
    const result = await login(ctx, c.req.valid('json'));
    const { 'x-cart-id': cartId, 'x-cart-token': cartToken } = c.req.valid('header');
    if (result.kind !== 'tfa-required' && cartId && cartToken) {
      const cart = await mergeOnSignIn(ctx, { userId: result.user.id, cartId, token: cartToken });
      if (cart) c.header('x-cart-id', cart.id);
    }
    return c.json(await signInAnswer(c, result), 200);
  })
  .openapi(routes.loginTfa, async (c) => {
    const result = await completeTfaLogin(ctxOf(c), c.req.valid('json'));
    await recordDevice(c, result.user);
    return c.json({ user: result.user, tokens: result.tokens }, 200);
  })
  .openapi(routes.acceptInvitation, async (c) => {
    return c.json(await acceptInvitation(ctxOf(c), c.req.valid('json')), 200);
  })
  .openapi(routes.refresh, async (c) => {
    return c.json(await rotateRefreshToken(ctxOf(c), c.req.valid('json')), 200);
  })
  .openapi(routes.logout, async (c) => {
    await revokeSession(ctxOf(c), c.req.valid('json'));
    return c.body(null, 204);
  })
  .openapi(routes.me, async (c) => {
    const user = await currentUser(ctxOf(c));
    if (!user) throw problems.notFound('User');
    return c.json(user, 200);
  })
  .openapi(routes.createApiKey, async (c) => {
    return c.json(await createApiKey(ctxOf(c), c.req.valid('json')), 201);
  })
  .openapi(routes.listApiKeys, async (c) => {
    return c.json({ data: await listApiKeys(ctxOf(c)) }, 200);
  })
  .openapi(routes.revokeApiKey, async (c) => {
    await revokeApiKey(ctxOf(c), c.req.valid('param'));
    return c.body(null, 204);
  })
  .openapi(routes.tfaSetup, async (c) => {
    return c.json(await setupTfa(ctxOf(c)), 200);
  })
  .openapi(routes.tfaEnable, async (c) => {
    await enableTfa(ctxOf(c), c.req.valid('json'));
    return c.body(null, 204);
  })
  .openapi(routes.tfaDisable, async (c) => {
    await disableTfa(ctxOf(c), c.req.valid('json'));
    return c.body(null, 204);
  })
  .openapi(routes.oauth, async (c) => {
    const tenant = await tenantOfRequest(c);
    const { provider } = c.req.valid('param');
    const result = await signInWithProvider(ctxOf(c), { tenant, provider, idToken: c.req.valid('json').idToken });
    return c.json(await signInAnswer(c, result), 200);
  });

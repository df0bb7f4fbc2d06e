import { createRoute, z } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { accountOf, rateLimit } from '../../middleware/rate-limit.ts';
import { TenantHeader } from '../../middleware/tenant.ts';
import { jsonBody, jsonResponse, problemResponses, UuidParam } from '../schemas.ts';
import {
  ApiKeyCreateBody,
  ApiKeySchema,
  InvitationAcceptBody,
  LoginBody,
  RefreshBody,
  RegisterBody,
  SessionSchema,
  TfaChallengeSchema,
  TokenPairSchema,
  TotpCode,
  UserSchema,
} from './auth.schemas.ts';

const tags = ['Auth'];

/**
 * Who may call each route is declared with `access.*` (src/middleware/access.ts).
 * Sign-in, registration, refresh and every TOTP check are rate limited per client
 * and per account (src/middleware/rate-limit.ts). Every response of these routes
 * is `Cache-Control: no-store` (auth.index.ts): they carry tokens and secrets.
 */

export const register = createRoute({
  method: 'post',
  path: '/auth/register',
  tags,
  ...access.public({ tenant: true, also: [rateLimit('register', accountOf.bodyName('email'))] }),
  summary: 'Register a user in the tenant (X-Tenant-ID or tenant domain)',
  request: { headers: TenantHeader, body: jsonBody(RegisterBody) },
  responses: {
    201: jsonResponse(SessionSchema, 'Registered and signed in'),
    ...problemResponses(400, 403, 404, 409, 415, 429),
  },
});

/** An anonymous cart to merge on sign-in (src/services/carts). */
const SignInCartHeaders = z.object({
  'x-cart-id': z
    .uuid()
    .optional()
    .openapi({ param: { name: 'x-cart-id', in: 'header' } }),
  'x-cart-token': z
    .string()
    .min(10)
    .max(200)
    .optional()
    .openapi({ param: { name: 'x-cart-token', in: 'header' } }),
});

export const login = createRoute({
  method: 'post',
  path: '/auth/login',
  tags,
  ...access.public({ tenant: true, also: [rateLimit('login', accountOf.bodyName('login'))] }),
  summary: 'Sign in with email or username and password',
  description:
    'With `X-Cart-Id` and `X-Cart-Token` (an anonymous cart), a sign-in without 2FA also merges that cart into ' +
    "the user's open cart (as POST /carts/{id}/merge) and answers the cart's id in `X-Cart-Id`; a cart that cannot " +
    'be merged leaves the sign-in as it is (no header).',
  request: { headers: TenantHeader.extend(SignInCartHeaders.shape), body: jsonBody(LoginBody) },
  responses: {
    200: {
      headers: z.object({ 'x-cart-id': z.string().optional() }),
      description: 'Signed in, or a 2FA challenge when the account has TOTP enabled',
      content: { 'application/json': { schema: z.union([SessionSchema, TfaChallengeSchema]) } },
    },
    ...problemResponses(400, 401, 403, 404, 423, 429),
  },
});

export const loginTfa = createRoute({
  method: 'post',
  path: '/auth/login/2fa',
  tags,
  ...access.public({ also: [rateLimit('login-2fa', accountOf.tokenSubject('challengeToken'))] }),
  summary: 'Second step of a 2FA sign-in: the challenge token and a TOTP code',
  request: { body: jsonBody(z.object({ challengeToken: z.string().min(1).max(2000), code: TotpCode }).strict()) },
  responses: { 200: jsonResponse(SessionSchema, 'Signed in'), ...problemResponses(400, 401, 423, 429) },
});

export const acceptInvitation = createRoute({
  method: 'post',
  path: '/auth/invitations/accept',
  tags,
  ...access.public({ also: [rateLimit('invitation', accountOf.tokenSubject('invitationToken'))] }),
  summary:
    "Accept an invitation (e.g. a new tenant's first ADMIN) with a password of your own: activates the account and signs in",
  request: { body: jsonBody(InvitationAcceptBody) },
  responses: { 200: jsonResponse(SessionSchema, 'Activated and signed in'), ...problemResponses(400, 401, 403, 429) },
});

export const refresh = createRoute({
  method: 'post',
  path: '/auth/refresh',
  tags,
  ...access.public({ also: [rateLimit('refresh', accountOf.refreshToken)] }),
  summary: 'Rotate a refresh token for a new token pair',
  request: { body: jsonBody(RefreshBody) },
  responses: { 200: jsonResponse(TokenPairSchema, 'New tokens'), ...problemResponses(400, 401, 429) },
});

export const logout = createRoute({
  method: 'post',
  path: '/auth/logout',
  tags,
  ...access.public(),
  summary: 'Revoke the session of a refresh token',
  request: { body: jsonBody(RefreshBody) },
  responses: { 204: { description: 'Signed out' }, ...problemResponses(400) },
});

export const me = createRoute({
  method: 'get',
  path: '/auth/me',
  tags,
  summary: 'The signed-in user',
  ...access.permission('read:profile'),
  responses: { 200: jsonResponse(UserSchema, 'The user'), ...problemResponses(401, 403, 404) },
});

export const jwks = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags,
  ...access.public(),
  summary: 'Public keys that verify access tokens',
  responses: { 200: jsonResponse(z.object({ keys: z.array(z.record(z.string(), z.unknown())) }), 'JWK set') },
});

export const createApiKey = createRoute({
  method: 'post',
  path: '/auth/api-keys',
  tags,
  summary: 'Create an API key (the key is shown once)',
  ...access.userToken(),
  request: { body: jsonBody(ApiKeyCreateBody) },
  responses: {
    201: jsonResponse(z.object({ key: z.string(), apiKey: ApiKeySchema }), 'Created'),
    ...problemResponses(400, 401, 403),
  },
});

export const listApiKeys = createRoute({
  method: 'get',
  path: '/auth/api-keys',
  tags,
  summary: "The caller's API keys",
  ...access.userToken(),
  responses: { 200: jsonResponse(z.object({ data: z.array(ApiKeySchema) }), 'Keys'), ...problemResponses(401, 403) },
});

export const revokeApiKey = createRoute({
  method: 'delete',
  path: '/auth/api-keys/{id}',
  tags,
  summary: 'Revoke an API key',
  ...access.userToken(),
  request: { params: UuidParam },
  responses: { 204: { description: 'Revoked' }, ...problemResponses(400, 401, 403, 404) },
});

export const tfaSetup = createRoute({
  method: 'post',
  path: '/auth/2fa/setup',
  tags,
  summary: 'Start TOTP setup: a new secret and its otpauth:// URL',
  ...access.userToken({ also: [rateLimit('2fa', accountOf.principal)] }),
  responses: {
    200: jsonResponse(
      z.object({ secret: z.string(), otpauthUrl: z.string() }),
      'Scan the URL, then enable with a code',
    ),
    ...problemResponses(401, 403, 409, 429),
  },
});

export const tfaEnable = createRoute({
  method: 'post',
  path: '/auth/2fa/enable',
  tags,
  summary: 'Enable TOTP with a valid code (a wrong code counts towards the lockout)',
  ...access.userToken({ also: [rateLimit('2fa', accountOf.principal)] }),
  request: { body: jsonBody(z.object({ code: TotpCode }).strict()) },
  responses: { 204: { description: 'Enabled' }, ...problemResponses(400, 401, 403, 409, 423, 429) },
});

export const tfaDisable = createRoute({
  method: 'post',
  path: '/auth/2fa/disable',
  tags,
  summary: 'Disable TOTP with a valid code (a wrong code counts towards the lockout)',
  ...access.userToken({ also: [rateLimit('2fa', accountOf.principal)] }),
  request: { body: jsonBody(z.object({ code: TotpCode }).strict()) },
  responses: { 204: { description: 'Disabled' }, ...problemResponses(400, 401, 403, 409, 423, 429) },
});

export const oauth = createRoute({
  method: 'post',
  path: '/auth/oauth/{provider}',
  tags,
  ...access.public({ tenant: true, also: [rateLimit('oauth')] }),
  summary: "Sign in (or link, or sign up) with a provider's OpenID Connect ID token",
  request: {
    headers: TenantHeader,
    params: z.object({
      provider: z.enum(['google', 'github', 'facebook']).openapi({ param: { name: 'provider', in: 'path' } }),
    }),
    body: jsonBody(z.object({ idToken: z.string().min(1).max(8192) }).strict()),
  },
  responses: {
    200: {
      description: 'Signed in, or a 2FA challenge',
      content: { 'application/json': { schema: z.union([SessionSchema, TfaChallengeSchema]) } },
    },
    ...problemResponses(400, 401, 403, 404, 409, 423, 429),
  },
});

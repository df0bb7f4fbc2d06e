import { z } from '@hono/zod-openapi';

import { apiKeys, users } from '../../db/pg/schema/index.ts';
import { createSelectSchema, isoTimestamp, lengthOf, textFor } from '../table-schemas.ts';

export const Email = z
  .email()
  .max(lengthOf(users.email))
  .transform((e) => e.toLowerCase());
export const Username = z
  .string()
  .min(3)
  .max(lengthOf(users.username))
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, underscore and dash only');

export const RegisterBody = z
  .object({
    email: Email,
    username: Username,
    password: z.string().min(1).max(128),
    firstName: textFor(users.firstName).optional(),
    lastName: textFor(users.lastName).optional(),
  })
  .strict()
  .openapi('RegisterRequest');

export const LoginBody = z
  .object({
    login: z.string().min(1).max(255).openapi({ description: 'Email or username', example: 'admin@example.com' }),
    password: z.string().min(1).max(128),
  })
  .strict()
  .openapi('LoginRequest');

export const InvitationAcceptBody = z
  .object({
    invitationToken: z.string().min(1).max(2000),
    password: z
      .string()
      .min(1)
      .max(128)
      .openapi({ description: 'Your new password (the registration policy applies)' }),
  })
  .strict()
  .openapi('InvitationAcceptRequest');

export const RefreshBody = z
  .object({ refreshToken: z.string().min(1).max(200) })
  .strict()
  .openapi('RefreshRequest');

export const TokenPairSchema = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int(),
    refreshToken: z.string(),
    refreshTokenExpiresAt: z.string(),
  })
  .openapi('TokenPair');

/** The auth.users row without its secrets and bookkeeping, plus the user's roles and permissions. */
export const UserSchema = createSelectSchema(users, { lastLoginAt: isoTimestamp, createdAt: isoTimestamp })
  .pick({
    id: true,
    tenantId: true,
    email: true,
    username: true,
    firstName: true,
    lastName: true,
    authProvider: true,
    status: true,
    emailVerified: true,
    accountLocked: true,
    tfaEnabled: true,
    lastLoginAt: true,
    createdAt: true,
  })
  .extend({ roles: z.array(z.string()), permissions: z.array(z.string()) })
  .openapi('User');

export const SessionSchema = z.object({ user: UserSchema, tokens: TokenPairSchema }).openapi('Session');

export const TfaChallengeSchema = z
  .object({ tfaRequired: z.literal(true), challengeToken: z.string(), expiresIn: z.number().int() })
  .openapi('TfaChallenge');

export const TotpCode = z
  .string()
  .regex(/^\d{6}$/, 'must be 6 digits')
  .openapi({ example: '123456' });

export const ApiKeyCreateBody = z
  .object({
    name: textFor(apiKeys.name),
    scopes: z.array(z.string().min(1).max(100)).min(1).max(50),
    expiresInDays: z.number().int().min(1).max(365).default(90),
  })
  .strict()
  .openapi('ApiKeyCreateRequest');

/** The auth.api_keys row without the key's hash, owner and tenant; `prefix` is the key_prefix column. */
const apiKeyColumns = createSelectSchema(apiKeys, {
  expiresAt: isoTimestamp,
  lastUsedAt: isoTimestamp,
  createdAt: isoTimestamp,
});
export const ApiKeySchema = apiKeyColumns
  .pick({ id: true, name: true, scopes: true, revoked: true, expiresAt: true, lastUsedAt: true, createdAt: true })
  .extend({ prefix: apiKeyColumns.shape.keyPrefix })
  .openapi('ApiKey');

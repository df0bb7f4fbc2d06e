/** The auth service's domain: who is calling, a user with their roles, tokens, sign-in results, invitations. */
import type { User } from '../../db/pg/schema/index.ts';
import type { PublicUser } from './views.ts';

/** Who is calling: established once per request by the auth middleware. */
export interface Principal {
  userId: string;
  tenantId: string;
  roles: string[];
  /** Effective permissions: from the token, or an API key's scopes ∩ the owner's permissions. */
  permissions: string[];
  method: 'token' | 'api-key';
  apiKeyId?: string;
}

/** Staff roles see every order and payment of their tenant. */
export const STAFF_ROLES = ['ADMIN', 'MANAGER', 'SUPPORT'] as const;

export function isStaff(principal: Principal | null): boolean {
  return principal !== null && principal.roles.some((r) => (STAFF_ROLES as readonly string[]).includes(r));
}

export interface Identity {
  user: User;
  roles: string[];
  permissions: string[];
  /** Status of the user's tenant: sessions of a SUSPENDED or DELETED tenant end. */
  tenantStatus: string;
}

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

export const TFA_CHALLENGE = 'tfa-challenge';

export interface RegisterInput {
  email: string;
  username: string;
  password: string;
  firstName?: string | null;
  lastName?: string | null;
}

export type LoginResult =
  | { kind: 'tokens'; user: PublicUser; tokens: TokenPair }
  | { kind: 'tfa-required'; challengeToken: string; expiresIn: number };

export const INVITATION = 'invitation';

export const INVITATION_TTL_SECONDS = 7 * 86_400;

export interface Invitee {
  email: string;
  username: string;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
}

export interface Invitation {
  user: PublicUser;
  invitationToken: string;
  expiresAt: string;
}

export const OAUTH_PROVIDERS = { google: 'GOOGLE', github: 'GITHUB', facebook: 'FACEBOOK' } as const;

export type OAuthProviderName = keyof typeof OAUTH_PROVIDERS;

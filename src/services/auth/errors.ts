/**
 * Problem types of the auth service (sign-in, 2FA, API keys, tenants' admission), each with
 * one status. A wrong second factor at the 2FA login step is a failed sign-in like a wrong
 * password: 401 `invalid-credentials`. `invalid-totp-code` (400, naming `body.code`) is the
 * wrong code of a signed-in user enabling or disabling 2FA.
 */
import { Problem, problems } from '../../lib/problem.ts';

export const authErrors = {
  invalidCredentials: (detail = 'The login or password is wrong.') =>
    new Problem(401, 'invalid-credentials', 'Invalid credentials', detail),
  wrongLoginCode: () => authErrors.invalidCredentials('The authentication code is wrong or was already used.'),
  invalidTotpCode: () =>
    new Problem(400, 'invalid-totp-code', 'Invalid code', 'The authentication code is wrong or was already used.', {
      errors: [{ field: 'body.code', message: 'wrong or already used' }],
    }),
  /** Locked by an administrator (the only permanent lock). */
  accountLocked: () => problems.locked('The account is locked by an administrator. Contact support.'),
  /** Sign-in paused after failures in a row (services/auth/lockout.ts); over by itself. */
  accountPaused: (retryAfterSeconds: number) =>
    new Problem(
      423,
      'account-temporarily-locked',
      'Account temporarily locked',
      `Too many failed sign-ins in a row: try again in ${retryAfterSeconds} s.`,
      { headers: { 'retry-after': String(retryAfterSeconds) }, extensions: { retryAfter: retryAfterSeconds } },
    ),
  accountInactive: () => new Problem(403, 'account-inactive', 'Account inactive', 'This account cannot sign in.'),
  tenantInactive: () => new Problem(403, 'tenant-inactive', 'Tenant inactive', 'This tenant is not active.'),
  seatLimit: (maxUsers: number) =>
    new Problem(409, 'seat-limit', 'Seat limit reached', `This tenant's plan allows ${maxUsers} users.`),
  providerNotConfigured: (provider: string) =>
    new Problem(
      404,
      'provider-not-configured',
      'Provider not configured',
      `Sign-in with ${provider} is not configured.`,
    ),
  scopeExceedsPermissions: (outside: string[]) =>
    new Problem(
      403,
      'scope-exceeds-permissions',
      'Scope exceeds permissions',
      `You do not hold: ${outside.join(', ')}.`,
      {
        errors: [{ field: 'body.scopes', message: `not among your permissions: ${outside.join(', ')}` }],
      },
    ),
  tenantNotFound: () => problems.notFound('Tenant'),
  userNotFound: () => problems.notFound('User'),
  apiKeyNotFound: () => problems.notFound('API key'),
};

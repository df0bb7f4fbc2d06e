/** The auth service's public surface: sign-up and sign-in, sessions, 2FA, social sign-in, API keys, invitations, tenants' admission. */
export { createUserInSeat, finishSignIn, login, register } from './accounts.ts';
export { rotateRefreshToken, revokeAllSessions, revokeSession, tenantOfRefreshToken } from './sessions.ts';
export { completeTfaLogin, disableTfa, enableTfa, setupTfa } from './two-factor.ts';
export { signInWithProvider } from './oauth.ts';
export { authenticateApiKey, createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
export { acceptInvitation, inviteOrReinvite, inviteUser } from './invitations.ts';
export { loadIdentityById, loadIdentityByLogin } from './identity.ts';
export { recordSignIn, signInClient, type SignInClient } from './devices.ts';
export { assertTenantActive, tenantByDomain, tenantById } from './tenants.ts';
export { notifySecurityEvent, type SecurityEvent, type SecurityEventType } from './security-events.ts';
export { authErrors } from './errors.ts';
export { assertAccountInGoodStanding } from './account-status.ts';
export { clearedFailures, lockStateOf, LOCKOUT_BASE_SECONDS, LOCKOUT_MAX_SECONDS } from './lockout.ts';
export * from './model.ts';
export * from './views.ts';

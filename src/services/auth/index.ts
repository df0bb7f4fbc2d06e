/** The auth service's public surface: sign-up and sign-in, sessions, 2FA, social sign-in, API keys, invitations, tenants' admission. */
export { login, register } from './accounts.ts';
export { rotateRefreshToken, revokeSession } from './sessions.ts';
export { completeTfaLogin, disableTfa, enableTfa, setupTfa } from './two-factor.ts';
export { signInWithProvider } from './oauth.ts';
export { authenticateApiKey, createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
export { acceptInvitation, inviteOrReinvite, inviteUser, type InvitationInput } from './invitations.ts';
export { currentUser } from './identity.ts';
export { callerOf } from './caller.ts';
export { recordSignIn, signInClient, type SignInClient } from './devices.ts';
export { tenantByDomain, tenantById } from './tenants.ts';
export { type SecurityEvent, type SecurityEventType } from './security-events.ts';
export { assertAccountInGoodStanding } from './account-status.ts';
export { LOCKOUT_BASE_SECONDS, LOCKOUT_MAX_SECONDS } from './lockout.ts';
export * from './model.ts';
export * from './views.ts';

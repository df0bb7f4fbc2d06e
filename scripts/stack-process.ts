/**
 * Runs the local stack (scripts/lib/stack.ts) as its own Node process and prints
 * one line `STACK_READY <json>` with the Worker bindings once everything is up and
 * migrated. Test-only pieces start here too: a local OpenID issuer and stripe-mock. Stops everything on SIGINT/SIGTERM or when stdin closes (so it never
 * outlives the process that started it). Used by the test global setup, which
 * runs under Vite's module resolution (workerd conditions) and must not load
 * Node-only drivers itself.
 *
 *   node scripts/stack-process.ts            # throwaway PostgreSQL 15 cluster (relational + DocumentDB), FerretDB v2
 *   TEST_DATABASE_URL=... TEST_MONGODB_URI=... node scripts/stack-process.ts
 */
import { generateKeyPairSync } from 'node:crypto';

import { startOidcIssuer } from './lib/oidc-issuer.ts';
import { startPushService } from './lib/push-service.ts';
import { startSmsProvider } from './lib/sms-provider.ts';
import { startStack } from './lib/stack.ts';
import { onStop } from './lib/stop-signals.ts';
import { startStripeMock } from './lib/stripe-mock.ts';

const verbose = Boolean(process.env.STACK_VERBOSE);
const stack = await startStack({
  postgres: process.env.TEST_DATABASE_URL ? { kind: 'url', url: process.env.TEST_DATABASE_URL } : { kind: 'server' },
  mongo: process.env.TEST_MONGODB_URI ? { kind: 'uri', uri: process.env.TEST_MONGODB_URI } : { kind: 'ferretdb' },
  database: process.env.STACK_DATABASE ?? 'ecommerce_test',
  log: verbose ? (line) => console.error(`[stack] ${line}`) : undefined,
});

// A local OpenID Connect issuer stands in for Google in social sign-in tests.
const oidc = await startOidcIssuer();
const oauthProviders = { google: { issuer: oidc.issuer, jwksUrl: oidc.jwksUrl, audience: 'test-client-id' } };

// stripe-mock stands in for Stripe's API; the test provider's pm_test_timeout hangs only 50 ms.
const stripeMock = await startStripeMock();
const payments = {
  STRIPE_API_BASE: stripeMock.url,
  STRIPE_SECRET_KEY: 'sk_test_123',
  STRIPE_WEBHOOK_SECRET: 'whsec_test_stack',
  PAYMENTS_TEST_TIMEOUT_MS: '50',
};

// Local stand-ins for the notification SaaS: a Twilio-shaped SMS provider and a Web Push
// service that checks VAPID and decrypts; a fresh VAPID key pair for the Worker.
const sms = await startSmsProvider();
const push = await startPushService();
const vapid = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const vapidPublic = Buffer.concat([
  Buffer.from([4]),
  Buffer.from(vapid.x!, 'base64url'),
  Buffer.from(vapid.y!, 'base64url'),
]).toString('base64url');
const notificationBindings = {
  SMS_API_BASE_URL: sms.url,
  SMS_ACCOUNT_SID: sms.accountSid,
  SMS_AUTH_TOKEN: sms.authToken,
  SMS_FROM: sms.from,
  VAPID_PUBLIC_KEY: vapidPublic,
  VAPID_PRIVATE_KEY: vapid.d!,
  PUSH_ALLOW_HTTP: 'true',
  // For the tests only: where to inspect what the local providers received.
  TEST_SMS_PROVIDER_URL: sms.url,
  TEST_PUSH_SERVICE_URL: push.url,
};

console.log(
  'STACK_READY ' +
    JSON.stringify({
      bindings: {
        ...stack.bindings,
        ...payments,
        ...notificationBindings,
        OAUTH_PROVIDERS: JSON.stringify(oauthProviders),
      },
      ownerDatabaseUrl: stack.ownerDatabaseUrl,
      mongoUri: stack.mongoUri,
      oidc: { issuer: oidc.issuer, audience: 'test-client-id', privateJwk: oidc.privateJwk },
    }),
);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await oidc.stop();
  await stripeMock.stop();
  await sms.stop();
  await push.stop();
  await stack.stop();
  process.exit(0);
}
onStop(shutdown);
process.stdin.on('end', () => void shutdown());
process.stdin.on('close', () => void shutdown());
process.stdin.resume();

/**
 * `npm run secrets`: generates the Worker's own secrets, the ones no provider hands you.
 *
 *   npm run secrets                       # .dev.vars: adds the missing ones (wrangler dev, own stores)
 *   npm run secrets -- --env production   # .secrets.production.json, for
 *                                         #   npx wrangler secret bulk .secrets.production.json --env production
 *   ... --force                           # replace ones already there (sessions, 2FA and sealed payment
 *                                         #   details made with the old keys stop working: rotate instead)
 *
 * Generated: JWT_SIGNING_KEYS (an ES256 JWK set), TOTP_ENCRYPTION_KEY and PAYMENTS_ENCRYPTION_KEY
 * (32 random bytes each), MONGO_DATA_API_KEY (give the same value to the Data API gateway), and
 * PAYMENTS_TEST_WEBHOOK_SECRET outside production. It never prints a value and never replaces one
 * without --force. The secrets it cannot make (DATABASE_URL, MONGO_DATA_API_URL, Stripe's) are
 * listed at the end with the command that sets each.
 */
import { randomBytes } from 'node:crypto';

import { generateSigningKey } from './lib/secrets.ts';
import { argsOf, fail, readSecrets, secretFileFor, writeSecrets } from './ops/secret-files.ts';

const { flags, values } = argsOf(process.argv.slice(2));
const environment = values.get('env');
if (environment && !['staging', 'production'].includes(environment))
  fail(`secrets: --env is staging or production, not '${environment}'`);
const file = secretFileFor(environment, values.get('file'));
const existing = readSecrets(file);

const generators: Record<string, () => Promise<string>> = {
  JWT_SIGNING_KEYS: async () => JSON.stringify({ keys: [await generateSigningKey()] }),
  TOTP_ENCRYPTION_KEY: async () => randomBytes(32).toString('base64'),
  PAYMENTS_ENCRYPTION_KEY: async () => randomBytes(32).toString('base64'),
  MONGO_DATA_API_KEY: async () => randomBytes(32).toString('base64url'),
  ...(environment === 'production'
    ? {}
    : { PAYMENTS_TEST_WEBHOOK_SECRET: async () => `whsec_test_${randomBytes(24).toString('base64url')}` }),
};

const changes: Record<string, string> = {};
for (const [name, generate] of Object.entries(generators)) {
  if (existing[name] && !flags.has('force')) {
    console.log(`kept      ${name} (already in ${file.path}; --force replaces it)`);
    continue;
  }
  changes[name] = await generate();
  console.log(`${existing[name] ? 'replaced' : 'generated'} ${name}`);
}
if (Object.keys(changes).length > 0) writeSecrets(file, changes);
console.log(`wrote     ${file.path} (mode 600, git-ignored)`);

const envFlag = environment ? ` --env ${environment}` : '';
if (environment) {
  console.log(
    `\nUpload them:  npx wrangler secret bulk ${file.path}${envFlag}   (then delete ${file.path} or keep it offline)`,
  );
}
console.log('\nStill to set by hand (values come from your providers):');
const manual = [
  ['DATABASE_URL', "Neon: the pooled connection string of the app's login role (docs/deploying.md, Neon)"],
  ['MONGO_DATA_API_URL', 'https URL of your Data API gateway (docs/deploying.md, Data API gateway)'],
  ...(environment === 'production' || environment === 'staging'
    ? [
        ['STRIPE_SECRET_KEY', 'Stripe dashboard > Developers > API keys (sk_live_... in production)'],
        ['STRIPE_WEBHOOK_SECRET', "Stripe dashboard > Webhooks > your endpoint's signing secret (whsec_...)"],
      ]
    : []),
];
for (const [name, where] of manual)
  console.log(
    `  ${environment ? `npx wrangler secret put ${name}${envFlag}` : `${name}= in ${file.path}`}   # ${where}`,
  );
if (!existing.MONGO_DATA_API_KEY || flags.has('force'))
  console.log("\nMONGO_DATA_API_KEY is new: add the same value to the gateway's GATEWAY_API_KEYS (docs/deploying.md).");

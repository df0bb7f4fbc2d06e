/**
 * The Worker's own check of its configuration, for deployed environments.
 *
 * `ENVIRONMENT` is `development` (wrangler.toml's top level: `npm run dev`, tests), `staging` or
 * `production` (`[env.staging]`, `[env.production]`). In staging and production the Worker
 * refuses to serve (every route but health answers 503 `misconfigured`, and health names each
 * problem by setting, never by value) while its configuration is unsafe or incomplete:
 * - a secret it cannot work without is missing or malformed;
 * - a setting only meant for local stacks is present (a WebSocket proxy, the test provider's
 *   knobs, plain-http push endpoints, another Stripe API base);
 * - a value is still the development default or a reserved example name (JWT_ISSUER,
 *   EMAIL_FROM, VAPID_SUBJECT);
 * - CORS allows any origin;
 * - production only: the `test` payment provider, or a Stripe test key.
 * In every environment, development included, a var that does not parse (a number that is not
 * one, a switch that is neither value: src/lib/config.ts) refuses too: the Worker cannot run
 * with it, and health names it.
 *
 * Pure and synchronous: one look at `env` per isolate (memoised by `configurationOf`). The
 * one check that needs the database (a platform admin still on the development password) is
 * `platformAdminsOnDefaultPassword`, run by health.
 */
import { base64UrlDecode } from '../../lib/bytes.ts';
import { configProblems } from '../../lib/config.ts';

/**
 * The settings this check reads: the Worker's `Env` is one (named here rather than imported, so
 * Node tooling and tests can run the check on wrangler.toml's vars without workerd's types).
 */
export interface Settings {
  readonly ENVIRONMENT?: string;
  readonly MONGO_DATA_API_KEY?: string;
  readonly EMAIL_FROM?: string;
  readonly VAPID_SUBJECT?: string;
  readonly PG_WS_PROXY?: string;
  readonly PUSH_ALLOW_HTTP?: string;
  readonly PAYMENTS_TEST_TIMEOUT_MS?: string;
  readonly CF_API_BASE_URL?: string;
  readonly CORS_ORIGINS?: string;
  readonly DATABASE_URL?: string;
  readonly MONGO_DATA_API_URL?: string;
  readonly JWT_SIGNING_KEYS?: string;
  readonly JWT_ISSUER?: string;
  readonly TOTP_ENCRYPTION_KEY?: string;
  readonly PAYMENTS_ENCRYPTION_KEY?: string;
  readonly PAYMENT_PROVIDER?: string;
  readonly STRIPE_SECRET_KEY?: string;
  readonly STRIPE_WEBHOOK_SECRET?: string;
  readonly STRIPE_API_BASE?: string;
}

/** A setting by name (the lists below name them as strings). */
const valueOf = (env: Settings, name: string): unknown => (env as Record<string, unknown>)[name];

export type Environment = 'development' | 'staging' | 'production';

export interface ConfigurationProblem {
  /** The variable or secret to fix. */
  setting: string;
  /** What is wrong with it; never its value. */
  problem: string;
}

export interface ConfigurationReport {
  environment: Environment;
  /** `refused`: the Worker answers 503 to everything but health until the problems are fixed. */
  status: 'ok' | 'refused';
  problems: ConfigurationProblem[];
}

export { DEVELOPMENT_ADMIN_PASSWORD } from '../../lib/passwords.ts';

/** Development defaults of wrangler.toml's top level that a deployment must replace. */
const DEVELOPMENT_VALUES: Record<string, string> = {
  JWT_ISSUER: 'https://api.ecommerce-edge.dev',
  EMAIL_FROM: 'notifications@ecommerce-edge.dev',
  VAPID_SUBJECT: 'mailto:notifications@ecommerce-edge.dev',
};

/** Settings that only local stacks and tests use: present in a deployment, they weaken it. */
const LOCAL_ONLY = [
  ['PG_WS_PROXY', 'is a local WebSocket-to-TCP proxy; Neon speaks WebSocket itself'],
  ['PUSH_ALLOW_HTTP', 'lets push subscriptions use plain http endpoints'],
  ['PAYMENTS_TEST_TIMEOUT_MS', "is a knob of the test payment provider's fault tokens"],
  ['CF_API_BASE_URL', "points Cloudflare's API elsewhere (tests)"],
] as const;

/** RFC 2606/6761 names: a value under one of them was copied from an example and never set. */
const RESERVED_NAME = /(^|[.@/])(example\.(com|net|org)|[a-z0-9-]+\.(example|test|invalid|localhost))([:/]|$)/i;

const REQUIRED_SECRETS = [
  'DATABASE_URL',
  'MONGO_DATA_API_URL',
  'MONGO_DATA_API_KEY',
  'JWT_SIGNING_KEYS',
  'TOTP_ENCRYPTION_KEY',
  'PAYMENTS_ENCRYPTION_KEY',
] as const;

function environmentOf(env: Settings): Environment {
  return env.ENVIRONMENT === 'production' || env.ENVIRONMENT === 'staging' ? env.ENVIRONMENT : 'development';
}

/** One key, or a rotation's comma-separated ring (newest first): each 32 bytes of base64. */
function isAesKey(text: string): boolean {
  const keys = text.split(',').map((k) => k.trim());
  try {
    return keys.every((k) => base64UrlDecode(k).length === 32);
  } catch {
    return false;
  }
}

function signingKeysProblem(text: string): string | undefined {
  try {
    const keys = (JSON.parse(text) as { keys?: Array<Record<string, unknown>> }).keys;
    if (!Array.isArray(keys) || keys.length === 0) return 'has no keys (a JWK set of private keys: npm run secrets)';
    if (keys.some((k) => typeof k.kid !== 'string' || typeof k.alg !== 'string' || typeof k.d !== 'string'))
      return 'every key needs kid, alg and its private part';
    return undefined;
  } catch {
    return 'is not valid JSON (a JWK set of private keys: npm run secrets)';
  }
}

function secretProblems(env: Settings): ConfigurationProblem[] {
  const found: ConfigurationProblem[] = [];
  for (const setting of REQUIRED_SECRETS) {
    const value = valueOf(env, setting);
    if (typeof value !== 'string' || value.trim() === '')
      found.push({ setting, problem: 'is not set (wrangler secret put ' + setting + ')' });
  }
  if (env.JWT_SIGNING_KEYS) {
    const problem = signingKeysProblem(env.JWT_SIGNING_KEYS);
    if (problem) found.push({ setting: 'JWT_SIGNING_KEYS', problem });
  }
  for (const setting of ['TOTP_ENCRYPTION_KEY', 'PAYMENTS_ENCRYPTION_KEY'] as const) {
    if (env[setting] && !isAesKey(env[setting])) found.push({ setting, problem: 'is not 32 bytes of base64' });
  }
  if (env.MONGO_DATA_API_URL && !/^https:\/\//i.test(env.MONGO_DATA_API_URL))
    found.push({
      setting: 'MONGO_DATA_API_URL',
      problem: 'is not https (the Data API key would cross the network in clear)',
    });
  if (env.DATABASE_URL && /^postgres(ql)?:\/\/[^/]*@(localhost|127\.|\[::1\])/i.test(env.DATABASE_URL))
    found.push({ setting: 'DATABASE_URL', problem: 'points at this machine (a local stack), not a database server' });
  return found;
}

function paymentProblems(env: Settings, environment: Environment): ConfigurationProblem[] {
  const provider = env.PAYMENT_PROVIDER || 'test';
  const found: ConfigurationProblem[] = [];
  if (provider === 'test') {
    if (environment === 'production')
      found.push({
        setting: 'PAYMENT_PROVIDER',
        problem: 'is the test provider, which confirms orders without charging',
      });
    return found;
  }
  if (provider !== 'stripe') return [{ setting: 'PAYMENT_PROVIDER', problem: 'names no known provider' }];
  if (!env.STRIPE_SECRET_KEY) found.push({ setting: 'STRIPE_SECRET_KEY', problem: 'is not set' });
  else if (environment === 'production' && /^(sk|rk)_test_/.test(env.STRIPE_SECRET_KEY))
    found.push({ setting: 'STRIPE_SECRET_KEY', problem: 'is a Stripe test-mode key' });
  if (!env.STRIPE_WEBHOOK_SECRET) found.push({ setting: 'STRIPE_WEBHOOK_SECRET', problem: 'is not set' });
  if (env.STRIPE_API_BASE && env.STRIPE_API_BASE.replace(/\/+$/, '') !== 'https://api.stripe.com')
    found.push({ setting: 'STRIPE_API_BASE', problem: 'is not https://api.stripe.com' });
  return found;
}

function valueProblems(env: Settings): ConfigurationProblem[] {
  const found: ConfigurationProblem[] = [];
  for (const [setting, devValue] of Object.entries(DEVELOPMENT_VALUES)) {
    const value = valueOf(env, setting);
    if (typeof value !== 'string' || value === '') continue;
    if (value === devValue) found.push({ setting, problem: 'is still the development default' });
    else if (RESERVED_NAME.test(value)) found.push({ setting, problem: 'names a reserved example domain' });
  }
  if (env.JWT_ISSUER && !/^https:\/\//.test(env.JWT_ISSUER))
    found.push({ setting: 'JWT_ISSUER', problem: 'is not an https URL' });
  const origins = (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim());
  if (origins.includes('*')) found.push({ setting: 'CORS_ORIGINS', problem: 'allows any origin ("*")' });
  else if (origins.some((o) => o !== '' && !/^https:\/\/[^/]+$/.test(o)))
    found.push({ setting: 'CORS_ORIGINS', problem: 'has an origin that is not https://host[:port]' });
  for (const [setting, problem] of LOCAL_ONLY) {
    const value = valueOf(env, setting);
    if (typeof value === 'string' && value !== '') found.push({ setting, problem });
  }
  return found;
}

/** Every problem of `env`: in development only the vars that do not parse. */
export function checkConfiguration(env: Settings): ConfigurationReport {
  const environment = environmentOf(env);
  const unparsed = configProblems(env);
  if (environment === 'development')
    return { environment, status: unparsed.length ? 'refused' : 'ok', problems: unparsed };
  const problems = [...unparsed, ...secretProblems(env), ...paymentProblems(env, environment), ...valueProblems(env)];
  return { environment, status: problems.length ? 'refused' : 'ok', problems };
}

const reports = new WeakMap<object, ConfigurationReport>();

/** `checkConfiguration`, once per isolate and set of bindings (env does not change while an isolate lives). */
export function configurationOf(env: Settings | undefined): ConfigurationReport {
  if (typeof env !== 'object' || env === null) return checkConfiguration({}); // app.request() without bindings
  let report = reports.get(env);
  if (!report) {
    report = checkConfiguration(env);
    reports.set(env, report);
  }
  return report;
}

/**
 * The payment provider layer's public surface: the factory the payments service, the saga and
 * the webhook route call, plus the interface and error types.
 *
 * Configuration (src/env.ts, wrangler.toml `[vars]`, secrets in .dev.vars):
 *   PAYMENT_PROVIDER             `test` (default) | `stripe`: the provider of new payments
 *   STRIPE_SECRET_KEY            secret API key (`sk_...`), required for `stripe`
 *   STRIPE_API_BASE              default https://api.stripe.com (stripe-mock in tests)
 *   STRIPE_WEBHOOK_SECRET        endpoint secret (`whsec_...`) of the Stripe webhook
 *   PAYMENT_PROVIDER_TIMEOUT_MS  per-call timeout of HTTP providers (default 10000)
 *   PAYMENTS_TEST_WEBHOOK_SECRET secret of the test provider's webhooks
 *   PAYMENTS_TEST_TIMEOUT_MS     how long `pm_test_timeout` hangs (default 2000)
 *
 * Invariant: the `test` provider is refused when ENVIRONMENT is `production`, so a deployment
 * that forgot PAYMENT_PROVIDER can never confirm orders without charging anyone.
 */
import type { Env } from '../../../env.ts';
import { ConfigError, configOf } from '../../../lib/config.ts';
import { PaymentProviderConfigError } from './errors.ts';
import { StripePaymentProvider } from './stripe.ts';
import { TestPaymentProvider } from './test-provider.ts';
import type { PaymentProvider, PaymentProviderName } from './types.ts';

export * from './errors.ts';
export type * from './types.ts';
export { StripePaymentProvider, type StripeProviderOptions } from './stripe.ts';
export { STRIPE_API_VERSION } from './stripe-http.ts';
export { TestPaymentProvider, type TestProviderOptions } from './test-provider.ts';
export { TEST_TOKENS } from './test-tokens.ts';
export { signTestWebhook, TEST_SIGNATURE_HEADER, testWebhookBody } from './test-webhooks.ts';

const PAYMENT_PROVIDER_NAMES: readonly PaymentProviderName[] = ['stripe', 'test'];

export function isPaymentProviderName(name: string): name is PaymentProviderName {
  return (PAYMENT_PROVIDER_NAMES as readonly string[]).includes(name);
}

/** The payment settings (lib/config.ts); a bad timeout var is this layer's configuration error. */
function paymentSettings(env: Env) {
  try {
    return configOf(env).payments;
  } catch (err) {
    if (err instanceof ConfigError) throw new PaymentProviderConfigError('missing_config', err.message);
    throw err;
  }
}

/** The provider called `name` (e.g. from `POST /payments/webhooks/:provider`); throws PaymentProviderConfigError. */
export function paymentProviderFor(env: Env, name: string): PaymentProvider {
  switch (name) {
    case 'stripe':
      if (!env.STRIPE_SECRET_KEY)
        throw new PaymentProviderConfigError(
          'missing_config',
          'the stripe provider needs the STRIPE_SECRET_KEY secret',
        );
      return new StripePaymentProvider({
        secretKey: env.STRIPE_SECRET_KEY,
        apiBase: env.STRIPE_API_BASE || undefined,
        timeoutMs: paymentSettings(env).providerTimeoutMs,
        webhookSecret: env.STRIPE_WEBHOOK_SECRET || undefined,
      });
    case 'test':
      if (env.ENVIRONMENT === 'production') {
        throw new PaymentProviderConfigError(
          'not_allowed',
          'the test payment provider is disabled when ENVIRONMENT is production',
        );
      }
      return new TestPaymentProvider({
        webhookSecret: env.PAYMENTS_TEST_WEBHOOK_SECRET || undefined,
        timeoutMs: paymentSettings(env).testTimeoutMs,
      });
    default:
      throw new PaymentProviderConfigError(
        'unknown_provider',
        `unknown payment provider '${name}' (known: ${PAYMENT_PROVIDER_NAMES.join(', ')})`,
      );
  }
}

/** The provider of new payments: PAYMENT_PROVIDER, default `test`. */
export function defaultPaymentProvider(env: Env): PaymentProvider {
  return paymentProviderFor(env, env.PAYMENT_PROVIDER || 'test');
}

/**
 * The Stripe adapter against stripe-mock (Stripe's own mock, started by the test stack with
 * `-strict-version-check`): every request below is validated by stripe-mock against Stripe's
 * OpenAPI spec, so a 200 means the adapter sent real, well-formed Stripe API calls.
 *
 * stripe-mock answers fixtures (one PaymentIntent status adjusted, see scripts/lib/stripe-mock.ts)
 * and cannot decline, fail or throttle; those answers are covered with Stripe's documented error
 * bodies served by a local fetch in "answers stripe-mock cannot give".
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import { encodeForm } from '../../src/services/payments/providers/form-encoding.ts';
import {
  defaultPaymentProvider,
  PaymentDeclinedError,
  PaymentProviderConfigError,
  paymentProviderFor,
  PaymentRequestError,
  PaymentTransientError,
  PaymentWebhookSignatureError,
  STRIPE_API_VERSION,
  StripePaymentProvider,
  type StripeProviderOptions,
} from '../../src/services/payments/providers/index.ts';

interface Call {
  method: string;
  path: string;
  headers: Headers;
  form: URLSearchParams;
  status: number;
  /** stripe-mock echoes the request's Idempotency-Key in its response headers. */
  echoedKey: string | null;
}

/** The real fetch, recording what went over the wire and what came back. */
function recordingFetch(calls: Call[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = new TextDecoder().decode(await request.clone().arrayBuffer());
    const response = await fetch(request);
    calls.push({
      method: request.method,
      path: new URL(request.url).pathname,
      headers: request.headers,
      form: new URLSearchParams(body),
      status: response.status,
      echoedKey: response.headers.get('idempotency-key'),
    });
    return response;
  };
}

function stripe(overrides: Partial<StripeProviderOptions> = {}) {
  const calls: Call[] = [];
  const provider = new StripePaymentProvider({
    secretKey: env.STRIPE_SECRET_KEY!,
    apiBase: env.STRIPE_API_BASE!,
    fetch: recordingFetch(calls),
    ...overrides,
  });
  return { provider, calls };
}

const key = () => `order-${crypto.randomUUID()}:PROCESS_PAYMENT:1`;
const call = (key: string) => ({ idempotencyKey: key, attempt: 1 });

describe('Stripe adapter against stripe-mock', () => {
  it('the test stack points STRIPE_API_BASE at stripe-mock', () => {
    expect(env.STRIPE_API_BASE).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.STRIPE_SECRET_KEY).toBe('sk_test_123');
  });

  it('authorize creates and confirms a PaymentIntent with manual capture', async () => {
    const { provider, calls } = stripe();
    const k = key();
    const payment = await provider.authorize({
      ...call(k),
      amountMinor: 1999,
      currency: 'USD',
      paymentMethod: 'pm_card_visa',
      description: 'Order ORD-2026-000123',
      metadata: { orderId: 'o-1', tenantId: 't-1' },
    });
    expect(payment).toMatchObject({ status: 'AUTHORIZED', amountMinor: 1999, card: { brand: 'visa', last4: '4242' } });
    expect(payment.transactionId).toMatch(/^pi_/);
    expect(payment.raw).toMatchObject({
      object: 'payment_intent',
      id: payment.transactionId,
      capture_method: 'manual',
    });

    expect(calls).toHaveLength(1);
    const [sent] = calls;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/payment_intents', status: 200 });
    expect(sent!.headers.get('authorization')).toBe('Bearer sk_test_123');
    expect(sent!.headers.get('stripe-version')).toBe(STRIPE_API_VERSION);
    expect(sent!.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(sent!.headers.get('idempotency-key')).toBe(`${k}:authorize`);
    expect(sent!.echoedKey).toBe(`${k}:authorize`);
    expect(Object.fromEntries(sent!.form)).toEqual({
      amount: '1999',
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: 'true',
      capture_method: 'manual',
      'automatic_payment_methods[enabled]': 'true',
      'automatic_payment_methods[allow_redirects]': 'never',
      error_on_requires_action: 'true',
      description: 'Order ORD-2026-000123',
      'metadata[orderId]': 'o-1',
      'metadata[tenantId]': 't-1',
      'expand[0]': 'latest_charge',
    });
  });

  it('capture, void and refund call their endpoints, each with its own idempotency key', async () => {
    const { provider, calls } = stripe();
    const k = key();
    const captured = await provider.capture({ ...call(k), transactionId: 'pi_abc123', amountMinor: 1500 });
    // stripe-mock's fixture is not `succeeded`, so the amount is the one requested (Stripe's amount_received otherwise).
    expect(captured).toMatchObject({ transactionId: 'pi_abc123', status: 'CAPTURED', amountMinor: 1500 });
    const voided = await provider.void({ ...call(k), transactionId: 'pi_abc123' });
    expect(voided).toMatchObject({ transactionId: 'pi_abc123', status: 'VOIDED' });
    const refund = await provider.refund({
      ...call(k),
      transactionId: 'pi_abc123',
      amountMinor: 500,
      reason: 'requested_by_customer',
    });
    expect(refund).toMatchObject({ status: 'SUCCEEDED', amountMinor: 500 });
    expect(refund.refundId).toMatch(/^re_/);
    expect(refund.raw).toMatchObject({
      object: 'refund',
      payment_intent: 'pi_abc123',
      reason: 'requested_by_customer',
    });

    expect(calls.map((c) => [c.path, c.status])).toEqual([
      ['/v1/payment_intents/pi_abc123/capture', 200],
      ['/v1/payment_intents/pi_abc123/cancel', 200],
      ['/v1/refunds', 200],
    ]);
    expect(calls.map((c) => c.echoedKey)).toEqual([`${k}:capture`, `${k}:void`, `${k}:refund`]);
    expect(calls[0]!.form.get('amount_to_capture')).toBe('1500');
    expect(Object.fromEntries(calls[2]!.form)).toEqual({
      payment_intent: 'pi_abc123',
      amount: '500',
      reason: 'requested_by_customer',
    });
  });

  it('a free-text refund reason travels as metadata (Stripe accepts only its three reasons)', async () => {
    const { provider, calls } = stripe();
    await provider.refund({
      ...call(key()),
      transactionId: 'pi_abc123',
      amountMinor: 250,
      reason: 'item arrived [broken] & late',
    });
    expect(calls[0]!.status).toBe(200);
    expect(calls[0]!.form.get('reason')).toBeNull();
    expect(calls[0]!.form.get('metadata[reason]')).toBe('item arrived [broken] & late');
  });

  it('keys longer than Stripe allows are hashed, deterministically', async () => {
    const { provider, calls } = stripe();
    const long = 'k'.repeat(300);
    await provider.void({ ...call(long), transactionId: 'pi_1' });
    await provider.void({ ...call(long), transactionId: 'pi_1' });
    const sent = calls.map((c) => c.headers.get('idempotency-key'));
    expect(sent[0]).toMatch(/^sha256-[0-9a-f]{64}:void$/);
    expect(sent[1]).toBe(sent[0]);
  });

  it('paymentProviderFor(env, "stripe") is configured from the bindings', async () => {
    const provider = paymentProviderFor(env, 'stripe');
    expect(provider.name).toBe('stripe');
    const payment = await provider.authorize({
      ...call(key()),
      amountMinor: 700,
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
      metadata: {},
    });
    expect(payment).toMatchObject({ status: 'AUTHORIZED', amountMinor: 700 });
    expect(defaultPaymentProvider(env).name).toBe('test'); // wrangler.toml PAYMENT_PROVIDER
    expect(() => paymentProviderFor(env, 'paypal')).toThrow(PaymentProviderConfigError);
    expect(() => paymentProviderFor(env, 'paypal')).toThrow("unknown payment provider 'paypal' (known: stripe, test)");
    expect(() => paymentProviderFor({ ...env, STRIPE_SECRET_KEY: undefined }, 'stripe')).toThrow('STRIPE_SECRET_KEY');
    expect(() => paymentProviderFor({ ...env, ENVIRONMENT: 'production' }, 'test')).toThrow(PaymentProviderConfigError);
    expect(() => paymentProviderFor({ ...env, PAYMENT_PROVIDER_TIMEOUT_MS: 'soon' }, 'stripe')).toThrow(
      'PAYMENT_PROVIDER_TIMEOUT_MS',
    );
  });
});

describe('Stripe adapter errors', () => {
  const authorizeInput = () => ({
    ...call(key()),
    amountMinor: 1000,
    currency: 'USD',
    paymentMethod: 'pm_card_visa',
    metadata: {},
  });

  it('an unknown PaymentIntent (Stripe 404) is a PaymentRequestError', async () => {
    const { provider, calls } = stripe();
    const err = await provider
      .capture({ ...call(key()), transactionId: 'pi/../x', amountMinor: 100 })
      .catch((e: unknown) => e);
    expect(calls[0]!.path).toBe('/v1/payment_intents/pi%2F..%2Fx/capture'); // the id cannot escape its path segment
    expect(err).toBeInstanceOf(PaymentRequestError);
    expect(err).toMatchObject({ status: 404, retryable: false, provider: 'stripe' });
  });

  it('a rejected API key (401) and an API version stripe-mock does not speak (400) are PaymentRequestErrors', async () => {
    const badKey = await stripe({ secretKey: 'not-a-key' })
      .provider.authorize(authorizeInput())
      .catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(PaymentRequestError);
    expect(badKey).toMatchObject({ status: 401, code: 'invalid_request_error' });
    expect((badKey as Error).message).toMatch(/authenticate/);

    const oldVersion = await stripe({ apiVersion: '2024-06-20' })
      .provider.authorize(authorizeInput())
      .catch((e: unknown) => e);
    expect(oldVersion).toBeInstanceOf(PaymentRequestError);
    expect(oldVersion).toMatchObject({ status: 400 });
    expect((oldVersion as Error).message).toMatch(/Stripe-Version/);
  });

  it('invalid input is refused before any call', async () => {
    const { provider, calls } = stripe();
    for (const amountMinor of [0, -5, 10.5, Number.NaN]) {
      await expect(provider.authorize({ ...authorizeInput(), amountMinor })).rejects.toMatchObject({
        code: 'invalid_amount',
      });
    }
    await expect(provider.authorize({ ...authorizeInput(), currency: 'usd' })).rejects.toMatchObject({
      code: 'invalid_currency',
    });
    await expect(provider.authorize({ ...authorizeInput(), idempotencyKey: ' ' })).rejects.toMatchObject({
      code: 'invalid_idempotency_key',
    });
    await expect(provider.refund({ ...call(key()), transactionId: '', amountMinor: 5 })).rejects.toBeInstanceOf(
      PaymentRequestError,
    );
    expect(calls).toHaveLength(0);
  });

  it('nothing listening (a closed port) is a PaymentTransientError network_error', async () => {
    const provider = new StripePaymentProvider({ secretKey: 'sk_test_123', apiBase: 'http://127.0.0.1:9' });
    const err = await provider.authorize(authorizeInput()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentTransientError);
    expect(err).toMatchObject({ code: 'network_error', retryable: true, outcomeUnknown: true, status: 0 });
  });

  it('no answer within timeoutMs is a PaymentTransientError timeout', async () => {
    // The real stripe-mock, reached only after a 1 s delay that honours the abort signal.
    const slowFetch: typeof fetch = (input, init) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(fetch(input, init)), 1000);
        init?.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(init.signal!.reason);
        });
      });
    const { provider } = stripe({ fetch: slowFetch, timeoutMs: 50 });
    const started = Date.now();
    const err = await provider.void({ ...call(key()), transactionId: 'pi_1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentTransientError);
    expect(err).toMatchObject({ code: 'timeout', outcomeUnknown: true });
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('Stripe adapter: answers stripe-mock cannot give (Stripe documented error bodies)', () => {
  const answering =
    (status: number, body: unknown, headers: Record<string, string> = {}): typeof fetch =>
    async () =>
      new Response(typeof body === 'string' ? body : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json', 'request-id': 'req_local', ...headers },
      });
  const withAnswer = (status: number, body: unknown, headers?: Record<string, string>) =>
    new StripePaymentProvider({
      secretKey: 'sk_test_123',
      apiBase: 'https://api.stripe.invalid',
      fetch: answering(status, body, headers),
    });
  const authorize = (provider: StripePaymentProvider) =>
    provider
      .authorize({
        ...call(key()),
        amountMinor: 1000,
        currency: 'USD',
        paymentMethod: 'pm_card_chargeDeclined',
        metadata: {},
      })
      .catch((e: unknown) => e);

  it('a card_error (402) is a PaymentDeclinedError with the decline code, the PaymentIntent and the card', async () => {
    const err = await authorize(
      withAnswer(402, {
        error: {
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'Your card has insufficient funds.',
          payment_intent: { id: 'pi_declined', object: 'payment_intent', status: 'requires_payment_method' },
          payment_method: { id: 'pm_1', object: 'payment_method', card: { brand: 'visa', last4: '9995' } },
        },
      }),
    );
    expect(err).toBeInstanceOf(PaymentDeclinedError);
    expect(err).toMatchObject({
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      transactionId: 'pi_declined',
      card: { brand: 'visa', last4: '9995' },
      status: 402,
      requestId: 'req_local',
      retryable: false,
      message: 'Your card has insufficient funds.',
    });
  });

  it('5xx, 429 (with Retry-After), 409 in flight and Stripe-Should-Retry: true are transient', async () => {
    expect(await authorize(withAnswer(500, { error: { type: 'api_error', message: 'boom' } }))).toMatchObject({
      constructor: PaymentTransientError,
      code: 'provider_unavailable',
      status: 500,
      outcomeUnknown: true,
    });
    expect(await authorize(withAnswer(503, '<html>bad gateway</html>'))).toMatchObject({
      constructor: PaymentTransientError,
      status: 503,
    });
    expect(
      await authorize(
        withAnswer(429, { error: { type: 'invalid_request_error', code: 'rate_limit' } }, { 'retry-after': '2' }),
      ),
    ).toMatchObject({
      constructor: PaymentTransientError,
      code: 'rate_limit',
      retryAfterMs: 2000,
      outcomeUnknown: false,
    });
    expect(
      await authorize(withAnswer(409, { error: { type: 'invalid_request_error', code: 'lock_timeout' } })),
    ).toMatchObject({ constructor: PaymentTransientError, code: 'lock_timeout', outcomeUnknown: false });
    expect(
      await authorize(withAnswer(400, { error: { type: 'invalid_request_error' } }, { 'stripe-should-retry': 'true' })),
    ).toBeInstanceOf(PaymentTransientError);
  });

  it('a reused key with other parameters, any other 4xx and Stripe-Should-Retry: false are permanent', async () => {
    expect(
      await authorize(
        withAnswer(409, {
          error: {
            type: 'idempotency_error',
            message: 'Keys for idempotent requests can only be used with the same parameters',
          },
        }),
      ),
    ).toMatchObject({
      constructor: PaymentRequestError,
      code: 'idempotency_error',
    });
    expect(
      await authorize(withAnswer(400, { error: { type: 'invalid_request_error', code: 'amount_too_small' } })),
    ).toMatchObject({ constructor: PaymentRequestError, code: 'amount_too_small' });
    expect(
      await authorize(withAnswer(500, { error: { type: 'api_error' } }, { 'stripe-should-retry': 'false' })),
    ).toBeInstanceOf(PaymentRequestError);
  });

  it('a 200 without JSON is transient; an authorization needing the customer or without payment method is declined', async () => {
    expect(await authorize(withAnswer(200, 'not json'))).toMatchObject({
      constructor: PaymentTransientError,
      code: 'invalid_response',
    });
    expect(
      await authorize(withAnswer(200, { id: 'pi_3ds', object: 'payment_intent', status: 'requires_action' })),
    ).toMatchObject({
      constructor: PaymentDeclinedError,
      code: 'authentication_required',
      transactionId: 'pi_3ds',
    });
    expect(
      await authorize(
        withAnswer(200, {
          id: 'pi_rpm',
          object: 'payment_intent',
          status: 'requires_payment_method',
          last_payment_error: { code: 'card_declined', decline_code: 'do_not_honor', message: 'declined' },
        }),
      ),
    ).toMatchObject({
      constructor: PaymentDeclinedError,
      code: 'card_declined',
      declineCode: 'do_not_honor',
      transactionId: 'pi_rpm',
    });
    expect(
      await authorize(withAnswer(200, { id: 'pi_p', object: 'payment_intent', status: 'processing' })),
    ).toMatchObject({
      constructor: PaymentRequestError,
      code: 'payment_intent_unexpected_state',
      transactionId: 'pi_p',
    });
  });

  it("capture reads Stripe's amount_received once succeeded; refunds map pending and failed", async () => {
    const captured = await withAnswer(200, {
      id: 'pi_c',
      object: 'payment_intent',
      status: 'succeeded',
      amount: 2000,
      amount_received: 1200,
    }).capture({
      ...call(key()),
      transactionId: 'pi_c',
      amountMinor: 1200,
    });
    expect(captured).toMatchObject({ status: 'CAPTURED', amountMinor: 1200 });
    const refund = (status: string) =>
      withAnswer(200, { id: 're_1', object: 'refund', status, amount: 300 }).refund({
        ...call(key()),
        transactionId: 'pi_c',
        amountMinor: 300,
      });
    expect((await refund('pending')).status).toBe('PENDING');
    expect((await refund('requires_action')).status).toBe('PENDING');
    expect((await refund('failed')).status).toBe('FAILED');
    expect((await refund('canceled')).status).toBe('FAILED');
  });
});

describe('encodeForm (Stripe nested form bodies)', () => {
  it('encodes nested objects and arrays with literal structural brackets', () => {
    expect(
      encodeForm({
        amount: 1999,
        confirm: true,
        metadata: { orderId: 'o 1', tenantId: 't&=1' },
        expand: ['latest_charge', 'payment_method'],
      }),
    ).toBe(
      'amount=1999&confirm=true&metadata[orderId]=o%201&metadata[tenantId]=t%26%3D1&expand[0]=latest_charge&expand[1]=payment_method',
    );
  });

  it('escapes brackets inside keys, skips undefined, sends null as empty, refuses non-finite numbers', () => {
    expect(encodeForm({ metadata: { 'a[b]': 'c]' }, description: undefined, shipping: null })).toBe(
      'metadata[a%5Bb%5D]=c%5D&shipping=',
    );
    const parsed = new URLSearchParams(encodeForm({ metadata: { 'a[b]': 'ünï ✓' } }));
    expect(parsed.get('metadata[a[b]]')).toBe('ünï ✓');
    expect(() => encodeForm({ amount: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});

/** Stripe's scheme, written independently of the adapter: hex HMAC-SHA256 of `${t}.${body}`. */
async function stripeSignature(secret: string, body: string, t: number): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(`${t}.${body}`)));
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('Stripe webhook verification', () => {
  const secret = 'whsec_vector_secret';
  const NOW = 1_700_000_100;
  const provider = (opts: Partial<StripeProviderOptions> = {}) =>
    new StripePaymentProvider({ secretKey: 'sk_test_123', webhookSecret: secret, now: () => NOW, ...opts });
  const headers = (value: string) => new Headers({ 'Stripe-Signature': value });
  const event = (
    t: number,
    object: Record<string, unknown> = { id: 'pi_1', object: 'payment_intent' },
    type = 'payment_intent.succeeded',
  ) => JSON.stringify({ id: `evt_${crypto.randomUUID()}`, object: 'event', type, created: t, data: { object } });
  const rejection = (promise: Promise<unknown>) => promise.catch((e: unknown) => e);

  it('accepts a known test vector (signature computed outside JavaScript)', async () => {
    const body =
      '{"id":"evt_vector","object":"event","type":"payment_intent.succeeded","created":1700000000,"data":{"object":{"id":"pi_vector","object":"payment_intent","amount":1999}}}';
    const header = 't=1700000000,v1=d022c8032e68154066ef45cb49de4d12aee6950d717ab549f76009ca017f141b';
    const verified = await provider().verifyWebhook(body, headers(header));
    expect(verified).toEqual({
      id: 'evt_vector',
      type: 'payment_intent.succeeded',
      transactionId: 'pi_vector',
      createdAt: 1700000000,
      data: { object: { id: 'pi_vector', object: 'payment_intent', amount: 1999 } },
    });
  });

  it('accepts any matching v1 among several, ignores v0, and reads the PaymentIntent of charge and refund events', async () => {
    const t = NOW - 10;
    const body = event(t, { id: 'ch_1', object: 'charge', payment_intent: 'pi_from_charge' }, 'charge.refunded');
    const good = await stripeSignature(secret, body, t);
    const other = await stripeSignature('whsec_old_secret', body, t);
    const verified = await provider().verifyWebhook(
      body,
      headers(`t=${t},v1=${other},v0=${'0'.repeat(64)},v1=${good}`),
    );
    expect(verified).toMatchObject({ type: 'charge.refunded', transactionId: 'pi_from_charge', createdAt: t });

    const refundBody = event(
      t,
      { id: 're_1', object: 'refund', payment_intent: { id: 'pi_expanded' } },
      'refund.updated',
    );
    const refund = await provider().verifyWebhook(
      refundBody,
      headers(`t=${t},v1=${await stripeSignature(secret, refundBody, t)}`),
    );
    expect(refund.transactionId).toBe('pi_expanded');
  });

  it('rejects a tampered body, a wrong secret, a stale or future timestamp, a missing or malformed header', async () => {
    const t = NOW - 5;
    const body = event(t);
    const sig = await stripeSignature(secret, body, t);

    const tampered = await rejection(
      provider().verifyWebhook(body.replace('pi_1', 'pi_2'), headers(`t=${t},v1=${sig}`)),
    );
    expect(tampered).toBeInstanceOf(PaymentWebhookSignatureError);
    expect(tampered).toMatchObject({ reason: 'no_matching_signature', provider: 'stripe' });

    const wrongSecret = await rejection(
      provider().verifyWebhook(body, headers(`t=${t},v1=${await stripeSignature('whsec_other', body, t)}`)),
    );
    expect(wrongSecret).toMatchObject({ reason: 'no_matching_signature' });

    // the signed timestamp is part of the MAC: changing t alone breaks the signature
    expect(await rejection(provider().verifyWebhook(body, headers(`t=${t + 1},v1=${sig}`)))).toMatchObject({
      reason: 'no_matching_signature',
    });

    const staleT = NOW - 301;
    const stale = await rejection(
      provider().verifyWebhook(
        event(staleT),
        headers(`t=${staleT},v1=${await stripeSignature(secret, event(staleT), staleT)}`),
      ),
    );
    expect(stale).toMatchObject({ reason: 'timestamp_out_of_tolerance' });
    const futureT = NOW + 301;
    const futureBody = event(futureT);
    expect(
      await rejection(
        provider().verifyWebhook(
          futureBody,
          headers(`t=${futureT},v1=${await stripeSignature(secret, futureBody, futureT)}`),
        ),
      ),
    ).toMatchObject({
      reason: 'timestamp_out_of_tolerance',
    });

    expect(await rejection(provider().verifyWebhook(body, new Headers()))).toMatchObject({ reason: 'missing_header' });
    for (const bad of [`v1=${sig}`, `t=${t}`, `t=${t},v1=nothex`, `t=soon,v1=${sig}`, 'garbage']) {
      expect(await rejection(provider().verifyWebhook(body, headers(bad)))).toMatchObject({
        reason: 'malformed_header',
      });
    }
  });

  it('honours a configured tolerance, and needs the webhook secret', async () => {
    const t = NOW - 299;
    const body = event(t);
    const header = headers(`t=${t},v1=${await stripeSignature(secret, body, t)}`);
    await expect(provider().verifyWebhook(body, header)).resolves.toMatchObject({ createdAt: t });
    expect(await rejection(provider({ webhookToleranceSeconds: 60 }).verifyWebhook(body, header))).toMatchObject({
      reason: 'timestamp_out_of_tolerance',
    });
    await expect(provider({ webhookSecret: undefined }).verifyWebhook(body, header)).rejects.toBeInstanceOf(
      PaymentProviderConfigError,
    );
  });

  it('a correctly signed body that is not an event is rejected as malformed', async () => {
    for (const body of ['not json', '[]', '{"type":"x","created":1}', '{"id":"evt_1","created":1}']) {
      const header = headers(`t=${NOW},v1=${await stripeSignature(secret, body, NOW)}`);
      expect(await rejection(provider().verifyWebhook(body, header))).toMatchObject({ reason: 'malformed_payload' });
    }
  });

  it('paymentProviderFor(env, "stripe") verifies with STRIPE_WEBHOOK_SECRET', async () => {
    const t = Math.floor(Date.now() / 1000);
    const body = event(t);
    const verified = await paymentProviderFor(env, 'stripe').verifyWebhook(
      body,
      headers(`t=${t},v1=${await stripeSignature(env.STRIPE_WEBHOOK_SECRET!, body, t)}`),
    );
    expect(verified.transactionId).toBe('pi_1');
  });
});

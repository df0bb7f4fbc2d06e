/**
 * One POST to Stripe's REST API with `fetch` only (no SDK: bundle size), and the mapping of
 * every failure onto the typed errors of `./errors.ts`:
 *
 * - no answer: timeout (AbortSignal.timeout) -> Transient `timeout`; network -> Transient `network_error`
 * - `error.type == card_error` (HTTP 402)    -> Declined (code, decline_code, PaymentIntent id, card)
 * - `Stripe-Should-Retry: true|false`        -> Stripe's own verdict on retrying wins over the status
 * - 429, 5xx, 409 other than idempotency_error -> Transient (`Retry-After` kept)
 * - any other 4xx                            -> PaymentRequestError
 * - a 2xx whose body is not JSON             -> Transient `invalid_response` (safe to repeat: same key)
 *
 * Invariants: every request carries `Authorization: Bearer`, the pinned `Stripe-Version` and an
 * `Idempotency-Key`, so repeating any call after a timeout can never apply it twice.
 */
import { PaymentDeclinedError, PaymentRequestError, PaymentTransientError } from './errors.ts';
import { encodeForm, type FormValue } from './form-encoding.ts';
import type { CardSummary } from './types.ts';

/** The API version of the OpenAPI spec stripe-mock v0.203.0 validates against (tests run with `-strict-version-check`). */
export const STRIPE_API_VERSION = '2026-08-26.dahlia';
export const STRIPE_API_BASE = 'https://api.stripe.com';
export const STRIPE_DEFAULT_TIMEOUT_MS = 10_000;

export interface StripeHttpOptions {
  secretKey: string;
  apiBase: string;
  apiVersion: string;
  timeoutMs: number;
  fetch: typeof fetch;
}

export interface StripeAnswer {
  body: Record<string, unknown>;
  requestId: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** brand/last4 of a PaymentMethod (`card`) or a Charge (`payment_method_details.card`). */
export function cardOf(source: unknown): CardSummary | null {
  if (!isRecord(source)) return null;
  const details = isRecord(source.payment_method_details) ? source.payment_method_details : {};
  const card = isRecord(source.card) ? source.card : isRecord(details.card) ? details.card : null;
  return card ? { brand: str(card.brand), last4: str(card.last4) } : null;
}

function retryAfterMs(headers: Headers): number | null {
  const value = headers.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function noAnswer(err: unknown, timeoutMs: number, path: string): PaymentTransientError {
  const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  return new PaymentTransientError({
    provider: 'stripe',
    outcomeUnknown: true,
    code: timedOut ? 'timeout' : 'network_error',
    message: timedOut
      ? `Stripe did not answer POST ${path} within ${timeoutMs} ms`
      : `POST ${path} to Stripe failed: ${err instanceof Error ? err.message : String(err)}`,
    cause: err,
  });
}

function failure(status: number, headers: Headers, body: unknown, requestId: string | null): Error {
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const type = str(error.type);
  const message = str(error.message) ?? `Stripe answered HTTP ${status}`;
  const pi = isRecord(error.payment_intent) ? error.payment_intent : null;
  const base = { provider: 'stripe' as const, status, requestId, message, transactionId: pi ? str(pi.id) : null };

  if (type === 'card_error') {
    return new PaymentDeclinedError({
      ...base,
      code: str(error.code) ?? 'card_declined',
      declineCode: str(error.decline_code),
      card: cardOf(error.payment_method) ?? (pi ? cardOf(pi.latest_charge) : null),
    });
  }
  const shouldRetry = headers.get('stripe-should-retry');
  const transient =
    shouldRetry === 'true' ||
    (shouldRetry !== 'false' && (status === 429 || status >= 500 || (status === 409 && type !== 'idempotency_error')));
  if (transient) {
    const code =
      str(error.code) ?? (status === 429 ? 'rate_limited' : status === 409 ? 'conflict' : 'provider_unavailable');
    return new PaymentTransientError({
      ...base,
      code,
      retryAfterMs: retryAfterMs(headers),
      outcomeUnknown: status >= 500,
    });
  }
  return new PaymentRequestError({ ...base, code: str(error.code) ?? type ?? `http_${status}` });
}

/** The `id` of an object Stripe answered; a 2xx without one is a broken answer, safe to repeat (same key). */
export function idOf(body: Record<string, unknown>, requestId: string | null): string {
  const id = str(body.id);
  if (id) return id;
  const message = 'Stripe answered an object without id';
  throw new PaymentTransientError({
    provider: 'stripe',
    code: 'invalid_response',
    outcomeUnknown: true,
    status: 200,
    requestId,
    message,
  });
}

/** POSTs a form to `path` (already URL-encoded) and returns the JSON object Stripe answered. */
export async function stripePost(
  opts: StripeHttpOptions,
  path: string,
  fields: Record<string, FormValue>,
  idempotencyKey: string,
): Promise<StripeAnswer> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await opts.fetch(`${opts.apiBase.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${opts.secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'stripe-version': opts.apiVersion,
        'idempotency-key': idempotencyKey,
      },
      body: encodeForm(fields),
      signal,
    });
    text = await response.text(); // the timeout covers the body too
  } catch (err) {
    throw noAnswer(err, opts.timeoutMs, path);
  }
  const requestId = response.headers.get('request-id');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) throw failure(response.status, response.headers, body, requestId);
  if (!isRecord(body)) {
    throw new PaymentTransientError({
      provider: 'stripe',
      code: 'invalid_response',
      outcomeUnknown: true,
      status: response.status,
      requestId,
      message: `Stripe answered POST ${path} with HTTP ${response.status} but no JSON object`,
    });
  }
  return { body, requestId };
}

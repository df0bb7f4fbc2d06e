/**
 * Reads a verified webhook body in Stripe's event shape into a `WebhookEvent`:
 *
 *   { "id": "evt_...", "type": "payment_intent.succeeded", "created": 1700000000,
 *     "data": { "object": { "object": "payment_intent", "id": "pi_...", ... } } }
 *
 * The transaction is the PaymentIntent: the object itself when it is one, else the object's
 * `payment_intent` field (charges, refunds, disputes), as an id or an expanded object.
 * Only called after the signature verified; a body that is not such an event is rejected
 * as `malformed_payload` (a `WebhookPayloadError` naming the field). Signed is not trusted:
 * every value that becomes a date is range-checked here (`created`: whole unix seconds from
 * 1970 to 9999, what a JavaScript Date and a PostgreSQL timestamp both hold), never a 500.
 */
import { PaymentProviderConfigError, PaymentWebhookSignatureError } from './errors.ts';
import type { PaymentProviderName, WebhookEvent } from './types.ts';
import { verifySignature } from './webhook-signature.ts';

/** 9999-12-31T23:59:59Z: the last second both a JavaScript Date and PostgreSQL's `timestamp` print as a 4-digit year. */
const MAX_WEBHOOK_CREATED = 253_402_300_799;

/** A verified body that is not an event: which field, and what is wrong with it. */
export class WebhookPayloadError extends PaymentWebhookSignatureError {
  readonly field: string;
  readonly problem: string;

  constructor(provider: PaymentProviderName, field: string, problem: string) {
    super(provider, 'malformed_payload', `webhook payload: ${field} ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function transactionIdOf(object: Record<string, unknown>): string | null {
  if (object.object === 'payment_intent' && typeof object.id === 'string') return object.id;
  const pi = object.payment_intent;
  if (typeof pi === 'string' && pi) return pi;
  if (isRecord(pi) && typeof pi.id === 'string') return pi.id;
  return null;
}

function parseWebhookEvent(provider: PaymentProviderName, rawBody: string): WebhookEvent {
  const malformed = (field: string, problem: string) => new WebhookPayloadError(provider, field, problem);
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw malformed('body', 'is not JSON');
  }
  if (!isRecord(body)) throw malformed('body', 'is not an object');
  const { id, type, created, data } = body;
  if (typeof id !== 'string' || !id) throw malformed('body.id', 'is required (a string)');
  if (typeof type !== 'string' || !type) throw malformed('body.type', 'is required (a string)');
  if (typeof created !== 'number' || !Number.isInteger(created) || created < 0 || created > MAX_WEBHOOK_CREATED)
    throw malformed('body.created', `must be whole unix seconds from 0 to ${MAX_WEBHOOK_CREATED}`);
  const object = isRecord(data) && isRecord(data.object) ? data.object : null;
  return { id, type, transactionId: object ? transactionIdOf(object) : null, createdAt: created, data };
}

/**
 * Both providers' webhooks: check the `t=,v1=` signature in `headerName` with the
 * endpoint secret (named `secretName` in the error when it is not configured), then
 * read the event.
 */
export async function verifyWebhookEvent(opts: {
  provider: PaymentProviderName;
  secret: string | undefined;
  secretName: string;
  headerName: string;
  rawBody: string;
  headers: Headers;
  toleranceSeconds?: number | undefined;
  now?: (() => number) | undefined;
}): Promise<WebhookEvent> {
  if (!opts.secret)
    throw new PaymentProviderConfigError(
      'missing_config',
      `the ${opts.provider} provider needs ${opts.secretName} to verify webhooks`,
    );
  await verifySignature({
    provider: opts.provider,
    secret: opts.secret,
    header: opts.headers.get(opts.headerName),
    headerName: opts.headerName,
    rawBody: opts.rawBody,
    ...(opts.toleranceSeconds === undefined ? {} : { toleranceSeconds: opts.toleranceSeconds }),
    ...(opts.now === undefined ? {} : { now: opts.now }),
  });
  return parseWebhookEvent(opts.provider, opts.rawBody);
}

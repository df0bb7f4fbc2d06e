/**
 * Webhooks of the test provider: Stripe's `t=,v1=` scheme (`./webhook-signature.ts`) under
 * the `Test-Signature` header, bodies in Stripe's event shape. These helpers build them for
 * tests and for the curl example of docs/checkout.md.
 */
import { signPayload } from './webhook-signature.ts';

export const TEST_SIGNATURE_HEADER = 'Test-Signature';

/** The `Test-Signature` header value for `body` signed with `secret` at `t` (unix seconds). */
export function signTestWebhook(
  secret: string,
  body: string,
  t: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  return signPayload(secret, body, t);
}

export interface TestWebhookEvent {
  id: string;
  type: string;
  transactionId: string;
  /** Unix seconds; default now. */
  created?: number;
  /** More fields of `data.object`. */
  object?: Record<string, unknown>;
}

/** A webhook body in the (Stripe-shaped) event format both providers read. */
export function testWebhookBody(event: TestWebhookEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created: event.created ?? Math.floor(Date.now() / 1000),
    data: { object: { object: 'payment_intent', ...event.object, id: event.transactionId } },
  });
}

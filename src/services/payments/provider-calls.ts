import type { ServiceContext } from '../context.ts';
import { paymentProviderFor, type PaymentProvider } from './providers/index.ts';

/**
 * The provider called `name`, with each call to it (authorize, capture, void, refund: one round
 * trip to a third party each) counted in the unit of work's store usage, beside its PostgreSQL
 * and Data API round trips (access log, saga log, round-trip budgets). Webhook verification is
 * local and not counted.
 */
export function providerOf(svc: ServiceContext, name: string): PaymentProvider {
  const provider = paymentProviderFor(svc.env, name);
  const counted =
    <A, R>(call: (input: A) => Promise<R>) =>
    async (input: A) => {
      const answered = svc.stores.countProviderCall();
      try {
        return await call(input);
      } finally {
        answered();
      }
    };
  return {
    name: provider.name,
    authorize: counted((input) => provider.authorize(input)),
    capture: counted((input) => provider.capture(input)),
    void: counted((input) => provider.void(input)),
    refund: counted((input) => provider.refund(input)),
    verifyWebhook: (rawBody, headers) => provider.verifyWebhook(rawBody, headers),
  };
}

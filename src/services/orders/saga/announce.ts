/**
 * What a settled saga tells the world, once per terminal status (the runner records
 * which it sent): COMPLETED confirms the order; COMPENSATED cancels it and says why,
 * with PAYMENT_FAILED after a declined card and REFUND_ISSUED after a refund;
 * COMPENSATION_FAILED is logged as an error and kept as a dead letter for staff.
 * Event ids are stable (`order:<id>:<event>`): a repeated send is delivered once.
 */
import { recordDeadLetter } from '../../../queues/dead-letters.ts';
import type { NotificationMessage } from '../../../queues/notification-messages.ts';
import type { ServiceContext } from '../../context.ts';
import { orderEvent, publishOrderEvents, type OrderFacts } from '../events.ts';
import { redacted } from './context.ts';
import type { SagaState } from './state.ts';

function factsOf(state: SagaState): OrderFacts {
  const { userId, orderNumber, total, currency } = state.context;
  return { orderId: state.orderId, tenantId: state.tenantId, userId, orderNumber, total, currency };
}

/** The notifications a terminal saga status announces (stable ids: one each, ever). */
function eventsFor(state: SagaState): NotificationMessage[] {
  const facts = factsOf(state);
  if (state.status === 'COMPLETED') return [orderEvent('ORDER_CONFIRMATION', facts)];
  if (state.status !== 'COMPENSATED') return [];
  const events = [
    orderEvent('ORDER_CANCELLED', facts, {
      extra: { reason: state.cancelRequested ?? 'checkout could not be completed' },
    }),
  ];
  if (state.context.paymentOutcome === 'DECLINED' || state.context.paymentFailed === true)
    events.push(orderEvent('PAYMENT_FAILED', facts));
  if (state.context.paymentOutcome === 'REFUNDED')
    events.push(orderEvent('REFUND_ISSUED', facts, { eventKey: 'REFUND_ISSUED:cancel' }));
  return events;
}

/** Announces a terminal status; `bounded` keeps each call from hanging the runner. */
export async function announce(
  svc: ServiceContext,
  state: SagaState,
  bounded: <T>(work: Promise<T>, what: string) => Promise<T>,
): Promise<void> {
  if (state.status === 'COMPENSATION_FAILED') {
    svc.logger.error('order saga compensation failed; staff must act', { error: state.errorMessage });
    await bounded(
      recordDeadLetter(svc.stores.mongo(), {
        queue: 'order-saga',
        messageId: `order-saga:${state.orderId}`,
        reason: 'compensation-failed',
        body: redacted(state),
      }),
      'dead letter',
    );
  }
  await bounded(publishOrderEvents(svc, eventsFor(state)), 'order events');
}

/** The order saga's state machine (services/orders/saga/state.ts), pure: no order, no store behind it. */
import { describe, expect, it } from 'vitest';

import { applyEvent, expectedStep, initialState, SagaTransitionError } from '../../src/services/orders/saga/state.ts';
import { sagaContext } from './checkout-helpers.ts';

describe('order saga state machine (pure)', () => {
  const now = '2026-01-01T00:00:00.000Z';
  const fresh = () => initialState(crypto.randomUUID(), crypto.randomUUID(), sagaContext({ total: '10.00' }), now);

  it('walks the happy path to COMPLETED; a replayed step report changes nothing', () => {
    let state = applyEvent(fresh(), { type: 'STEP_COMPLETED', step: 'RESERVE_STOCK' }, now);
    expect(applyEvent(state, { type: 'STEP_COMPLETED', step: 'RESERVE_STOCK' }, now)).toBe(state);
    state = applyEvent(state, { type: 'STEP_COMPLETED', step: 'PROCESS_PAYMENT', output: { paymentId: 'p1' } }, now);
    state = applyEvent(state, { type: 'STEP_COMPLETED', step: 'CONFIRM_ORDER' }, now);
    expect(state).toMatchObject({ status: 'COMPLETED', currentStep: 3, context: { total: '10.00', paymentId: 'p1' } });
  });

  it('compensates completed steps in reverse after a failure, and refuses steps out of order', () => {
    let state = applyEvent(fresh(), { type: 'STEP_COMPLETED', step: 'RESERVE_STOCK' }, now);
    state = applyEvent(
      state,
      { type: 'STEP_FAILED', step: 'PROCESS_PAYMENT', error: 'card declined', output: { paymentOutcome: 'DECLINED' } },
      now,
    );
    expect(state).toMatchObject({
      status: 'COMPENSATING',
      errorMessage: 'PROCESS_PAYMENT: card declined',
      context: { paymentOutcome: 'DECLINED' },
    });
    expect(() => applyEvent(state, { type: 'STEP_COMPLETED', step: 'CONFIRM_ORDER' }, now)).toThrow(
      SagaTransitionError,
    );
    state = applyEvent(state, { type: 'STEP_COMPENSATED', step: 'RESERVE_STOCK' }, now);
    expect(state.status).toBe('COMPENSATED');
    expect(() => applyEvent(fresh(), { type: 'STEP_COMPLETED', step: 'CONFIRM_ORDER' }, now)).toThrow(
      'expected RESERVE_STOCK, got STEP_COMPLETED for CONFIRM_ORDER',
    );
  });

  it('a cancellation is recorded while running and compensates everything once completed', () => {
    const running = applyEvent(fresh(), { type: 'CANCEL_REQUESTED', reason: 'changed my mind' }, now);
    expect(running).toMatchObject({ status: 'STARTED', cancelRequested: 'changed my mind' });
    let done = fresh();
    for (const step of ['RESERVE_STOCK', 'PROCESS_PAYMENT', 'CONFIRM_ORDER'] as const)
      done = applyEvent(done, { type: 'STEP_COMPLETED', step }, now);
    const cancelled = applyEvent(done, { type: 'CANCEL_REQUESTED', reason: 'r' }, now);
    expect(cancelled).toMatchObject({ status: 'COMPENSATING', errorMessage: 'cancelled: r' });
    expect(expectedStep(cancelled)).toBe('CONFIRM_ORDER');
    expect(applyEvent(cancelled, { type: 'CANCEL_REQUESTED', reason: 'again' }, now)).toBe(cancelled);
  });
});

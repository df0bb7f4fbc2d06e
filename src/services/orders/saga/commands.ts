/**
 * What callers ask of an order's saga, decided here and run by the Durable Object one at
 * a time (its `exclusive` queue): start, cancel, a staff move, the sweeper's recovery.
 *
 * Single writer per order: a cancellation and a staff status move both run in the object,
 * one after the other, so either the cancel is recorded first (the move answers 409) or the
 * move reaches PostgreSQL first (the cancel re-reads the status and answers 409). An order
 * whose saga never started (the Worker died between the insert and `start`) is adopted by a
 * cancel or by the sweeper and cancelled; no payment token survives the lost request, so it
 * is never charged.
 */
import type { Env } from '../../../env.ts';
import type { MoveOutcome, StaffTarget } from '../model.ts';
import { applyStaffMove, cancellableNow } from '../order-writes.ts';
import { sagaContextOf } from '../saga-client.ts';
import { forgetSagaStart } from '../saga-mirror.ts';
import type { SagaContext } from './context.ts';
import type { CancelOutcome, RecoverOutcome } from './rpc.ts';
import { transition, type SagaStorage } from './runner.ts';
import { withSagaContext } from './runtime.ts';
import { initialState, isTerminal, isUnwinding, type SagaState } from './state.ts';

/** Starts the saga; starting it again returns the existing state (idempotent). */
export async function startSaga(
  storage: SagaStorage,
  input: { orderId: string; tenantId: string; context: SagaContext; startMirrored?: boolean },
): Promise<SagaState> {
  const existing = storage.load();
  if (existing) {
    if (!isTerminal(existing)) await storage.setAlarm(Date.now());
    return existing;
  }
  const state = initialState(input.orderId, input.tenantId, input.context, new Date().toISOString());
  storage.save(state, { type: 'STARTED', orderId: input.orderId });
  // The order's transaction wrote this state's mirror (order-insert.ts); its start record goes with the next one.
  if (input.startMirrored) storage.saveMeta({ ...storage.meta(), mirrored: state.updatedAt, startPending: true });
  // The order's history: the code its transaction redeemed (services/promotions/redeem.ts).
  if (input.context.promotion) storage.log({ type: 'PROMOTION_APPLIED', ...input.context.promotion });
  await storage.setAlarm(Date.now());
  return state;
}

/** A saga for an order that never got one, recording why it is cancelled; the runner compensates it. */
function adopt(storage: SagaStorage, orderId: string, tenantId: string, context: SagaContext, reason: string) {
  const state = initialState(orderId, tenantId, context, new Date().toISOString());
  storage.save(state, { type: 'ADOPTED', orderId, reason });
  return transition(storage, state, { type: 'CANCEL_REQUESTED', reason });
}

/**
 * Owner or staff cancel: refused (409) once a staff move made the order SHIPPED;
 * otherwise recorded now, compensated by the runner. An order without a saga is adopted.
 */
export function cancelSaga(
  storage: SagaStorage,
  env: Env,
  input: { orderId: string; tenantId: string; reason: string },
): Promise<CancelOutcome> {
  return withSagaContext(env, input.tenantId, {}, async (svc): Promise<CancelOutcome> => {
    const known = storage.load();
    if (known && known.tenantId !== input.tenantId) return { ok: false, reason: 'not_found' };
    const check = await cancellableNow(svc, input.orderId);
    if (!check.ok) return check;
    const state = storage.load();
    const next = state
      ? transition(storage, state, { type: 'CANCEL_REQUESTED', reason: input.reason })
      : adopt(storage, input.orderId, input.tenantId, sagaContextOf(check.order, check.items, null), input.reason);
    if (!isTerminal(next)) await storage.setAlarm(Date.now());
    return { ok: true, state: next };
  });
}

/** A staff move (CONFIRMED -> PROCESSING -> SHIPPED -> DELIVERED): refused once a cancel is recorded. */
export function moveSagaOrder(
  storage: SagaStorage,
  env: Env,
  input: { orderId: string; tenantId: string; target: StaffTarget; expectedVersion: number | undefined },
): Promise<MoveOutcome> {
  return withSagaContext(env, input.tenantId, {}, async (svc): Promise<MoveOutcome> => {
    const state = storage.load();
    if (state && state.tenantId !== input.tenantId) return { ok: false, reason: 'not_found' };
    if (state && isUnwinding(state)) return { ok: false, reason: 'cancelling', from: state.status };
    return applyStaffMove(svc, { id: input.orderId, target: input.target, expectedVersion: input.expectedVersion });
  });
}

/**
 * The sweeper found the order's start record past its grace period: a saga that
 * exists is nudged (its next mirror removes the record); an order without one is
 * adopted and cancelled.
 */
export function recoverSaga(
  storage: SagaStorage,
  env: Env,
  input: { orderId: string; tenantId: string },
): Promise<RecoverOutcome> {
  return withSagaContext(env, input.tenantId, {}, async (svc): Promise<RecoverOutcome> => {
    const state = storage.load();
    if (state) {
      if (storage.meta().mirrored === null || !isTerminal(state)) await storage.setAlarm(Date.now());
      else await forgetSagaStart(svc, input.orderId);
      return 'running';
    }
    const check = await cancellableNow(svc, input.orderId);
    if (!check.ok) {
      await forgetSagaStart(svc, input.orderId);
      return 'gone';
    }
    if (storage.load()) return 'running';
    const context = sagaContextOf(check.order, check.items, null);
    adopt(storage, input.orderId, input.tenantId, context, 'checkout did not start');
    await storage.setAlarm(Date.now());
    return 'adopted';
  });
}

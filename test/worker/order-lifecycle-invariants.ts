/**
 * The rules an order's life must keep, checked once the saga rests. Each returns named
 * violations ("name: what was seen"); the names are what a failure is filed under.
 *
 * They state the rules, not today's behaviour:
 * - quiescence: the saga comes to rest (terminal and mirrored) within a bound; an order has a saga.
 * - mirror: saga_executions says what the Durable Object says (status, step, steps done and undone).
 * - undo-visible: a saga ends FAILED / COMPENSATION_FAILED only when a fault made an undo
 *   impossible (none of the generated faults does), and then saga_executions shows it.
 * - saga-vs-order: COMPLETED saga <=> the order went past PENDING and is not CANCELLED;
 *   COMPENSATED <=> CANCELLED; nothing rests PENDING.
 * - once: each step completed and compensated at most once; stock reserved and released at
 *   most once per (order, product); the compensation refunds at most once; no refund left PENDING.
 * - stock-balance: stock = initial - quantity x (reserved - released), never negative.
 * - money: captured - refunded agrees with the payment status (COMPLETED: some left;
 *   REFUNDED: none left, or the provider reported a full refund); the order's payment_status
 *   follows the payment; every refund answered 201 is there.
 * - taken: CONFIRMED/PROCESSING/SHIPPED/DELIVERED hold their stock and their captured money.
 * - given-back: CANCELLED holds no stock, no open authorization (no PENDING payment), no
 *   captured money that was not refunded.
 * - one-writer: a cancel answered 202 ends CANCELLED; a move to SHIPPED answered 200 ends
 *   SHIPPED or DELIVERED (so never both).
 * - notified: exactly one ORDER_CONFIRMATION per saga that completed and was not cancelled
 *   (at most one when it was cancelled after completing), exactly one
 *   ORDER_CANCELLED per cancelled order, one ORDER_SHIPPED / ORDER_DELIVERED per move answered
 *   200, one REFUND_ISSUED per staff refund (plus at most one for the cancellation).
 */
import { toMinor, type Observation, type Real } from './order-lifecycle-harness.ts';
import type { Model } from './order-lifecycle-model.ts';

const ACTIVE = ['CONFIRMED', 'PROCESSING', 'SHIPPED', 'DELIVERED'];
const UNDO_FAILED = ['FAILED', 'COMPENSATION_FAILED'];

type Event = { type?: string; step?: string };
const events = (obs: Observation) => obs.history.map((h) => h.event as Event);

/**
 * The saga reached COMPLETED: CONFIRM_ORDER completed with no cancel recorded before it. A cancel
 * recorded while the last step ran undoes an order that was never confirmed (state.ts), so its
 * STEP_COMPLETED alone does not mean a confirmation is owed.
 */
export function sagaCompletedOnce(obs: Observation): boolean {
  for (const e of events(obs)) {
    if (e.type === 'CANCEL_REQUESTED') return false;
    if (e.type === 'STEP_COMPLETED' && e.step === 'CONFIRM_ORDER') return true;
  }
  return false;
}

export function checkOrder(real: Real, model: Model, obs: Observation, rested: boolean): string[] {
  const v: string[] = [];
  const fail = (name: string, detail: string) => v.push(`${name}: ${detail}`);
  const { order, saga, mirror, payment } = obs;
  if (!order) return ['quiescence: the order row is missing'];
  if (!saga) fail('quiescence', `order ${order.status} has no saga`);
  if (!rested) fail('quiescence', `saga did not come to rest: ${saga?.status} at step ${saga?.currentStep}`);

  // mirror
  if (saga) {
    const ctx = (mirror?.context ?? {}) as { completedSteps?: string[]; compensatedSteps?: string[] };
    if (!mirror) fail('mirror', 'no saga_executions row');
    else if (
      mirror.status !== saga.status ||
      mirror.currentStep !== saga.currentStep ||
      JSON.stringify(ctx.completedSteps) !== JSON.stringify(saga.completedSteps) ||
      JSON.stringify(ctx.compensatedSteps) !== JSON.stringify(saga.compensatedSteps)
    )
      fail(
        'mirror',
        `saga_executions ${mirror.status}/${mirror.currentStep} ${ctx.completedSteps}|${ctx.compensatedSteps}` +
          ` vs object ${saga.status}/${saga.currentStep} ${saga.completedSteps}|${saga.compensatedSteps}`,
      );
    if (UNDO_FAILED.includes(saga.status) && !model.undoImpossible)
      fail('undo-visible', `saga ${saga.status} though every undo was possible: ${saga.errorMessage}`);
    if (saga.status === 'COMPLETED' && !ACTIVE.includes(order.status))
      fail('saga-vs-order', `saga COMPLETED, order ${order.status}`);
    if (saga.status === 'COMPENSATED' && order.status !== 'CANCELLED')
      fail('saga-vs-order', `saga COMPENSATED, order ${order.status}`);
    if (order.status === 'CANCELLED' && saga.status !== 'COMPENSATED' && !UNDO_FAILED.includes(saga.status))
      fail('saga-vs-order', `order CANCELLED, saga ${saga.status}`);
  }
  if (order.status === 'PENDING' && rested) fail('saga-vs-order', `order rests PENDING (saga ${saga?.status})`);

  // once
  const count = (type: string, step: string) => events(obs).filter((e) => e.type === type && e.step === step).length;
  for (const step of ['RESERVE_STOCK', 'PROCESS_PAYMENT', 'CONFIRM_ORDER']) {
    if (count('STEP_COMPLETED', step) > 1) fail('once', `${step} completed ${count('STEP_COMPLETED', step)} times`);
    if (count('STEP_COMPENSATED', step) > 1)
      fail('once', `${step} compensated ${count('STEP_COMPENSATED', step)} times`);
  }
  const reserves = obs.stockEvents.filter((e) => e.data.reason === 'reserve');
  const releases = obs.stockEvents.filter((e) => e.data.reason === 'release');
  if (reserves.length > 1 || releases.length > 1 || releases.length > reserves.length)
    fail('once', `stock reserved ${reserves.length}x, released ${releases.length}x`);
  if (reserves.some((e) => e.data.delta !== -real.quantity))
    fail('once', `a reservation of ${reserves.map((e) => e.data.delta)} for ${real.quantity}`);
  const held = reserves.length - releases.length;
  const expectedStock = real.stock - real.quantity * held;
  if (obs.stock !== expectedStock || obs.stock < 0)
    fail('stock-balance', `stock ${obs.stock}, expected ${real.stock} - ${real.quantity} x ${held}`);
  const compensationRefunds = obs.refunds.filter((r) => r.requestedBy === null);
  if (compensationRefunds.length > 1) fail('once', `${compensationRefunds.length} compensation refunds`);
  const pendingRefunds = obs.refunds.filter((r) => r.status === 'PENDING');
  if (pendingRefunds.length) fail('once', `${pendingRefunds.length} refund(s) left PENDING`);

  // money
  const captured = payment && payment.transactionType === 'CAPTURE' ? toMinor(payment.amount) : 0;
  const refunded = obs.refunds.filter((r) => r.status === 'SUCCEEDED').reduce((s, r) => s + toMinor(r.amount), 0);
  if (payment) {
    if (toMinor(payment.amount) !== toMinor(order.total))
      fail('money', `payment ${payment.amount} for an order of ${order.total}`);
    if (refunded > captured) fail('money', `refunded ${refunded} of ${captured} captured`);
    const status = payment.status;
    if (status === 'COMPLETED' && !(captured > 0 && refunded < captured))
      fail('money', `payment COMPLETED with ${captured} captured, ${refunded} refunded`);
    if (status === 'REFUNDED' && !(captured > 0 && (refunded === captured || model.externalRefund)))
      fail('money', `payment REFUNDED with ${captured} captured, ${refunded} refunded`);
    if ((status === 'FAILED' || status === 'CANCELLED') && (captured > 0 || refunded > 0))
      fail('money', `payment ${status} with ${captured} captured, ${refunded} refunded`);
    if (status === 'PENDING' && rested)
      fail('money', `payment rests PENDING (${payment.transactionType} ${payment.gatewayTransactionId ?? 'no id'})`);
  }
  for (const [id, amount] of model.refunds) {
    const row = obs.refunds.find((r) => r.id === id);
    if (!row || row.status !== 'SUCCEEDED' || toMinor(row.amount) !== amount)
      fail('money', `refund ${id} answered 201 for ${amount} but is ${row?.status ?? 'missing'}`);
  }
  const mirrored = { COMPLETED: 'COMPLETED', REFUNDED: 'REFUNDED' } as Record<string, string>;
  if (payment && mirrored[payment.status] && order.paymentStatus !== payment.status)
    fail('money', `payment ${payment.status}, order payment_status ${order.paymentStatus}`);
  if (['COMPLETED', 'REFUNDED'].includes(order.paymentStatus) && payment?.status !== order.paymentStatus)
    fail('money', `order payment_status ${order.paymentStatus}, payment ${payment?.status ?? 'none'}`);

  // taken / given back
  if (ACTIVE.includes(order.status)) {
    if (held !== 1) fail('taken', `order ${order.status} holds ${held} reservations`);
    if (captured === 0) fail('taken', `order ${order.status} with no captured payment (${payment?.status ?? 'none'})`);
  }
  if (order.status === 'CANCELLED') {
    if (held !== 0) fail('given-back', `order CANCELLED still holds its stock`);
    if (payment && ['PENDING', 'COMPLETED'].includes(payment.status))
      fail('given-back', `order CANCELLED, payment ${payment.status} (${payment.transactionType})`);
  }

  // one writer
  if (model.cancel === 'accepted' && order.status !== 'CANCELLED')
    fail('one-writer', `a cancel answered 202, the order is ${order.status}`);
  if (model.moved.includes('SHIPPED') && !['SHIPPED', 'DELIVERED'].includes(order.status))
    fail('one-writer', `a move to SHIPPED answered 200, the order is ${order.status}`);
  if (model.moved.includes('DELIVERED') && order.status !== 'DELIVERED')
    fail('one-writer', `a move to DELIVERED answered 200, the order is ${order.status}`);
  return v;
}

/** The owner's notifications about this order (types, one entry per stored notification). */
export function checkNotifications(model: Model, obs: Observation, types: string[]): string[] {
  const n = (t: string) => types.filter((x) => x === t).length;
  const v: string[] = [];
  const expect = (type: string, want: number, why: string) => {
    if (n(type) !== want) v.push(`notified: ${n(type)} ${type}, expected ${want} (${why})`);
  };
  // A saga cancelled after it completed may have been cancelled before its alarm announced the
  // completion (the announcement follows the mirror): that order's owner hears of the cancel only.
  if (sagaCompletedOnce(obs) && obs.order?.status === 'CANCELLED') {
    if (n('ORDER_CONFIRMATION') > 1) v.push(`notified: ${n('ORDER_CONFIRMATION')} ORDER_CONFIRMATION, expected 0 or 1`);
  } else expect('ORDER_CONFIRMATION', sagaCompletedOnce(obs) ? 1 : 0, 'one per saga that completed');
  expect('ORDER_CANCELLED', obs.order?.status === 'CANCELLED' ? 1 : 0, 'one per cancelled order');
  expect('ORDER_SHIPPED', model.moved.includes('SHIPPED') ? 1 : 0, 'one per move to SHIPPED answered 200');
  expect('ORDER_DELIVERED', model.moved.includes('DELIVERED') ? 1 : 0, 'one per move to DELIVERED answered 200');
  if (n('PAYMENT_FAILED') > 1) v.push(`notified: ${n('PAYMENT_FAILED')} PAYMENT_FAILED`);
  const staff = model.refunds.size;
  if (n('REFUND_ISSUED') < staff || n('REFUND_ISSUED') > staff + 1)
    v.push(`notified: ${n('REFUND_ISSUED')} REFUND_ISSUED for ${staff} staff refund(s) (+1 at most for the cancel)`);
  return v;
}

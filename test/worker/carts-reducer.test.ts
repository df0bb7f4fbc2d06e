/**
 * The cart's pure reducer (src/services/carts/reducer.ts): the orderings the HTTP tests cannot
 * force, an order's outcome heard before the checkout recorded its id among them.
 */
import { describe, expect, it } from 'vitest';

import type { CartState } from '../../src/services/carts/model.ts';
import { CartRefusal, isExpired, runCartCommand, type CartCommand } from '../../src/services/carts/reducer.ts';

const USER = '00000000-0000-4000-8000-0000000000aa';
const system = { kind: 'system' } as const;
const owner = { kind: 'user', userId: USER } as const;

function run(
  state: CartState | null,
  command: CartCommand,
  actor: Parameters<typeof runCartCommand>[1]['actor'] = owner,
) {
  return runCartCommand(state, { command, actor }, 1_000);
}

function checkingOut(): CartState {
  let cart = run(null, { type: 'create', cartId: 'c1', tenantId: 't1', userId: USER, tokenHash: null }, system).state!;
  cart = run(cart, { type: 'addLine', productId: 'p'.repeat(24), quantity: 1, estimate: null }).state!;
  return run(cart, { type: 'beginCheckout', key: 'k1' }).state!;
}

describe('the cart follows its order', () => {
  it('an outcome heard before the order id is kept, then applied when the checkout records the id', () => {
    const frozen = checkingOut();
    const early = run(frozen, { type: 'orderOutcome', orderId: 'o1', outcome: 'CONFIRMED', mayReopen: true }, system);
    expect(early.state).toMatchObject({ status: 'CHECKING_OUT', pendingOutcomes: { o1: 'CONFIRMED' } });
    const placed = run(early.state, { type: 'checkoutPlaced', key: 'k1', orderId: 'o1' }, system);
    expect(placed.note).toBe('closed');
    expect(placed.state).toMatchObject({ status: 'CLOSED', orderIds: ['o1'], pendingOutcomes: {} });
  });

  it("another order's outcome never moves the cart; a replayed outcome changes nothing", () => {
    const frozen = checkingOut();
    const placed = run(frozen, { type: 'checkoutPlaced', key: 'k1', orderId: 'o1' }, system).state!;
    const other = run(placed, { type: 'orderOutcome', orderId: 'o2', outcome: 'CONFIRMED', mayReopen: true }, system);
    expect(other.changed).toBe(false);
    const closed = run(placed, { type: 'orderOutcome', orderId: 'o1', outcome: 'CONFIRMED', mayReopen: true }, system);
    expect(closed.state!.status).toBe('CLOSED');
    const again = run(
      closed.state,
      { type: 'orderOutcome', orderId: 'o1', outcome: 'CONFIRMED', mayReopen: true },
      system,
    );
    expect(again.changed).toBe(false);
  });

  it('a compensated order reopens the cart in checkout; a closed one only when its user has no other open cart', () => {
    const placed = run(checkingOut(), { type: 'checkoutPlaced', key: 'k1', orderId: 'o1' }, system).state!;
    const reopened = run(
      placed,
      { type: 'orderOutcome', orderId: 'o1', outcome: 'CANCELLED', mayReopen: false },
      system,
    );
    expect(reopened).toMatchObject({ note: 'reopened', state: { status: 'OPEN', checkout: null } });
    const closed = run(
      placed,
      { type: 'orderOutcome', orderId: 'o1', outcome: 'CONFIRMED', mayReopen: true },
      system,
    ).state!;
    const refused = run(
      closed,
      { type: 'orderOutcome', orderId: 'o1', outcome: 'CANCELLED', mayReopen: false },
      system,
    );
    expect(refused).toMatchObject({ note: 'stays-closed', state: { status: 'CLOSED' } });
    const granted = run(closed, { type: 'orderOutcome', orderId: 'o1', outcome: 'CANCELLED', mayReopen: true }, system);
    expect(granted.state!.status).toBe('OPEN');
  });

  it('a frozen cart refuses edits and another key (409), replays its own key, and expires only without an order', () => {
    const frozen = checkingOut();
    expect(() => run(frozen, { type: 'removeLine', productId: 'p'.repeat(24) })).toThrow(CartRefusal);
    expect(() => run(frozen, { type: 'beginCheckout', key: 'k2' })).toThrow(
      expect.objectContaining({ code: 'checkoutInProgress' }),
    );
    expect(run(frozen, { type: 'beginCheckout', key: 'k1' }).changed).toBe(false);
    const day = 86_400_000;
    expect(isExpired(frozen, frozen.updatedAt + 31 * day, 30 * day)).toBe(true);
    const placed = run(frozen, { type: 'checkoutPlaced', key: 'k1', orderId: 'o1' }, system).state!;
    expect(isExpired(placed, placed.updatedAt + 31 * day, 30 * day)).toBe(false);
  });

  it('a refused placement unfreezes the cart only under its own key and before an order exists', () => {
    const frozen = checkingOut();
    expect(run(frozen, { type: 'abortCheckout', key: 'other' }, system).changed).toBe(false);
    expect(run(frozen, { type: 'abortCheckout', key: 'k1' }, system).state!.status).toBe('OPEN');
    const placed = run(frozen, { type: 'checkoutPlaced', key: 'k1', orderId: 'o1' }, system).state!;
    expect(run(placed, { type: 'abortCheckout', key: 'k1' }, system).changed).toBe(false);
  });
});

/**
 * What the order saga's Durable Object answers over RPC, as plain data. The binding's
 * interface (src/bindings.ts) is made of these, so the Worker's env names the object's
 * surface without importing the class.
 */
import type { MoveOutcome, OrderSnapshot, StaffTarget } from '../model.ts';
import type { SagaContext } from './context.ts';
import type { SagaState } from './state.ts';

export type CancelOutcome =
  | { ok: true; state: SagaState }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_cancellable'; status: string };

/** What the sweeper found: a saga that runs (nudged), one it adopted and cancelled, or an order that is gone. */
export type RecoverOutcome = 'running' | 'adopted' | 'gone';

/** A log entry's event, as JSON (RPC callers get it as such). */
export type SagaLogEvent = {
  [key: string]: string | number | boolean | null | SagaLogEvent | SagaLogEvent[] | string[];
};

/**
 * The state (payment token blanked), whether PostgreSQL already shows it and, once it shows a
 * settled saga, the order as that mirror left it (null before, or for a saga settled before
 * mirrors read it back).
 */
export interface SagaStatusReport {
  state: SagaState | null;
  mirrored: boolean;
  order: OrderSnapshot | null;
}

/** The saga's RPC methods; src/durable/order-saga.ts implements them. */
export interface OrderSagaMethods {
  /** `startMirrored`: the order's own transaction wrote the saga's first mirror (STARTED). */
  start(input: {
    orderId: string;
    tenantId: string;
    context: SagaContext;
    startMirrored?: boolean;
  }): Promise<SagaState>;
  cancel(input: { orderId: string; tenantId: string; reason: string }): Promise<CancelOutcome>;
  moveStatus(input: {
    orderId: string;
    tenantId: string;
    target: StaffTarget;
    expectedVersion: number | undefined;
  }): Promise<MoveOutcome>;
  recover(input: { orderId: string; tenantId: string }): Promise<RecoverOutcome>;
  nudge(): Promise<void>;
  /** The state (payment token blanked), and whether PostgreSQL already shows it. */
  status(): Promise<SagaStatusReport>;
  /**
   * The same, once the saga settled (terminal, and PostgreSQL shows it) or after `ms`, whichever
   * comes first: one call that returns when the state changes, instead of polling.
   */
  settled(input: { ms: number }): Promise<SagaStatusReport>;
  state(): Promise<SagaState | null>;
  history(): Promise<{ seq: number; at: string; event: SagaLogEvent }[]>;
}

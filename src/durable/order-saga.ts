import { DurableObject } from 'cloudflare:workers';

import type { OrderSagaBinding } from '../bindings.ts';
import type { Env } from '../env.ts';
import type { MoveOutcome } from '../services/orders/model.ts';
import { cancelSaga, moveSagaOrder, recoverSaga, startSaga } from '../services/orders/saga/commands.ts';
import { redacted } from '../services/orders/saga/context.ts';
import type { CancelOutcome, OrderSagaMethods, RecoverOutcome, SagaLogEvent } from '../services/orders/saga/rpc.ts';
import { runSaga, type SagaStorage } from '../services/orders/saga/runner.ts';
import { bounded, sagaConfig } from '../services/orders/saga/runtime.ts';
import { isTerminal, type SagaState } from '../services/orders/saga/state.ts';
import { sagaStorage } from './saga-storage.ts';

type Input<M extends keyof OrderSagaMethods> = Parameters<OrderSagaMethods[M]>[0];

/**
 * One instance per order (`idFromName(orderId)`): the single writer of that order's saga, and its
 * driver. This class is storage, alarm and the RPC surface; what the saga does lives in
 * services/orders/saga (the steps, `runner.ts` the alarm's work and policy, `commands.ts`
 * start/cancel/move/recover, `state.ts` the pure machine).
 * Storage: SQLite (saga-storage.ts). Cancels, staff moves and adoptions run one at a time
 * (`exclusive`); the runner runs the steps, one run at a time (`run`), started by `start` and by
 * the alarm (a retry's, a cancel's, the watchdog's).
 * Nothing read over RPC carries the payment token (`redacted`).
 */
export class OrderSaga extends DurableObject<Env> implements OrderSagaBinding {
  /** Cancels, staff moves and adoptions, one after another (each waits for the one before to settle). */
  #queue: Promise<unknown> = Promise.resolve();
  /** Runs of the runner, one after another. */
  #runs: Promise<unknown> = Promise.resolve();
  readonly #storage: SagaStorage;
  /** Callers of `settled` waiting for the next change of the state or of what PostgreSQL shows. */
  readonly #waiters = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#storage = sagaStorage(ctx, () => {
      for (const wake of this.#waiters) wake();
      this.#waiters.clear();
    });
  }

  /**
   * Runs `work` after every earlier exclusive call settled, even one whose caller gave
   * up waiting: a move that is still writing keeps the next cancel waiting.
   */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => {});
    return bounded(run, sagaConfig(this.env).stepTimeoutMs, 'order write');
  }

  /**
   * Starts the saga; starting it again returns the existing state (idempotent). The steps start
   * at once, not when the alarm that `startSaga` set fires (it stays, should this object die first).
   */
  async start(input: Input<'start'>): Promise<SagaState> {
    const state = await startSaga(this.#storage, input);
    if (!isTerminal(state)) void this.run();
    return redacted(state);
  }

  async cancel(input: Input<'cancel'>): Promise<CancelOutcome> {
    const outcome = await this.exclusive(() => cancelSaga(this.#storage, this.env, input));
    return outcome.ok ? { ...outcome, state: redacted(outcome.state) } : outcome;
  }

  async moveStatus(input: Input<'moveStatus'>): Promise<MoveOutcome> {
    return this.exclusive(() => moveSagaOrder(this.#storage, this.env, input));
  }

  async recover(input: Input<'recover'>): Promise<RecoverOutcome> {
    return this.exclusive(() => recoverSaga(this.#storage, this.env, input));
  }

  /** Something outside (a payment webhook) says it is worth looking again now. */
  async nudge(): Promise<void> {
    const state = this.#storage.load();
    if (state && !isTerminal(state)) await this.ctx.storage.setAlarm(Date.now());
  }

  /** The state, whether PostgreSQL already shows it, and then the order as a settled saga left it. */
  async status() {
    const state = this.#storage.load();
    const meta = this.#storage.meta();
    const mirrored = state !== null && meta.mirrored === state.updatedAt;
    const order = mirrored && isTerminal(state) ? (meta.order ?? null) : null;
    return { state: state && redacted(state), mirrored, order };
  }

  async settled({ ms }: Input<'settled'>): ReturnType<OrderSagaMethods['settled']> {
    const deadline = Date.now() + Math.max(0, Math.min(ms, 30_000)); // the route caps Prefer: wait at 10 s
    for (;;) {
      const now = await this.status();
      if (!now.state || (isTerminal(now.state) && now.mirrored) || Date.now() >= deadline) return now;
      await new Promise<void>((resolve) => {
        this.#waiters.add(resolve); // woken by the next save of the state or of what PostgreSQL shows
        setTimeout(resolve, deadline - Date.now());
      });
    }
  }

  async state(): Promise<SagaState | null> {
    const state = this.#storage.load();
    return state && redacted(state);
  }

  async history(): Promise<{ seq: number; at: string; event: SagaLogEvent }[]> {
    return this.ctx.storage.sql
      .exec<{ seq: number; at: string; event: string }>('SELECT seq, at, event FROM saga_log ORDER BY seq')
      .toArray()
      .map((r) => ({ seq: r.seq, at: r.at, event: JSON.parse(r.event) }));
  }

  /** The runner: mirrors, announces and advances the saga until it waits or settles. */
  override async alarm(): Promise<void> {
    await this.run();
  }

  /** Runs the runner after the run in flight, if any (one started by `start`, or the alarm's): one at a time. */
  private run(): Promise<void> {
    const run = this.#runs.then(() => runSaga(this.#storage, this.env));
    this.#runs = run.catch(() => {});
    return run;
  }
}

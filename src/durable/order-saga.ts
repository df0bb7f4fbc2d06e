import { DurableObject } from 'cloudflare:workers';

import type { OrderSagaBinding } from '../bindings.ts';
import type { Env } from '../env.ts';
import type { MoveOutcome } from '../services/orders/model.ts';
import { cancelSaga, moveSagaOrder, recoverSaga, startSaga } from '../services/orders/saga/commands.ts';
import { redacted } from '../services/orders/saga/context.ts';
import type { CancelOutcome, OrderSagaMethods, RecoverOutcome, SagaLogEvent } from '../services/orders/saga/rpc.ts';
import { readRunnerMeta, runSaga, type SagaStorage } from '../services/orders/saga/runner.ts';
import { bounded, sagaConfig } from '../services/orders/saga/runtime.ts';
import { isTerminal, readSagaState, type SagaState } from '../services/orders/saga/state.ts';

type Input<M extends keyof OrderSagaMethods> = Parameters<OrderSagaMethods[M]>[0];

/**
 * One instance per order (`idFromName(orderId)`): the single writer of that order's saga, and its
 * driver. This class is storage, alarm and the RPC surface; what the saga does lives in
 * services/orders/saga (the steps, `runner.ts` the alarm's work and policy, `commands.ts`
 * start/cancel/move/recover, `state.ts` the pure machine).
 * Storage (SQLite): `saga` the state (read through `readSagaState`, which migrates older shapes),
 * `saga_runner` the runner's attempts and what reached PostgreSQL and the queue, `saga_log` every
 * transition with the round trips it made (GET /orders/{id}/saga shows what an order cost).
 * Cancels, staff moves and adoptions run one at a time (`exclusive`); the alarm runs the steps.
 * Nothing read over RPC carries the payment token (`redacted`).
 */
export class OrderSaga extends DurableObject<Env> implements OrderSagaBinding {
  /** Cancels, staff moves and adoptions, one after another (each waits for the one before to settle). */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #storage: SagaStorage;
  /** Callers of `settled` waiting for the next change of the state or of what PostgreSQL shows. */
  readonly #waiters = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Not awaited (a constructor cannot): the runtime holds every event until it settles, and a
    // throw resets the object, so nothing is lost by not holding the promise.
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS saga (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)`,
      );
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS saga_runner (id INTEGER PRIMARY KEY CHECK (id = 1), meta TEXT NOT NULL)`,
      );
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS saga_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, event TEXT NOT NULL)`,
      );
    });
    const sql = ctx.storage.sql;
    const changed = () => {
      for (const wake of this.#waiters) wake();
      this.#waiters.clear();
    };
    const log = (entry: object) =>
      sql.exec('INSERT INTO saga_log (at, event) VALUES (?, ?)', new Date().toISOString(), JSON.stringify(entry));
    this.#storage = {
      load() {
        const row = sql.exec<{ state: string }>('SELECT state FROM saga WHERE id = 1').toArray()[0];
        return row ? readSagaState(JSON.parse(row.state)) : null;
      },
      save(state, event) {
        sql.exec('INSERT OR REPLACE INTO saga (id, state) VALUES (1, ?)', JSON.stringify(state));
        log(event);
        changed();
      },
      meta() {
        const row = sql.exec<{ meta: string }>('SELECT meta FROM saga_runner WHERE id = 1').toArray()[0];
        return readRunnerMeta(row ? JSON.parse(row.meta) : null);
      },
      saveMeta(meta) {
        sql.exec('INSERT OR REPLACE INTO saga_runner (id, meta) VALUES (1, ?)', JSON.stringify(meta));
        changed();
      },
      log,
      setAlarm: (at) => ctx.storage.setAlarm(at),
      deleteAlarm: () => ctx.storage.deleteAlarm(),
    };
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

  /** Starts the saga; starting it again returns the existing state (idempotent). */
  async start(input: Input<'start'>): Promise<SagaState> {
    return redacted(await startSaga(this.#storage, input));
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

  /** The state, and whether PostgreSQL already shows it. */
  async status(): Promise<{ state: SagaState | null; mirrored: boolean }> {
    const state = this.#storage.load();
    const mirrored = state !== null && this.#storage.meta().mirrored === state.updatedAt;
    return { state: state && redacted(state), mirrored };
  }

  async settled({ ms }: Input<'settled'>): Promise<{ state: SagaState | null; mirrored: boolean }> {
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
    await runSaga(this.#storage, this.env);
  }
}

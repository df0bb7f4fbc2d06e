import { DurableObject } from 'cloudflare:workers';

import { createStores, type StoreUsage } from '../db/stores.ts';
import type { Env } from '../env.ts';
import { createLogger, errorFields } from '../lib/logger.ts';
import { recordDeadLetter } from '../queues/dead-letters.ts';
import type { NotificationMessage } from '../queues/notification-messages.ts';
import type { ServiceContext } from '../services/context.ts';
import {
  applyStaffMove,
  cancellableNow,
  forgetSagaStart,
  mirrorSaga,
  ORDER_SAGA_STEP_DEFS,
  orderEvent,
  PermanentStepError,
  publishOrderEvents,
  sagaContextOf,
  StepWaitError,
  type MoveOutcome,
  type OrderFacts,
  type StaffTarget,
} from '../services/orders/index.ts';
import {
  applyEvent,
  expectedStep,
  initialState,
  isTerminal,
  isUnwinding,
  type SagaContext,
  type SagaEvent,
  type SagaState,
} from './saga-state.ts';

export type CancelOutcome =
  | { ok: true; state: SagaState }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_cancellable'; status: string };

/** What the sweeper found: a saga that runs (nudged), one it adopted and cancelled, or an order that is gone. */
export type RecoverOutcome = 'running' | 'adopted' | 'gone';

/** What the runner keeps besides the pure state: attempts per step, and what reached PostgreSQL and the queue. */
interface RunnerMeta {
  /** `run:STEP` / `undo:STEP` -> attempts made so far (the one in flight included). */
  attempts: Record<string, number>;
  /** updatedAt of the state last mirrored into PostgreSQL. */
  mirrored: string | null;
  /** Terminal statuses whose events were sent. */
  eventsSent: string[];
  /** `run:STEP` -> times it waited (StepWaitError) without using an attempt. */
  waits?: Record<string, number>;
}

const WATCHDOG_MS = 30_000;

/**
 * No await of the runner may hang: a store call that never answers (a connection the
 * driver lost without rejecting the query) would hold the alarm forever, and an alarm
 * in progress blocks the watchdog. Past `ms` the work counts as a transient failure.
 */
function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A log entry's event, as JSON (RPC callers get it as such). */
export type SagaLogEvent = {
  [key: string]: string | number | boolean | null | SagaLogEvent | SagaLogEvent[] | string[];
};

/**
 * One instance per order (`idFromName(orderId)`): the single writer of that order's
 * saga, and its driver. `start` stores the state and sets an alarm; the alarm runs
 * the steps one after another (RESERVE_STOCK -> PROCESS_PAYMENT -> CONFIRM_ORDER, see
 * services/orders/saga), and on a permanent failure, a cancellation or the deadline,
 * compensates the completed ones in reverse. Every transition is saved in SQLite
 * before anything else happens, then mirrored into PostgreSQL (saga_executions and
 * the order's status, one transaction), then announced (notifications queue).
 *
 * The log records, per step and per mirror, the PostgreSQL statements and Data API
 * calls it made (`usage`): GET /orders/{id}/saga shows what an order cost.
 *
 * Single writer per order: a cancellation and a staff status move both run here, one
 * at a time (`exclusive`), so either the cancel is recorded first (the move answers
 * 409) or the move reaches PostgreSQL first (the cancel re-reads the status and
 * answers 409). An order whose saga never started (the Worker died between the
 * insert and `start`) is adopted by a cancel or by the sweeper and cancelled.
 *
 * Crash safety: before working, the alarm re-arms itself WATCHDOG_MS ahead, so an
 * object evicted or aborted mid-step resumes there. A resumed step runs again with
 * the same attempt number (so the same provider idempotency key); steps are
 * idempotent per (order, step). Only a transient failure that was recorded moves to
 * the next attempt, after an exponential backoff with jitter.
 */
export class OrderSaga extends DurableObject<Env> {
  /** Cancels, staff moves and adoptions, one after another (each waits for the one before to settle). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
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
  }

  // ---- storage -----------------------------------------------------------

  private load(): SagaState | null {
    const row = this.ctx.storage.sql.exec<{ state: string }>('SELECT state FROM saga WHERE id = 1').toArray()[0];
    return row ? (JSON.parse(row.state) as SagaState) : null;
  }

  private meta(): RunnerMeta {
    const row = this.ctx.storage.sql.exec<{ meta: string }>('SELECT meta FROM saga_runner WHERE id = 1').toArray()[0];
    return row ? (JSON.parse(row.meta) as RunnerMeta) : { attempts: {}, mirrored: null, eventsSent: [] };
  }

  private saveMeta(meta: RunnerMeta): void {
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO saga_runner (id, meta) VALUES (1, ?)', JSON.stringify(meta));
  }

  private save(state: SagaState, event: object): void {
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO saga (id, state) VALUES (1, ?)', JSON.stringify(state));
    this.ctx.storage.sql.exec(
      'INSERT INTO saga_log (at, event) VALUES (?, ?)',
      new Date().toISOString(),
      JSON.stringify(event),
    );
  }

  /**
   * Applies `event` onto the state as stored NOW, never onto a caller's copy: the runner
   * awaits a step while a cancel (or another exclusive call) may record a change, and a
   * transition built from the runner's older copy would drop it (e.g. `cancelRequested`).
   * `state` is only the fallback when nothing is stored yet.
   */
  private transition(state: SagaState, event: SagaEvent, usage?: StoreUsage): SagaState {
    const current = this.load() ?? state;
    const next = applyEvent(current, event, new Date().toISOString());
    if (next !== current) this.save(next, usage ? { ...event, usage } : event);
    return next;
  }

  private log(entry: object): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO saga_log (at, event) VALUES (?, ?)',
      new Date().toISOString(),
      JSON.stringify(entry),
    );
  }

  private config() {
    return {
      deadlineMs: (Number(this.env.ORDER_SAGA_DEADLINE_SECONDS) || 300) * 1000,
      maxAttempts: Number(this.env.ORDER_SAGA_MAX_ATTEMPTS) || 5,
      undoMaxAttempts: Number(this.env.ORDER_SAGA_UNDO_MAX_ATTEMPTS) || 10,
      stockWaitMs: (Number(this.env.ORDER_SAGA_STOCK_WAIT_SECONDS) || 120) * 1000,
      retryBaseMs: Number(this.env.ORDER_SAGA_RETRY_BASE_MS) || 1000,
      stepTimeoutMs: Number(this.env.ORDER_SAGA_STEP_TIMEOUT_MS) || 30_000,
    };
  }

  // ---- RPC ---------------------------------------------------------------

  /** Starts the saga; starting it again returns the existing state (idempotent). */
  async start(input: { orderId: string; tenantId: string; context?: SagaContext }): Promise<SagaState> {
    const existing = this.load();
    if (existing) {
      if (!isTerminal(existing)) await this.ctx.storage.setAlarm(Date.now());
      return existing;
    }
    const state = initialState(input.orderId, input.tenantId, input.context ?? {}, new Date().toISOString());
    this.save(state, { type: 'STARTED', orderId: input.orderId });
    // The order's history: the code its transaction redeemed (services/promotions/redeem.ts).
    const c = state.context;
    if (c.promotionCode)
      this.log({ type: 'PROMOTION_APPLIED', code: c.promotionCode, kind: c.promotionKind, amount: c.promotionAmount });
    await this.ctx.storage.setAlarm(Date.now());
    return state;
  }

  /**
   * Runs `work` after every earlier exclusive call settled, even one whose caller gave
   * up waiting: a move that is still writing keeps the next cancel waiting.
   */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => {});
    return bounded(run, this.config().stepTimeoutMs, 'order write');
  }

  private async withStores<T>(tenantId: string, work: (svc: ServiceContext) => Promise<T>): Promise<T> {
    const stores = createStores(this.env);
    const logger = createLogger(this.env.LOG_LEVEL, { saga: 'order' });
    try {
      return await work({ env: this.env, stores, tenantId, principal: null, logger });
    } finally {
      await bounded(stores.close(), 5_000, 'closing the stores').catch(() => {});
    }
  }

  /** A saga for an order that never got one, recording why it is cancelled; the runner compensates it. */
  private adopt(orderId: string, tenantId: string, context: SagaContext, reason: string): SagaState {
    const state = initialState(orderId, tenantId, context, new Date().toISOString());
    this.save(state, { type: 'ADOPTED', orderId, reason });
    return this.transition(state, { type: 'CANCEL_REQUESTED', reason });
  }

  /**
   * Owner or staff cancel: refused (409) once a staff move made the order SHIPPED;
   * otherwise recorded now, compensated by the runner. An order without a saga is adopted.
   */
  async cancel(input: { orderId: string; tenantId: string; reason: string }): Promise<CancelOutcome> {
    return this.exclusive(() =>
      this.withStores(input.tenantId, async (svc): Promise<CancelOutcome> => {
        const known = this.load();
        if (known && known.tenantId !== input.tenantId) return { ok: false, reason: 'not_found' };
        const check = await cancellableNow(svc, input.orderId);
        if (!check.ok) return check;
        const state = this.load();
        const next = state
          ? this.transition(state, { type: 'CANCEL_REQUESTED', reason: input.reason })
          : this.adopt(input.orderId, input.tenantId, sagaContextOf(check.order, check.items, ''), input.reason);
        if (!isTerminal(next)) await this.ctx.storage.setAlarm(Date.now());
        return { ok: true, state: next };
      }),
    );
  }

  /** A staff move (CONFIRMED -> PROCESSING -> SHIPPED -> DELIVERED): refused once a cancel is recorded. */
  async moveStatus(input: {
    orderId: string;
    tenantId: string;
    target: StaffTarget;
    expectedVersion: number | undefined;
  }): Promise<MoveOutcome> {
    return this.exclusive(() =>
      this.withStores(input.tenantId, async (svc): Promise<MoveOutcome> => {
        const state = this.load();
        if (state && state.tenantId !== input.tenantId) return { ok: false, reason: 'not_found' };
        if (state && isUnwinding(state)) return { ok: false, reason: 'cancelling', from: state.status };
        return applyStaffMove(svc, input.orderId, input.target, input.expectedVersion);
      }),
    );
  }

  /**
   * The sweeper found the order's start record past its grace period: a saga that
   * exists is nudged (its next mirror removes the record); an order without one is
   * adopted and cancelled (no payment token survives the lost request, so it is never charged).
   */
  async recover(input: { orderId: string; tenantId: string }): Promise<RecoverOutcome> {
    return this.exclusive(() =>
      this.withStores(input.tenantId, async (svc): Promise<RecoverOutcome> => {
        const state = this.load();
        if (state) {
          if (this.meta().mirrored === null || !isTerminal(state)) await this.ctx.storage.setAlarm(Date.now());
          else await forgetSagaStart(svc, input.orderId);
          return 'running';
        }
        const check = await cancellableNow(svc, input.orderId);
        if (!check.ok) {
          await forgetSagaStart(svc, input.orderId);
          return 'gone';
        }
        if (this.load()) return 'running';
        this.adopt(
          input.orderId,
          input.tenantId,
          sagaContextOf(check.order, check.items, ''),
          'checkout did not start',
        );
        await this.ctx.storage.setAlarm(Date.now());
        return 'adopted';
      }),
    );
  }

  /** Something outside (a payment webhook) says it is worth looking again now. */
  async nudge(): Promise<void> {
    const state = this.load();
    if (state && !isTerminal(state)) await this.ctx.storage.setAlarm(Date.now());
  }

  /** The state, and whether PostgreSQL already shows it. */
  async status(): Promise<{ state: SagaState | null; mirrored: boolean }> {
    const state = this.load();
    return { state, mirrored: state !== null && this.meta().mirrored === state.updatedAt };
  }

  async state(): Promise<SagaState | null> {
    return this.load();
  }

  async history(): Promise<{ seq: number; at: string; event: SagaLogEvent }[]> {
    return this.ctx.storage.sql
      .exec<{ seq: number; at: string; event: string }>('SELECT seq, at, event FROM saga_log ORDER BY seq')
      .toArray()
      .map((r) => ({ seq: r.seq, at: r.at, event: JSON.parse(r.event) }));
  }

  // ---- the runner --------------------------------------------------------

  override async alarm(): Promise<void> {
    let state = this.load();
    if (!state) return;
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    const logger = createLogger(this.env.LOG_LEVEL, { orderId: state.orderId, saga: 'order' });
    const stores = createStores(this.env);
    const svc: ServiceContext = { env: this.env, stores, tenantId: state.tenantId, principal: null, logger };
    try {
      for (;;) {
        await this.sync(svc, state);
        // A cancel may have been recorded while the mirror ran: work from the stored state.
        const stored = this.load()!;
        if (JSON.stringify(stored) !== JSON.stringify(state)) {
          state = stored;
          continue;
        }
        if (isTerminal(state)) {
          await this.ctx.storage.deleteAlarm();
          return;
        }
        const next = await this.advance(svc, state);
        if (next === 'wait') return; // a retry alarm is set
        state = next;
      }
    } catch (err) {
      // PostgreSQL or the queue unreachable while syncing: the watchdog alarm retries.
      logger.warn('order saga paused; will resume', errorFields(err));
      const retryAt = Date.now() + this.config().retryBaseMs;
      await this.ctx.storage.setAlarm(retryAt);
    } finally {
      await bounded(stores.close(), 5_000, 'closing the stores').catch(() => {});
    }
  }

  /** Mirrors the state into PostgreSQL and sends the events of a terminal status, once each. */
  private async sync(svc: ServiceContext, state: SagaState): Promise<void> {
    const meta = this.meta();
    if (meta.mirrored !== state.updatedAt) {
      const before = svc.stores.usage();
      const retries = Object.values(meta.attempts).reduce((sum, n) => sum + Math.max(0, n - 1), 0);
      await bounded(
        mirrorSaga(svc, state, retries, { firstMirror: meta.mirrored === null }),
        this.config().stepTimeoutMs,
        'saga mirror',
      );
      meta.mirrored = state.updatedAt;
      this.saveMeta(meta);
      this.log({ type: 'MIRRORED', status: state.status, usage: usageSince(before, svc.stores.usage()) });
    }
    if (isTerminal(state) && !meta.eventsSent.includes(state.status)) {
      if (state.status === 'COMPENSATION_FAILED') {
        svc.logger.error('order saga compensation failed; staff must act', { error: state.errorMessage });
        await bounded(
          recordDeadLetter(svc.stores.mongo(), {
            queue: 'order-saga',
            messageId: `order-saga:${state.orderId}`,
            reason: 'compensation-failed',
            body: { ...state, context: { ...state.context, paymentToken: null } },
          }),
          this.config().stepTimeoutMs,
          'dead letter',
        );
      }
      await bounded(publishOrderEvents(svc, eventsFor(state)), this.config().stepTimeoutMs, 'order events');
      meta.eventsSent.push(state.status);
      this.saveMeta(meta);
    }
  }

  /** Runs or compensates the next step once; the new state, or 'wait' when a retry is scheduled. */
  private async advance(svc: ServiceContext, state: SagaState): Promise<SagaState | 'wait'> {
    const { deadlineMs, maxAttempts, undoMaxAttempts, retryBaseMs, stepTimeoutMs, stockWaitMs } = this.config();
    const step = expectedStep(state)!;
    const compensating = state.status === 'COMPENSATING';
    const meta = this.meta();
    if (!compensating) {
      // The step interrupted here may have acted in an earlier attempt (an authorization
      // whose capture kept failing): it is undone too, before the completed ones.
      const compensate = meta.attempts[`run:${step}`] !== undefined;
      if (state.cancelRequested)
        return this.transition(state, {
          type: 'STEP_FAILED',
          step,
          error: `cancelled: ${state.cancelRequested}`,
          compensate,
        });
      if (Date.now() - Date.parse(state.createdAt) > deadlineMs)
        return this.transition(state, { type: 'STEP_FAILED', step, error: 'deadline exceeded', compensate });
    }
    const key = `${compensating ? 'undo' : 'run'}:${step}`;
    const attempt = meta.attempts[key] ?? 1;
    meta.attempts[key] = attempt;
    this.saveMeta(meta);

    const def = ORDER_SAGA_STEP_DEFS[step];
    const before = svc.stores.usage();
    try {
      const input = { svc, saga: state, attempt };
      const output = await bounded(
        compensating ? def.compensate(input) : def.run(input),
        stepTimeoutMs,
        `${step} (attempt ${attempt})`,
      );
      const usage = usageSince(before, svc.stores.usage());
      return this.transition(
        state,
        compensating ? { type: 'STEP_COMPENSATED', step, output } : { type: 'STEP_COMPLETED', step, output },
        usage,
      );
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      // A step waiting for something outside (units held by orders still in checkout)
      // comes back later with the same attempt, within its own bound.
      if (!compensating && err instanceof StepWaitError) {
        const waits = (meta.waits?.[key] ?? 0) + 1;
        const delay = Math.min(5_000, retryBaseMs * 2 ** (waits - 1)) * (0.5 + Math.random());
        if (Date.now() + delay - Date.parse(state.createdAt) < stockWaitMs) {
          meta.waits = { ...meta.waits, [key]: waits };
          this.saveMeta(meta);
          await this.ctx.storage.setAlarm(Date.now() + delay);
          // Other orders' RESERVE_STOCK counts this one as a possible holder until it says it waits.
          if (waits === 1)
            await bounded(
              mirrorSaga(svc, state, retriesOf(meta), { waitingForStock: true }),
              stepTimeoutMs,
              'saga mirror',
            ).catch(() => {});
          this.log({ type: 'STEP_WAIT', step, attempt, waits, error, usage: usageSince(before, svc.stores.usage()) });
          return 'wait';
        }
      }
      // An undo is retried whatever the error (a refusal may be lifted by staff or the
      // provider), up to its own, larger limit; then the saga ends COMPENSATION_FAILED.
      const permanent = !compensating && (err instanceof PermanentStepError || isPermanentProviderError(err));
      if (!permanent && attempt < (compensating ? undoMaxAttempts : maxAttempts)) {
        meta.attempts[key] = attempt + 1;
        this.saveMeta(meta);
        const delay = Math.min(60_000, retryBaseMs * 2 ** (attempt - 1)) * (0.5 + Math.random());
        svc.logger.warn('order saga step failed; retrying', {
          step,
          compensating,
          attempt,
          delayMs: Math.round(delay),
          error,
        });
        this.log({
          type: 'STEP_RETRY',
          step,
          compensating,
          attempt,
          error,
          usage: usageSince(before, svc.stores.usage()),
        });
        await this.ctx.storage.setAlarm(Date.now() + delay);
        // The retry count reaches saga_executions with the next mirror.
        const latest = this.load()!;
        await bounded(
          mirrorSaga(
            svc,
            latest,
            Object.values(meta.attempts).reduce((s, n) => s + Math.max(0, n - 1), 0),
          ),
          stepTimeoutMs,
          'saga mirror',
        ).catch(() => {});
        return 'wait';
      }
      svc.logger.warn('order saga step failed for good', { step, compensating, attempt, error });
      if (compensating)
        return this.transition(
          state,
          { type: 'COMPENSATION_FAILED', step, error },
          usageSince(before, svc.stores.usage()),
        );
      // The failed step is undone first (its compensation is a no-op when it did nothing),
      // with the same retries as every other undo: never swallowed.
      const output = err instanceof PermanentStepError ? err.output : {};
      return this.transition(
        state,
        { type: 'STEP_FAILED', step, error, output, compensate: true },
        usageSince(before, svc.stores.usage()),
      );
    }
  }
}

/** Retries so far, over every step (saga_executions.retry_count). */
function retriesOf(meta: RunnerMeta): number {
  return Object.values(meta.attempts).reduce((sum, n) => sum + Math.max(0, n - 1), 0);
}

/** Round trips between two readings of a request's store usage. */
function usageSince(before: StoreUsage, after: StoreUsage): StoreUsage {
  return { pgQueries: after.pgQueries - before.pgQueries, dataApiCalls: after.dataApiCalls - before.dataApiCalls };
}

/** Declines and invalid requests from a payment provider cannot be fixed by retrying. */
function isPermanentProviderError(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'PaymentDeclinedError' || name === 'PaymentRequestError';
}

function factsOf(state: SagaState): OrderFacts {
  const c = state.context;
  return {
    orderId: state.orderId,
    tenantId: state.tenantId,
    userId: String(c.userId),
    orderNumber: String(c.orderNumber),
    total: String(c.total),
    currency: String(c.currency),
  };
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

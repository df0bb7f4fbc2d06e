/**
 * The order saga's runner: what the Durable Object's alarm does. It walks the steps
 * (RESERVE_STOCK -> PROCESS_PAYMENT -> CONFIRM_ORDER, index.ts) and, on a permanent
 * failure, a cancellation or the deadline, compensates the completed ones in reverse.
 * Every transition is saved in the object's storage before anything else happens, then
 * mirrored into PostgreSQL (saga_executions and the order's status, one transaction),
 * then announced (announce.ts). Round trips (issue #17): a step that writes PostgreSQL when
 * it completes carries the mirror of its completion in that write (`fold`, step.ts), so
 * that mirror reaches PostgreSQL with the step's work, just before the object saves the
 * transition (a crash between: the step runs again, idempotent, and the mirror with it);
 * the state before such a step is not mirrored at all (`supersededByNextStep`).
 *
 * Policy, all here:
 * - classification by problem type (errors.ts): a permanent type compensates at once;
 *   `stock-held-in-checkout` waits with the same attempt while the saga is younger than
 *   ORDER_SAGA_STOCK_WAIT_SECONDS; anything else is transient and retried up to
 *   ORDER_SAGA_MAX_ATTEMPTS, then treated as permanent;
 * - an undo is retried whatever the error (a refusal may be lifted by staff or the
 *   provider), up to ORDER_SAGA_UNDO_MAX_ATTEMPTS; then the saga ends COMPENSATION_FAILED;
 * - backoff: exponential from ORDER_SAGA_RETRY_BASE_MS with jitter (x0.5..1.5), at most 60 s
 *   (5 s between stock waits);
 * - deadline: ORDER_SAGA_DEADLINE_SECONDS from the start, then the next step fails;
 * - step timeout: no await may hang (ORDER_SAGA_STEP_TIMEOUT_MS, `bounded`).
 *
 * Crash safety: before working, the run re-arms the alarm WATCHDOG_MS ahead, so an object
 * evicted or aborted mid-step resumes there. A resumed step runs again with the same
 * attempt number (so the same provider idempotency key); steps are idempotent per
 * (order, step). Only a transient failure that was recorded moves to the next attempt.
 */
import { z } from 'zod';

import { usageSince, type StoreUsage } from '../../../db/stores.ts';
import type { Env } from '../../../env.ts';
import { errorFields } from '../../../lib/logger.ts';
import { Problem } from '../../../lib/problem.ts';
import type { ServiceContext } from '../../context.ts';
import { ORDER_PAYMENT_STATUSES, ORDER_STATUSES, type OrderSnapshot } from '../model.ts';
import { mirrorSaga, mirrorStatements, orderSnapshotOf, type MirrorOptions } from '../saga-mirror.ts';
import { announce } from './announce.ts';
import type { StepReport } from './context.ts';
import { PERMANENT_STEP_PROBLEMS, StepProblem, WAITING_STEP_PROBLEMS } from './errors.ts';
import { ORDER_SAGA_STEP_DEFS } from './index.ts';
import { bounded, sagaConfig, withSagaContext, type SagaConfig } from './runtime.ts';
import { applyEvent, expectedStep, isTerminal, type OrderSagaStep, type SagaEvent, type SagaState } from './state.ts';
import type { MirrorFold, SagaStep, StepInput } from './step.ts';

/** What the runner keeps besides the pure state: attempts per step, and what reached PostgreSQL and the queue. */
const runnerMetaSchema = z.object({
  /** `run:STEP` / `undo:STEP` -> attempts made so far (the one in flight included). */
  attempts: z.record(z.string(), z.number().int()),
  /** updatedAt of the state last mirrored into PostgreSQL. */
  mirrored: z.string().nullable(),
  /** Terminal statuses whose events were sent. */
  eventsSent: z.array(z.string()),
  /** `run:STEP` -> times it waited (stock held in checkout) without using an attempt. */
  waits: z.record(z.string(), z.number().int()).optional(),
  /**
   * The order's own transaction wrote the first mirror (STARTED) and its start record is still
   * there: the next mirror removes it (`firstMirror`), as the first one does otherwise.
   */
  startPending: z.boolean().optional(),
  /** The order as the mirror of the settled saga left it (`orderSnapshotOf`), for `Prefer: wait`. */
  order: z
    .object({
      status: z.enum(ORDER_STATUSES),
      paymentStatus: z.enum(ORDER_PAYMENT_STATUSES),
      version: z.number().int(),
      updatedAt: z.string(),
      completedAt: z.string().nullable(),
      cancelledAt: z.string().nullable(),
    })
    .nullable()
    .optional(),
});
export type RunnerMeta = z.infer<typeof runnerMetaSchema>;

/** The runner's record as stored; none yet is a fresh one. */
export function readRunnerMeta(stored: unknown): RunnerMeta {
  return stored === null ? { attempts: {}, mirrored: null, eventsSent: [] } : runnerMetaSchema.parse(stored);
}

/** The Durable Object's storage, as the runner and the commands use it. */
export interface SagaStorage {
  load(): SagaState | null;
  save(state: SagaState, event: object): void;
  meta(): RunnerMeta;
  saveMeta(meta: RunnerMeta): void;
  log(entry: object): void;
  setAlarm(at: number): Promise<void>;
  deleteAlarm(): Promise<void>;
}

const WATCHDOG_MS = 30_000;

/**
 * Applies `event` onto the state as stored NOW, never onto a caller's copy: the runner
 * awaits a step while a cancel (or another exclusive call) may record a change, and a
 * transition built from the runner's older copy would drop it (e.g. `cancelRequested`).
 * `state` is only the fallback when nothing is stored yet.
 */
export function transition(
  storage: SagaStorage,
  state: SagaState,
  event: SagaEvent,
  usage?: StoreUsage,
  now = new Date().toISOString(),
): SagaState {
  const current = storage.load() ?? state;
  const next = applyEvent(current, event, now);
  if (next !== current) storage.save(next, usage ? { ...event, usage } : event);
  return next;
}

/** Whether the next mirror is the first since the order's start record was written (it removes the record). */
function firstMirror(meta: RunnerMeta): Pick<MirrorOptions, 'firstMirror'> {
  return { firstMirror: meta.mirrored === null || meta.startPending === true };
}

/**
 * Records in `meta` that PostgreSQL shows `state` and, for a settled saga, what its order became
 * (null otherwise, or when the mirror found no order: never an older saga's answer).
 */
function markMirrored(meta: RunnerMeta, state: SagaState, order: RunnerMeta['order']): void {
  meta.mirrored = state.updatedAt;
  delete meta.startPending;
  meta.order = order ?? null;
}

/** Retries so far, over every step (saga_executions.retry_count). */
function retriesOf(meta: RunnerMeta): number {
  return Object.values(meta.attempts).reduce((sum, n) => sum + Math.max(0, n - 1), 0);
}

type Failure = 'wait' | 'permanent' | 'transient';

/** By problem type: what a step's error means for the saga. */
function classify(err: unknown): Failure {
  if (!(err instanceof Problem)) return 'transient';
  if (WAITING_STEP_PROBLEMS.some((t) => err.hasType(t))) return 'wait';
  if (PERMANENT_STEP_PROBLEMS.some((t) => err.hasType(t))) return 'permanent';
  return 'transient';
}

/** Runs a step (or its undo) on its declared slice of the context; its report, checked. */
async function invoke<I>(
  step: SagaStep<I>,
  compensating: boolean,
  args: Omit<StepInput, 'input'>,
  state: SagaState,
): Promise<StepReport> {
  const call = { ...args, input: step.input.parse(state.context) };
  return step.output.parse(compensating ? await step.compensate(call) : await step.run(call));
}

/** The alarm: mirrors, announces and advances the saga until it waits or settles. */
export async function runSaga(storage: SagaStorage, env: Env): Promise<void> {
  let state = storage.load();
  if (!state) return;
  await storage.setAlarm(Date.now() + WATCHDOG_MS);
  const config = sagaConfig(env);
  await withSagaContext(env, state.tenantId, { orderId: state.orderId }, async (svc) => {
    try {
      for (;;) {
        await sync(storage, svc, state!, config);
        // A cancel may have been recorded while the mirror ran: work from the stored state.
        const stored = storage.load()!;
        if (JSON.stringify(stored) !== JSON.stringify(state)) {
          state = stored;
          continue;
        }
        if (isTerminal(state!)) return storage.deleteAlarm();
        const next = await advance(storage, svc, state!, config);
        if (next === 'wait') return; // a retry alarm is set
        state = next;
      }
    } catch (err) {
      // PostgreSQL or the queue unreachable while syncing: the watchdog alarm retries.
      svc.logger.warn('order saga paused; will resume', errorFields(err));
      await storage.setAlarm(Date.now() + config.retryBaseMs);
    }
  });
}

/**
 * A state between two forward steps whose next step mirrors its own completion (`foldsMirror`)
 * is not mirrored: that mirror follows within the step and says everything this one would.
 * Nothing needs it meanwhile: the first mirror (STARTED) is written, and with it the order
 * counts as holding its units for other orders' RESERVE_STOCK (`unitsHeldInCheckout`; a
 * `waitingForStock` flag left on it sends them to the product's holds, which say the truth).
 * A retry, a cancel or a failure is mirrored as before.
 */
function supersededByNextStep(state: SagaState, meta: RunnerMeta): boolean {
  if (state.status !== 'IN_PROGRESS' || state.cancelRequested !== null || meta.mirrored === null) return false;
  const next = expectedStep(state);
  return next !== undefined && ORDER_SAGA_STEP_DEFS[next].foldsMirror === true;
}

/** Mirrors the state into PostgreSQL and sends the events of a terminal status, once each. */
async function sync(storage: SagaStorage, svc: ServiceContext, state: SagaState, config: SagaConfig): Promise<void> {
  const meta = storage.meta();
  if (meta.mirrored !== state.updatedAt && !supersededByNextStep(state, meta)) {
    const before = svc.stores.usage();
    const order = await bounded(
      mirrorSaga(svc, state, retriesOf(meta), firstMirror(meta)),
      config.stepTimeoutMs,
      'saga mirror',
    );
    markMirrored(meta, state, order);
    storage.saveMeta(meta);
    storage.log({ type: 'MIRRORED', status: state.status, usage: usageSince(before, svc.stores.usage()) });
  }
  if (isTerminal(state) && !meta.eventsSent.includes(state.status)) {
    await announce(svc, state, (work, what) => bounded(work, config.stepTimeoutMs, what));
    meta.eventsSent.push(state.status);
    storage.saveMeta(meta);
  }
}

/** Runs or compensates the next step once; the new state, or 'wait' when a retry is scheduled. */
async function advance(
  storage: SagaStorage,
  svc: ServiceContext,
  state: SagaState,
  config: SagaConfig,
): Promise<SagaState | 'wait'> {
  const { deadlineMs, maxAttempts, undoMaxAttempts, retryBaseMs, stepTimeoutMs, stockWaitMs } = config;
  const step = expectedStep(state)!;
  const compensating = state.status === 'COMPENSATING';
  const meta = storage.meta();
  if (!compensating) {
    // The step interrupted here may have acted in an earlier attempt (an authorization
    // whose capture kept failing): it is undone too, before the completed ones.
    const compensate = meta.attempts[`run:${step}`] !== undefined;
    if (state.cancelRequested)
      return transition(storage, state, {
        type: 'STEP_FAILED',
        step,
        error: `cancelled: ${state.cancelRequested}`,
        compensate,
      });
    if (Date.now() - Date.parse(state.createdAt) > deadlineMs)
      return transition(storage, state, { type: 'STEP_FAILED', step, error: 'deadline exceeded', compensate });
  }
  const key = `${compensating ? 'undo' : 'run'}:${step}`;
  const attempt = meta.attempts[key] ?? 1;
  meta.attempts[key] = attempt;
  storage.saveMeta(meta);

  const before = svc.stores.usage();
  const usage = () => usageSince(before, svc.stores.usage());
  const folding = compensating ? undefined : foldFor(storage, svc, state, step, meta, config);
  try {
    const output = await bounded(
      invoke(ORDER_SAGA_STEP_DEFS[step], compensating, { svc, saga: state, attempt, fold: folding?.fold }, state),
      stepTimeoutMs,
      `${step} (attempt ${attempt})`,
    );
    const event: SagaEvent = compensating
      ? { type: 'STEP_COMPENSATED', step, output }
      : { type: 'STEP_COMPLETED', step, output };
    const done = folding?.folded();
    const next = transition(storage, state, event, usage(), done?.at);
    // Unless the step's last write landed with the mirror of exactly this state, the runner mirrors it.
    if (!done?.landed || JSON.stringify(next) !== JSON.stringify(done.state)) return next;
    if (!done.along) return foldedMirror(storage, next, done.order, { foldedInto: step });
    // The next step rode along: its answers say whether it is done; if not, it runs on its own.
    if (!done.along.done) return next;
    const { step: along, output: report } = done.along;
    const after = transition(
      storage,
      next,
      { type: 'STEP_COMPLETED', step: along, output: report },
      undefined,
      done.at,
    );
    if (JSON.stringify(after) !== JSON.stringify(done.along.state)) return after;
    return foldedMirror(storage, after, done.order, { foldedInto: step, alongside: along });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    const kind = compensating ? 'transient' : classify(err);
    // A step waiting for something outside (units held by orders still in checkout)
    // comes back later with the same attempt, within its own bound.
    if (kind === 'wait') {
      const waits = (meta.waits?.[key] ?? 0) + 1;
      const delay = Math.min(5_000, retryBaseMs * 2 ** (waits - 1)) * (0.5 + Math.random());
      if (Date.now() + delay - Date.parse(state.createdAt) < stockWaitMs) {
        meta.waits = { ...meta.waits, [key]: waits };
        storage.saveMeta(meta);
        await storage.setAlarm(Date.now() + delay);
        // Other orders' RESERVE_STOCK counts this one as a possible holder until it says it waits.
        if (waits === 1) await sideMirror(storage, svc, state, config, { waitingForStock: true }).catch(() => {});
        storage.log({ type: 'STEP_WAIT', step, attempt, waits, error, usage: usage() });
        return 'wait';
      }
    }
    if (kind === 'transient' && attempt < (compensating ? undoMaxAttempts : maxAttempts)) {
      meta.attempts[key] = attempt + 1;
      storage.saveMeta(meta);
      const delay = Math.min(60_000, retryBaseMs * 2 ** (attempt - 1)) * (0.5 + Math.random());
      svc.logger.warn('order saga step failed; retrying', {
        step,
        compensating,
        attempt,
        delayMs: Math.round(delay),
        error,
      });
      storage.log({ type: 'STEP_RETRY', step, compensating, attempt, error, usage: usage() });
      await storage.setAlarm(Date.now() + delay);
      // The retry count reaches saga_executions with the next mirror.
      await sideMirror(storage, svc, storage.load()!, config).catch(() => {});
      return 'wait';
    }
    svc.logger.warn('order saga step failed for good', { step, compensating, attempt, error });
    if (compensating) return transition(storage, state, { type: 'COMPENSATION_FAILED', step, error }, usage());
    // The failed step is undone first (its compensation is a no-op when it did nothing),
    // with the same retries as every other undo: never swallowed.
    const output = err instanceof StepProblem ? ORDER_SAGA_STEP_DEFS[step].output.parse(err.output) : {};
    return transition(storage, state, { type: 'STEP_FAILED', step, error, output, compensate: true }, usage());
  }
}

/**
 * A mirror beside the transitions (a retry's count, a wait for stock): PostgreSQL sees it, the
 * runner's record of what PostgreSQL shows stays as it was, but a pending start record goes.
 */
async function sideMirror(
  storage: SagaStorage,
  svc: ServiceContext,
  state: SagaState,
  config: SagaConfig,
  opts: Pick<MirrorOptions, 'waitingForStock'> = {},
): Promise<void> {
  const meta = storage.meta();
  await bounded(
    mirrorSaga(svc, state, retriesOf(meta), { ...opts, ...firstMirror(meta) }),
    config.stepTimeoutMs,
    'saga mirror',
  );
  if (meta.startPending) {
    const latest = storage.meta();
    delete latest.startPending;
    storage.saveMeta(latest);
  }
}

/** PostgreSQL already shows `state` (written with a step's last write): recorded, no mirror of its own. */
function foldedMirror(
  storage: SagaStorage,
  state: SagaState,
  order: OrderSnapshot | null,
  how: { foldedInto: OrderSagaStep; alongside?: OrderSagaStep },
): SagaState {
  const latest = storage.meta();
  markMirrored(latest, state, order);
  storage.saveMeta(latest);
  storage.log({ type: 'MIRRORED', status: state.status, ...how });
  return state;
}

/** What a step's folded write carried, known once it landed (`MirrorFold.landed`). */
interface Folded {
  at: string;
  /** The state after the step, as mirrored (or, with `along`, as the state before that step). */
  state: SagaState;
  /** The next step, when it rode along: the state after it (as mirrored) and whether its answers say it is done. */
  along?: { step: OrderSagaStep; state: SagaState; output: StepReport; done: boolean };
  landed: boolean;
  order: OrderSnapshot | null;
}

/**
 * The fold offered to a step running forward: the mirror of its completion, and when the step
 * after it can ride along (`SagaStep.alongside`: CONFIRM_ORDER after PROCESS_PAYMENT) and
 * nothing stops it from starting (a cancel, the deadline), that step's statements and the mirror
 * of the state after both, conditional on what they find.
 */
function foldFor(
  storage: SagaStorage,
  svc: ServiceContext,
  state: SagaState,
  step: OrderSagaStep,
  meta: RunnerMeta,
  config: SagaConfig,
): { fold: MirrorFold; folded: () => Folded | null } {
  let folded: Folded | null = null;
  let check: ((answers: readonly unknown[]) => boolean) | undefined;
  let own = 0;
  const fold: MirrorFold = {
    pg: svc.stores.pg('orders'),
    statements(db, output, opts) {
      const at = new Date().toISOString();
      const next = applyEvent(storage.load() ?? state, { type: 'STEP_COMPLETED', step, output }, at);
      const following = expectedStep(next);
      const along = following && ORDER_SAGA_STEP_DEFS[following].alongside;
      const free = next.cancelRequested === null && Date.now() - Date.parse(next.createdAt) <= config.deadlineMs;
      if (!following || !along || !free) {
        folded = { at, state: next, landed: false, order: null };
        check = undefined;
        return mirrorStatements(db, next, retriesOf(meta), { ...opts, ...firstMirror(meta) });
      }
      const after = applyEvent(next, { type: 'STEP_COMPLETED', step: following, output: along.output }, at);
      const statements = along.statements(db, next);
      own = statements.length;
      check = along.done;
      folded = {
        at,
        state: next,
        along: { step: following, state: after, output: along.output, done: false },
        landed: false,
        order: null,
      };
      const mirror = mirrorStatements(db, after, retriesOf(meta), { ...along.mirror, ...firstMirror(meta) });
      return [...statements, ...mirror];
    },
    landed(results) {
      if (!folded) return;
      folded.landed = true;
      if (folded.along && check) {
        folded.along.done = check(results.slice(0, own));
        folded.order = folded.along.done ? orderSnapshotOf(folded.along.state, results.slice(own)) : null;
      } else folded.order = orderSnapshotOf(folded.state, results);
    },
  };
  return { fold, folded: () => folded };
}

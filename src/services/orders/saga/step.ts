/**
 * A saga step, Medusa-style: a name, `run`, and its `compensate` right beside it, with
 * the slice of the saga context each reads (`input`) and what each reports (`output`)
 * declared with zod. The runner parses the input out of the context before calling, and
 * the output before merging it back, so the context is typed from end to end.
 *
 * - Both are idempotent per (order, step): the runner may call them again after a
 *   crash or a retry, and a second call must change nothing that the first did.
 * - A `StepProblem` of a permanent type (errors.ts) means "retrying cannot help"
 *   (declined card, out of stock): the runner compensates. Anything else is transient:
 *   retried with backoff until ORDER_SAGA_MAX_ATTEMPTS, then treated as permanent.
 * - `compensate` does nothing when there is nothing to undo.
 * - A step that writes PostgreSQL when it completes may carry the saga's mirror of its own
 *   completion in that write (`fold`, one transaction, one round trip); the runner then
 *   writes no mirror of its own for that transition. A step that says so (`foldsMirror`)
 *   also spares the runner the mirror of the state before it (see runner.ts, `sync`), and a
 *   step made of PostgreSQL statements only may ride in that write too (`alongside`).
 */
import type { BatchItem } from 'drizzle-orm/batch';
import type { z } from 'zod';

import type { PgHandle } from '../../../db/pg/client.ts';
import type { HttpDatabase } from '../../../db/pg/http.ts';
import type { ServiceContext } from '../../context.ts';
import type { MirrorOptions } from '../saga-mirror.ts';
import type { StepReport } from './context.ts';
import type { OrderSagaStep, SagaState } from './state.ts';

export interface StepInput<I = unknown> {
  svc: ServiceContext;
  /** The saga (ids, timestamps); read the context through `input`. */
  saga: Pick<SagaState, 'orderId' | 'tenantId' | 'createdAt'>;
  /** The step's declared slice of the context, parsed. */
  input: I;
  /** 1-based attempt of this step (run or compensate); part of provider idempotency keys. */
  attempt: number;
  /** Running forward only: the mirror of this step's completion, to send with the step's last write. */
  fold?: MirrorFold;
}

/**
 * The statements that mirror the state the step's success leads to (saga_executions, the
 * order's status), given the report the step is about to return: exactly that report, or
 * the runner writes the mirror again. `pg` is the orders database: a step whose own write
 * goes elsewhere (another database) cannot carry them. Once they committed, the step hands
 * their answers (exactly those statements', in order) to `landed`: the next step may have
 * ridden along (`SagaStep.alongside`), and a settled saga's mirror reads its order back.
 */
export interface MirrorFold {
  pg: PgHandle;
  statements(db: HttpDatabase, output: StepReport, opts?: Pick<MirrorOptions, 'whileOrderLive'>): BatchItem<'pg'>[];
  landed(results: readonly unknown[]): void;
}

/**
 * A step whose whole work is statements in the orders database, with a report known in advance:
 * the runner may send them in the previous step's folded write (one transaction, one round trip
 * less), mirroring the state after both. When their answers say the step is not done (`done`),
 * the mirror written with them was conditional on the same thing (`mirror`) and wrote nothing,
 * and the runner runs the step on its own, which fails it as it would have.
 */
export interface Alongside {
  statements: (db: HttpDatabase, saga: StepInput['saga']) => BatchItem<'pg'>[];
  done: (results: readonly unknown[]) => boolean;
  output: StepReport;
  mirror: Pick<MirrorOptions, 'whileOrderLive'>;
}

export interface SagaStep<I = unknown, O extends StepReport = StepReport> {
  name: OrderSagaStep;
  input: z.ZodType<I>;
  output: z.ZodType<O>;
  run(args: StepInput<I>): Promise<O>;
  compensate(args: StepInput<I>): Promise<O>;
  /** `run` sends `fold` with its last write when it succeeds (so the state before it need not be mirrored). */
  foldsMirror?: boolean;
  /** The step may run inside the previous step's folded write (see `Alongside`). */
  alongside?: Alongside;
}

/** Declares a step; the types of `run` and `compensate` follow from its schemas. */
export function defineStep<I, O extends StepReport>(step: SagaStep<I, O>): SagaStep<I, O> {
  return step;
}

/**
 * A saga step, Medusa-style: a name, `run`, and its `compensate` right beside it.
 *
 * - Both are idempotent per (order, step): the runner may call them again after a
 *   crash or a retry, and a second call must change nothing that the first did.
 * - Both return what later steps or the mirror need (flat JSON scalars), merged into
 *   the saga context.
 * - `PermanentStepError` means "retrying cannot help" (declined card, out of stock):
 *   the runner compensates. Any other error is transient: retried with backoff until
 *   ORDER_SAGA_MAX_ATTEMPTS, then treated as permanent.
 * - `compensate` does nothing when there is nothing to undo.
 */
import type { SagaContext, SagaState } from '../../../durable/saga-state.ts';
import type { ServiceContext } from '../../context.ts';

export interface StepInput {
  svc: ServiceContext;
  saga: SagaState;
  /** 1-based attempt of this step (run or compensate); part of provider idempotency keys. */
  attempt: number;
}

export interface SagaStep {
  name: string;
  run(input: StepInput): Promise<SagaContext>;
  compensate(input: StepInput): Promise<SagaContext>;
}

export class PermanentStepError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** Context to record even though the step failed (e.g. paymentOutcome DECLINED). */
    readonly output: SagaContext = {},
  ) {
    super(message);
    this.name = 'PermanentStepError';
  }
}

/**
 * "Not now, maybe soon": the step cannot proceed yet but something under way may let
 * it (units held by orders still in checkout). The runner asks again with the same
 * attempt after a growing delay (up to 5 s), while the saga is younger than its wait
 * bound (ORDER_SAGA_STOCK_WAIT_SECONDS); past it, this is the permanent failure it extends.
 */
export class StepWaitError extends PermanentStepError {
  constructor(message: string, code: string, output: SagaContext = {}) {
    super(message, code, output);
    this.name = 'StepWaitError';
  }
}

/** The order lines the saga carries: `[[productId, quantity], ...]` as JSON in the context. */
export function sagaLines(saga: SagaState): Array<[string, number]> {
  return JSON.parse(String(saga.context.lines ?? '[]')) as Array<[string, number]>;
}

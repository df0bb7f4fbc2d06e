/**
 * The order saga's state machine, pure and storage-free so it can be reasoned
 * about (and tested) on its own. Statuses follow the seed's saga_executions CHECK,
 * plus COMPENSATION_FAILED (migration 0010).
 *
 *   STARTED -> IN_PROGRESS -> ... -> COMPLETED
 *                  \-> (a step fails) COMPENSATING -> COMPENSATED | COMPENSATION_FAILED
 *   COMPLETED -> (cancelled) COMPENSATING: every step is undone, last first
 *
 * A cancellation asked while steps still run is recorded (`cancelRequested`); the
 * runner turns it into a failure of the next step, so a step in flight is never cut.
 *
 * What is undone (`undoPlan`): the failed step itself first when it may have acted
 * (it was attempted: a payment authorized before a cancel or the deadline, a line
 * reserved before another ran out), then the completed steps, last first. The saga
 * is COMPENSATED only once every step of the plan reported its undo; an undo that
 * keeps failing ends COMPENSATION_FAILED, never COMPENSATED.
 *
 * The payment token leaves the state with the first transition after which
 * PROCESS_PAYMENT cannot run any more (it completed, a cancel was recorded, the saga
 * compensates or ended): the Durable Object stores it no longer than the step needs it.
 */
import { z } from 'zod';

import { SAGA_STATUSES } from '../../../db/pg/schema/orders.ts';
import { readSagaContext, type SagaContext, type StepReport } from './context.ts';

export const ORDER_SAGA_STEPS = ['RESERVE_STOCK', 'PROCESS_PAYMENT', 'CONFIRM_ORDER'] as const;
export type OrderSagaStep = (typeof ORDER_SAGA_STEPS)[number];
export type SagaStatus = (typeof SAGA_STATUSES)[number];

export interface SagaState {
  orderId: string;
  tenantId: string;
  status: SagaStatus;
  /** Index into ORDER_SAGA_STEPS of the next step to run (or compensate, going backwards). */
  currentStep: number;
  totalSteps: number;
  completedSteps: OrderSagaStep[];
  compensatedSteps: OrderSagaStep[];
  context: SagaContext;
  errorMessage: string | null;
  /** Why the owner or staff cancelled, when they did. */
  cancelRequested: string | null;
  /** The step that failed when it may have acted (it is undone first); absent or null otherwise. */
  failedStep?: OrderSagaStep | null;
  createdAt: string;
  updatedAt: string;
}

export type SagaEvent =
  | { type: 'STEP_COMPLETED'; step: OrderSagaStep; output?: StepReport }
  | {
      type: 'STEP_FAILED';
      step: OrderSagaStep;
      error: string;
      output?: StepReport;
      /** The step was attempted and may have acted: compensate it too (the runner always says). */
      compensate?: boolean;
    }
  | { type: 'STEP_COMPENSATED'; step: OrderSagaStep; output?: StepReport }
  | { type: 'COMPENSATION_FAILED'; step: OrderSagaStep; error: string }
  | { type: 'CANCEL_REQUESTED'; reason: string };

/** Nothing left for the runner to do (a COMPLETED saga may still be cancelled later). */
export function isTerminal(state: SagaState): boolean {
  return (
    state.status === 'COMPLETED' ||
    state.status === 'COMPENSATED' ||
    state.status === 'COMPENSATION_FAILED' ||
    state.status === 'FAILED'
  );
}

/**
 * Being taken back: a cancel was recorded, or a compensation is under way or failed.
 * Staff moves are refused from then on (a saga that compensated before confirming left
 * an order no move applies to anyway).
 */
export function isUnwinding(state: SagaState): boolean {
  return state.cancelRequested !== null || state.status === 'COMPENSATING' || state.status === 'COMPENSATION_FAILED';
}

/** The steps a compensation undoes, in order: the failed step (if it may have acted), then the completed ones, last first. */
export function undoPlan(state: SagaState): OrderSagaStep[] {
  const plan = [...state.completedSteps].reverse();
  if (state.failedStep && !plan.includes(state.failedStep)) plan.unshift(state.failedStep);
  return plan;
}

export class SagaTransitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SagaTransitionError';
  }
}

export function initialState(orderId: string, tenantId: string, context: SagaContext, now: string): SagaState {
  return {
    orderId,
    tenantId,
    status: 'STARTED',
    currentStep: 0,
    totalSteps: ORDER_SAGA_STEPS.length,
    completedSteps: [],
    compensatedSteps: [],
    context,
    errorMessage: null,
    cancelRequested: null,
    failedStep: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The step the saga expects next, or undefined when it is finished. */
export function expectedStep(state: SagaState): OrderSagaStep | undefined {
  if (state.status === 'STARTED' || state.status === 'IN_PROGRESS') return ORDER_SAGA_STEPS[state.currentStep];
  if (state.status === 'COMPENSATING') return undoPlan(state).find((s) => !state.compensatedSteps.includes(s));
  return undefined;
}

/** Whether PROCESS_PAYMENT may still run (and so needs the payment token). */
function paymentAhead(state: SagaState): boolean {
  return (
    (state.status === 'STARTED' || state.status === 'IN_PROGRESS') &&
    state.cancelRequested === null &&
    !state.completedSteps.includes('PROCESS_PAYMENT')
  );
}

function withoutSpentToken(state: SagaState): SagaState {
  if (state.context.paymentToken === null || paymentAhead(state)) return state;
  return { ...state, context: { ...state.context, paymentToken: null } };
}

/**
 * Applies one event. Replaying an event already applied (same step, same outcome)
 * returns the state unchanged, so a retried step report is harmless.
 */
export function applyEvent(state: SagaState, event: SagaEvent, now: string): SagaState {
  const next = transition(state, event, now);
  return next === state ? state : withoutSpentToken(next);
}

const sagaStepSchema = z.enum(ORDER_SAGA_STEPS);
const storedStateSchema = z.object({
  orderId: z.string(),
  tenantId: z.string(),
  status: z.enum(SAGA_STATUSES),
  currentStep: z.number().int(),
  totalSteps: z.number().int(),
  completedSteps: z.array(sagaStepSchema),
  compensatedSteps: z.array(sagaStepSchema),
  context: z.unknown().transform(readSagaContext),
  errorMessage: z.string().nullable(),
  cancelRequested: z.string().nullable(),
  failedStep: sagaStepSchema.nullish().transform((s) => s ?? null),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/**
 * A state as the Durable Object stored it, in this version's shape: older shapes are
 * migrated on read (context.ts), and a token an older version kept past the payment step
 * is dropped here.
 */
export function readSagaState(stored: unknown): SagaState {
  return withoutSpentToken(storedStateSchema.parse(stored));
}

function transition(state: SagaState, event: SagaEvent, now: string): SagaState {
  if (event.type === 'CANCEL_REQUESTED') {
    if (
      state.cancelRequested ||
      state.status === 'COMPENSATING' ||
      state.status === 'COMPENSATED' ||
      state.status === 'COMPENSATION_FAILED' ||
      state.status === 'FAILED'
    )
      return state;
    if (state.status === 'COMPLETED') {
      return {
        ...state,
        status: 'COMPENSATING',
        cancelRequested: event.reason,
        errorMessage: `cancelled: ${event.reason}`,
        updatedAt: now,
      };
    }
    return { ...state, cancelRequested: event.reason, updatedAt: now };
  }
  if (event.type === 'STEP_COMPLETED' && state.completedSteps.includes(event.step)) return state;
  if (event.type === 'STEP_COMPENSATED' && state.compensatedSteps.includes(event.step)) return state;
  if (
    event.type === 'STEP_FAILED' &&
    (state.status === 'COMPENSATING' || state.status === 'COMPENSATED' || state.status === 'COMPENSATION_FAILED') &&
    state.errorMessage
  ) {
    return state;
  }

  const expected = expectedStep(state);
  if (expected === undefined) throw new SagaTransitionError(`saga is ${state.status}; no further steps`);
  if (event.step !== expected)
    throw new SagaTransitionError(`expected ${expected}, got ${event.type} for ${event.step}`);

  switch (event.type) {
    case 'STEP_COMPLETED': {
      if (state.status === 'COMPENSATING') throw new SagaTransitionError('cannot complete a step while compensating');
      const completedSteps = [...state.completedSteps, event.step];
      const done = completedSteps.length === state.totalSteps;
      // A cancel recorded while the last step ran: the order is not confirmed, every step is undone.
      if (done && state.cancelRequested)
        return {
          ...state,
          status: 'COMPENSATING',
          currentStep: state.currentStep + 1,
          completedSteps,
          context: { ...state.context, ...event.output },
          errorMessage: `cancelled: ${state.cancelRequested}`,
          updatedAt: now,
        };
      return {
        ...state,
        status: done ? 'COMPLETED' : 'IN_PROGRESS',
        currentStep: state.currentStep + 1,
        completedSteps,
        context: { ...state.context, ...event.output },
        updatedAt: now,
      };
    }
    case 'STEP_FAILED': {
      if (state.status === 'COMPENSATING') throw new SagaTransitionError('a compensation cannot fail as a step');
      const failedStep = event.compensate ? event.step : null;
      // Nothing done and nothing attempted means nothing to undo.
      const status = state.completedSteps.length === 0 && !failedStep ? 'COMPENSATED' : 'COMPENSATING';
      return {
        ...state,
        status,
        failedStep,
        errorMessage: `${event.step}: ${event.error}`,
        context: { ...state.context, ...event.output },
        updatedAt: now,
      };
    }
    case 'STEP_COMPENSATED': {
      if (state.status !== 'COMPENSATING') throw new SagaTransitionError('not compensating');
      const compensatedSteps = [...state.compensatedSteps, event.step];
      const status = undoPlan(state).every((s) => compensatedSteps.includes(s)) ? 'COMPENSATED' : 'COMPENSATING';
      return { ...state, status, compensatedSteps, context: { ...state.context, ...event.output }, updatedAt: now };
    }
    case 'COMPENSATION_FAILED':
      if (state.status !== 'COMPENSATING') throw new SagaTransitionError('not compensating');
      return {
        ...state,
        status: 'COMPENSATION_FAILED',
        errorMessage: `${state.errorMessage}; compensation of ${event.step} failed: ${event.error}`,
        updatedAt: now,
      };
  }
}
